"""No secret and no content reaches the proxy's output, even with ccproxy logging at DEBUG.

Every secret and every piece of content carries its own canary string; after streaming and
JSON requests on both endpoints, token counting, an upstream failure, an upstream error that
quotes the prompt, a dropped connection and bad bodies, not one canary may appear anywhere in
what the proxy printed: ccproxy's lines or LiteLLM's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.fake_upstream import Answer, FakeUpstream
from tests.support.proxy import MINIMAL_CONFIG, ProxyProcess, config_file

CANARIES = {
    "config_key": "sk-ant-api03-canary-config-key-5b1e",
    "client_key": "sk-ant-api03-canary-client-key-91c4",
    "oauth_token": "sk-ant-oat01-canary-oauth-token-27d8",
    "prompt": "canary-prompt-text-a13f",
    "system": "canary-system-text-6e02",
    "tool_input": "canary-tool-input-d7b9",
    "tool_output": "canary-tool-output-40aa",
    "completion": "canary-completion-text-c58e",
}

DEBUG_LOGS = "  log: {level: DEBUG, format: json}\n"


@pytest.fixture(scope="module")
def canary_proxy(
    upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyProcess]:
    """`ccproxy start` on the minimal config (no callbacks entry: ccproxy start adds the
    handler), its key a canary, ccproxy logging at DEBUG."""
    directory = tmp_path_factory.mktemp("canary")
    config = config_file(directory, MINIMAL_CONFIG + DEBUG_LOGS)
    env = {"UPSTREAM_BASE": upstream.base_url, "UPSTREAM_KEY": CANARIES["config_key"]}
    with ProxyProcess.ccproxy(["--config", str(config)], directory / "proxy.log", env=env) as proxy:
        yield proxy


def messages_body(stream: bool) -> dict[str, Any]:
    return {
        "model": "claude-opus-4-8",
        "max_tokens": 1000,
        "stream": stream,
        "system": [{"type": "text", "text": f"You are helpful. {CANARIES['system']}"}],
        "tools": [{"name": "Read", "input_schema": {"type": "object"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": CANARIES["prompt"]}]},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "Read",
                        "input": {"path": CANARIES["tool_input"]},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": CANARIES["tool_output"],
                    },
                ],
            },
        ],
    }


def chat_body(stream: bool) -> dict[str, Any]:
    return {
        "model": "claude-opus-4-8",
        "stream": stream,
        "messages": [
            {"role": "system", "content": CANARIES["system"]},
            {"role": "user", "content": CANARIES["prompt"]},
        ],
    }


API_KEY = {"x-api-key": CANARIES["client_key"], "anthropic-version": "2023-06-01"}
OAUTH = {"authorization": f"Bearer {CANARIES['oauth_token']}", "anthropic-version": "2023-06-01"}


def send_everything(client: httpx.Client, upstream: FakeUpstream) -> list[str]:
    """Exercise every path that could log; returns the call ids of the routed requests."""
    call_ids = []
    upstream.script("*", Answer.text(f"Sure. {CANARIES['completion']}"))
    for headers in (API_KEY, OAUTH):
        for stream in (False, True):
            response = client.post(
                "/v1/messages?beta=true", json=messages_body(stream), headers=headers
            )
            assert response.status_code == 200, response.text
            call_ids.append(response.headers["x-litellm-call-id"])
            response = client.post("/v1/chat/completions", json=chat_body(stream), headers=headers)
            assert response.status_code == 200, response.text

    count = client.post("/v1/messages/count_tokens", json=messages_body(False), headers=API_KEY)
    assert count.status_code == 200, count.text

    upstream.script("*", Answer.error(500, "upstream broke"))
    failed = client.post("/v1/messages", json=messages_body(False), headers=API_KEY)
    assert failed.status_code >= 500

    # An upstream that quotes the request in its error: LiteLLM logs the error's text.
    upstream.script("*", Answer.error(400, f"prompt is too long: {CANARIES['prompt']}"))
    for path, body in (
        ("/v1/messages", messages_body(True)),
        ("/v1/chat/completions", chat_body(False)),
    ):
        echoed = client.post(path, json=body, headers=API_KEY)
        assert echoed.status_code == 400
    upstream.script("*", Answer.close())
    dropped = client.post("/v1/messages", json=messages_body(True), headers=OAUTH)
    assert dropped.status_code >= 500 or "error" in dropped.text

    truncated = f'{{"model": "claude-opus-4-8", "messages": [{{"content": "{CANARIES["prompt"]}'
    bad_json = client.post("/v1/messages", content=truncated.encode(), headers=API_KEY)
    bad_field = client.post(
        "/v1/chat/completions", json={"model": "m", "messages": CANARIES["prompt"]}, headers=OAUTH
    )
    assert bad_json.status_code == 400
    assert bad_field.status_code == 400
    return call_ids


def test_no_canary_reaches_the_proxys_output(
    canary_proxy: ProxyProcess, fresh_upstream: FakeUpstream
) -> None:
    with httpx.Client(base_url=canary_proxy.base_url, timeout=60) as client:
        call_ids = send_everything(client, fresh_upstream)
        for call_id in call_ids:
            assert canary_proxy.wait_for_records(litellm_call_id=call_id, event="decision")
        assert canary_proxy.wait_for_records(event="failure")

    output = canary_proxy.log_text()
    leaked = {name: value for name, value in CANARIES.items() if value in output}
    assert leaked == {}
    assert len(canary_proxy.records(event="decision")) >= len(call_ids)


def test_the_canaries_did_reach_the_upstream(
    canary_proxy: ProxyProcess, fresh_upstream: FakeUpstream
) -> None:
    """The check above means something only if the canaries were really in the traffic."""
    with httpx.Client(base_url=canary_proxy.base_url, timeout=60) as client:
        client.post("/v1/messages", json=messages_body(False), headers=API_KEY)

    sent = fresh_upstream.messages()[0]
    assert CANARIES["prompt"] in sent.raw_body.decode()
    assert CANARIES["tool_input"] in sent.raw_body.decode()
    assert sent.headers["x-api-key"] == CANARIES["config_key"]

"""CCProxyHandler in a real LiteLLM proxy: every label reaches its route, on both endpoints,
streaming or not; one decision line and one outcome line per request."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import litellm
import pytest
import structlog
from fastapi import HTTPException
from litellm.proxy._types import UserAPIKeyAuth
from litellm.proxy.utils import ProxyLogging

from ccproxy.config import Config, load_config
from ccproxy.decider import Decider, Decision
from ccproxy.handler import CCProxyHandler
from ccproxy.logs import configure_logging

from tests.support.fake_upstream import DEFAULT_COMPLETION, Answer, FakeUpstream
from tests.support.proxy import ROUTED_MODELS, ProxyProcess, config_file

BILLING = "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=cli;"
TOOLS = [
    {"name": "Read", "description": "Read a file", "input_schema": {"type": "object"}},
    {"name": "WebSearch", "description": "Search the web", "input_schema": {"type": "object"}},
]
CHAT_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": t["name"],
            "description": t["description"],
            "parameters": t["input_schema"],
        },
    }
    for t in TOOLS
]
LONG_TEXT = "lorem ipsum dolor sit amet " * 2000  # about 10,000 tokens, over the 5,000 threshold

SSE_EVENTS = [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
]


def messages_body(label: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A Claude Code-shaped /v1/messages body (and headers) that carries ``label``."""
    system = [{"type": "text", "text": BILLING}, {"type": "text", "text": "You are Claude Code."}]
    body: dict[str, Any] = {
        "model": "claude-opus-4-8",
        "max_tokens": 32000,
        "system": system,
        "tools": TOOLS,
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
    }
    if label == "background":
        body["model"] = "claude-haiku-4-5-20251001"
    elif label == "think":
        body["thinking"] = {"type": "enabled", "budget_tokens": 8000}
    elif label == "long_context":
        body["messages"][0]["content"][0]["text"] = LONG_TEXT
    elif label == "web_search":
        body["tools"] = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}]
    elif label == "subagent":
        system[0]["text"] = BILLING + " cc_is_subagent=true;"
        body["thinking"] = {"type": "disabled"}
    return body, {"x-api-key": "sk-ant-client", "anthropic-version": "2023-06-01"}


def chat_body(label: str) -> tuple[dict[str, Any], dict[str, str]]:
    """An OpenAI chat completions body (and headers) that carries ``label``."""
    body: dict[str, Any] = {
        "model": "claude-opus-4-8",
        "max_tokens": 1000,
        "tools": CHAT_TOOLS,
        "messages": [{"role": "user", "content": "hello"}],
    }
    headers = {"authorization": "Bearer anything"}
    if label == "background":
        body["model"] = "claude-haiku-4-5-20251001"
    elif label == "think":
        body["reasoning_effort"] = "xhigh"
    elif label == "long_context":
        body["messages"][0]["content"] = LONG_TEXT
    elif label == "web_search":
        body["tools"] = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}]
    elif label == "subagent":
        headers["x-ccproxy-tags"] = "subagent"
    return body, headers


def sse_events(text: str) -> list[str]:
    return [
        line.removeprefix("event:").strip()
        for line in text.splitlines()
        if line.startswith("event:")
    ]


def sse_text(text: str) -> str:
    """The text deltas of an Anthropic event stream, joined."""
    pieces = []
    for line in text.splitlines():
        if line.startswith("data:"):
            data = json.loads(line.removeprefix("data:"))
            if data.get("type") == "content_block_delta" and "text" in data["delta"]:
                pieces.append(data["delta"]["text"])
    return "".join(pieces)


def chat_stream_text(text: str) -> tuple[str, bool]:
    """The content of an OpenAI chunk stream, joined, and whether it ended with [DONE]."""
    data_lines = [
        line.removeprefix("data:").strip() for line in text.splitlines() if line.startswith("data:")
    ]
    chunks = [json.loads(line) for line in data_lines if line != "[DONE]"]
    pieces = [c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]]
    return "".join(pieces), bool(data_lines) and data_lines[-1] == "[DONE]"


@pytest.fixture
def client(routing_proxy: ProxyProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=routing_proxy.base_url, timeout=60) as http:
        yield http


LABELS = list(ROUTED_MODELS)


class TestRoutingOnMessages:
    @pytest.mark.parametrize("label", LABELS)
    def test_a_json_request_reaches_its_labels_model(
        self, client: httpx.Client, fresh_upstream: FakeUpstream, label: str
    ) -> None:
        """The upstream sees the label's model; the client sees the label and the reply."""
        body, headers = messages_body(label)

        response = client.post("/v1/messages?beta=true", json=body, headers=headers)

        assert response.status_code == 200, response.text
        assert fresh_upstream.models() == [ROUTED_MODELS[label]]
        assert response.headers["x-ccproxy-route"] == label
        assert response.json()["content"] == [{"type": "text", "text": DEFAULT_COMPLETION}]

    @pytest.mark.parametrize("label", LABELS)
    def test_a_stream_reaches_its_labels_model_and_arrives_whole(
        self, client: httpx.Client, fresh_upstream: FakeUpstream, label: str
    ) -> None:
        """Every event of the upstream's stream reaches the client, in order."""
        body, headers = messages_body(label)

        response = client.post(
            "/v1/messages?beta=true", json={**body, "stream": True}, headers=headers
        )

        assert response.status_code == 200, response.text
        assert fresh_upstream.models() == [ROUTED_MODELS[label]]
        assert fresh_upstream.messages()[0].stream
        assert response.headers["x-ccproxy-route"] == label
        assert dedupe_deltas(sse_events(response.text)) == SSE_EVENTS
        assert sse_text(response.text) == DEFAULT_COMPLETION

    def test_a_tool_use_answer_streams_through_unchanged(
        self, client: httpx.Client, fresh_upstream: FakeUpstream
    ) -> None:
        """A scripted tool_use reply keeps its name and input through the proxy."""
        fresh_upstream.script("*", Answer.tool_use("WebSearch", {"query": "weather"}))
        body, headers = messages_body("default")

        response = client.post("/v1/messages", json={**body, "stream": True}, headers=headers)

        starts = [
            json.loads(line.removeprefix("data:"))
            for line in response.text.splitlines()
            if line.startswith("data:") and "content_block_start" in line
        ]
        assert starts[0]["content_block"]["name"] == "WebSearch"
        assert '\\"query\\": \\"weather\\"' in response.text


def dedupe_deltas(events: list[str]) -> list[str]:
    """The event names with runs of content_block_delta folded into one."""
    folded: list[str] = []
    for event in events:
        if not (event == "content_block_delta" and folded and folded[-1] == event):
            folded.append(event)
    return folded


class TestRoutingOnChat:
    @pytest.mark.parametrize("label", LABELS)
    def test_a_json_request_reaches_its_labels_model(
        self, client: httpx.Client, fresh_upstream: FakeUpstream, label: str
    ) -> None:
        body, headers = chat_body(label)

        response = client.post("/v1/chat/completions", json=body, headers=headers)

        assert response.status_code == 200, response.text
        assert fresh_upstream.models() == [ROUTED_MODELS[label]]
        assert response.headers["x-ccproxy-route"] == label
        assert response.json()["choices"][0]["message"]["content"] == DEFAULT_COMPLETION

    @pytest.mark.parametrize("label", LABELS)
    def test_a_stream_reaches_its_labels_model_and_arrives_whole(
        self, client: httpx.Client, fresh_upstream: FakeUpstream, label: str
    ) -> None:
        body, headers = chat_body(label)

        response = client.post(
            "/v1/chat/completions", json={**body, "stream": True}, headers=headers
        )

        assert response.status_code == 200, response.text
        assert fresh_upstream.models() == [ROUTED_MODELS[label]]
        assert response.headers["x-ccproxy-route"] == label
        assert chat_stream_text(response.text) == (DEFAULT_COMPLETION, True)


class TestLogLines:
    @pytest.mark.parametrize(
        "case",
        [
            ("/v1/messages", False, "success"),
            ("/v1/messages", True, "stream_completed"),
            ("/v1/chat/completions", False, "success"),
            ("/v1/chat/completions", True, "stream_completed"),
        ],
        ids=["messages", "messages-stream", "chat", "chat-stream"],
    )
    def test_one_decision_and_one_outcome_per_request(
        self,
        client: httpx.Client,
        routing_proxy: ProxyProcess,
        fresh_upstream: FakeUpstream,
        case: tuple[str, bool, str],
    ) -> None:
        """Public reports: success fired twice on JSON /v1/messages, never on streams."""
        path, stream, outcome = case
        body, headers = (messages_body if path == "/v1/messages" else chat_body)("think")

        response = client.post(path, json={**body, "stream": stream}, headers=headers)
        call_id = response.headers["x-litellm-call-id"]
        send_sentinel_and_wait(client, routing_proxy)

        decisions = routing_proxy.records(event="decision", litellm_call_id=call_id)
        outcomes = routing_proxy.records(litellm_call_id=call_id, event=outcome)
        other = [
            r
            for r in routing_proxy.records(litellm_call_id=call_id)
            if r["event"] not in {"decision", outcome}
        ]
        assert len(decisions) == 1
        assert len(outcomes) == 1
        assert other == []

        decision, result = decisions[0], outcomes[0]
        assert decision["label"] == "think"
        assert decision["route"] == "opus"
        assert decision["model"] == "anthropic/claude-opus-4-8"
        assert decision["reasons"]
        assert decision["stream"] is stream
        assert decision["endpoint"] == path
        assert isinstance(decision["tokens"], int)
        assert result["label"] == "think"
        assert result["served_route"] == "opus"
        assert result["status"] == 200
        assert result["input_tokens"] > 0
        assert result["output_tokens"] > 0
        assert result["duration_ms"] >= 0

    def test_an_upstream_failure_is_one_failure_line_with_its_class_and_status(
        self, client: httpx.Client, routing_proxy: ProxyProcess, fresh_upstream: FakeUpstream
    ) -> None:
        fresh_upstream.script("claude-opus-4-8", Answer.error(429))
        body, headers = messages_body("think")

        response = client.post("/v1/messages", json=body, headers=headers)
        call_id = response.headers["x-litellm-call-id"]
        send_sentinel_and_wait(client, routing_proxy)

        assert response.status_code == 429
        assert response.json()["error"]["type"] == "rate_limit_error"
        failures = routing_proxy.records(event="failure", label="think")
        assert len(failures) == 1
        assert failures[0]["status"] == 429
        assert failures[0]["error_class"] == "RateLimitError"
        assert failures[0]["route"] == "opus"
        assert failures[0]["litellm_call_id"] == call_id

    @pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
    def test_a_rejected_body_has_its_rejection_as_its_one_outcome_line(
        self, client: httpx.Client, routing_proxy: ProxyProcess, path: str
    ) -> None:
        body, headers = (messages_body if path == "/v1/messages" else chat_body)("default")

        response = client.post(path, json={**body, "max_tokens": "lots"}, headers=headers)
        call_id = response.headers["x-litellm-call-id"]
        send_sentinel_and_wait(client, routing_proxy)

        assert response.status_code == 400
        lines = routing_proxy.records(litellm_call_id=call_id)
        assert [(line["event"], line["status"]) for line in lines] == [("rejected", 400)]

    @pytest.mark.parametrize("payload", [b'{"model": ', b"[1, 2]"], ids=["not-json", "array"])
    def test_a_body_litellm_cannot_parse_has_one_rejected_line_and_no_attempt(
        self, client: httpx.Client, routing_proxy: ProxyProcess, payload: bytes
    ) -> None:
        send_sentinel_and_wait(client, routing_proxy)
        before = len(routing_proxy.records())

        response = client.post(
            "/v1/messages", content=payload, headers={"content-type": "application/json"}
        )
        sentinel = send_sentinel_and_wait(client, routing_proxy)

        assert response.status_code == 400
        lines = [
            line
            for line in routing_proxy.records()[before:]
            if line.get("litellm_call_id") != sentinel
        ]
        assert [(line["event"], line["status"]) for line in lines] == [("rejected", 400)]

    @pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
    def test_a_field_refused_before_routing_has_its_rejection_as_its_one_outcome_line(
        self, client: httpx.Client, routing_proxy: ProxyProcess, path: str
    ) -> None:
        body, headers = (messages_body if path == "/v1/messages" else chat_body)("default")
        earlier = routing_proxy.records(event="rejected", endpoint=path)

        response = client.post(path, json={**body, "api_base": "https://x"}, headers=headers)
        send_sentinel_and_wait(client, routing_proxy)

        assert response.status_code == 400
        rejected = routing_proxy.records(event="rejected", endpoint=path)[len(earlier) :]
        assert len(rejected) == 1
        lines = routing_proxy.records(litellm_call_id=rejected[0]["litellm_call_id"])
        assert [(line["event"], line["status"]) for line in lines] == [("rejected", 400)]

    def test_no_decision_fell_back_to_the_default_route(self, routing_proxy: ProxyProcess) -> None:
        """Every request so far was decided by the rules, not by the fail-safe."""
        assert routing_proxy.records(event="decision_failed") == []


def send_sentinel_and_wait(client: httpx.Client, proxy: ProxyProcess) -> str:
    """Send one more request and wait for its outcome line; earlier outcomes precede it.
    Returns its call id."""
    body, headers = messages_body("default")
    response = client.post("/v1/messages", json=body, headers=headers)
    call_id = response.headers["x-litellm-call-id"]
    assert proxy.wait_for_records(event="success", litellm_call_id=call_id)
    return call_id


class TestCountTokens:
    @pytest.mark.parametrize(
        "model", ["claude-opus-4-8", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]
    )
    def test_claude_code_model_names_are_answered(
        self, client: httpx.Client, fresh_upstream: FakeUpstream, model: str
    ) -> None:
        body = {"model": model, "messages": [{"role": "user", "content": "hello there"}]}

        response = client.post(
            "/v1/messages/count_tokens?beta=true", json=body, headers={"x-api-key": "sk-ant-client"}
        )

        assert response.status_code == 200, response.text
        assert response.json()["input_tokens"] > 0


class TestLargeBodies:
    def test_a_5_mb_body_is_routed_and_reaches_the_upstream_whole(
        self, client: httpx.Client, fresh_upstream: FakeUpstream
    ) -> None:
        body, headers = messages_body("default")
        body["messages"][0]["content"][0]["text"] = "token " * (5 * 1024 * 1024 // 6)

        response = client.post(
            "/v1/messages?beta=true", json={**body, "stream": True}, headers=headers
        )

        assert response.status_code == 200
        assert response.headers["x-ccproxy-route"] == "long_context"
        assert fresh_upstream.models() == [ROUTED_MODELS["long_context"]]
        assert len(fresh_upstream.messages()[0].raw_body) > 5 * 1024 * 1024


# In-process: the hooks called as LiteLLM calls them, on data shaped as LiteLLM shapes it.

OPENAI_ROUTE_CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929}
  - model_name: gpt
    litellm_params: {model: openai/gpt-4o, api_key: sk-operator-openai}
ccproxy:
  routes: {default: sonnet, background: gpt}
"""

OAUTH_HEADER = {"custom_llm_provider": "anthropic", "extra_headers": {"authorization": "Bearer t"}}
BETA_HEADER = {"custom_llm_provider": "anthropic,bedrock", "extra_headers": {"anthropic-beta": "b"}}


class ExplodingDecider(Decider):
    """A decider whose every decision fails, as an unforeseen bug would."""

    async def adecide(
        self, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Decision:
        raise ZeroDivisionError("a bug in a rule")


class WrongShapeDecider(Decider):
    """A decider whose decision breaks the steps after it, as a bug in them would."""

    async def adecide(
        self, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Decision:
        return Decision("think", "opus", None, (), 0, False)  # type: ignore[arg-type]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream)
    yield stream
    structlog.reset_defaults()


def log_records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def hook_data(body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """``body`` as the pre-call hook receives it on /v1/messages: with LiteLLM's record of the
    request (no credential field in the body), and the raw headers it keeps aside."""
    request = {"url": "http://proxy/v1/messages", "headers": headers or {}, "credential_fields": ()}
    return {
        **body,
        "litellm_call_id": "call-1",
        "litellm_metadata": {"headers": headers or {}},
        "proxy_server_request": request,
        "secret_fields": {"raw_headers": headers or {}},
    }


def forwarded_credentials(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the client's key and OAuth bearer as LiteLLM forwards them from headers."""
    data = hook_data(body, headers={"x-api-key": "sk-ant-client"})
    return data | {
        "api_key": "sk-ant-client",
        "provider_specific_header": [OAUTH_HEADER, BETA_HEADER],
    }


@pytest.fixture
def openai_config(tmp_path: Path) -> Config:
    return load_config(config_file(tmp_path, OPENAI_ROUTE_CONFIG))


class TestHookInProcess:
    def test_litellm_sees_the_handlers_own_hooks(self) -> None:
        """Public report: LiteLLM silently skips an async_pre_call_hook a class inherits."""
        capabilities = callback_capabilities_of(CCProxyHandler())

        assert capabilities.has_pre_call_override
        assert capabilities.has_post_call_response_headers

    def test_a_subclass_that_overrides_nothing_still_has_its_hooks_called(self) -> None:
        class Quiet(CCProxyHandler):
            pass

        capabilities = callback_capabilities_of(Quiet())

        assert capabilities.has_pre_call_override
        assert capabilities.has_post_call_response_headers

    def test_a_failing_decider_sends_the_request_to_the_default_route(
        self, log_stream: io.StringIO
    ) -> None:
        config = load_config(None)
        handler = CCProxyHandler()
        handler.configure(config, ExplodingDecider.from_config(config))
        data = hook_data(messages_body("think")[0])

        asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))

        assert data["model"] == "sonnet"
        failed, decided = log_records(log_stream)
        assert failed["event"] == "decision_failed"
        assert failed["error_class"] == "ZeroDivisionError"
        assert "a bug in a rule" not in log_stream.getvalue()
        assert (decided["event"], decided["label"], decided["route"]) == (
            "decision",
            "default",
            "sonnet",
        )

    def test_a_fault_after_the_decision_still_sends_the_request_to_the_default_route(
        self, log_stream: io.StringIO
    ) -> None:
        config = load_config(None)
        handler = CCProxyHandler()
        handler.configure(config, WrongShapeDecider.from_config(config))
        data = hook_data(messages_body("subagent")[0])

        returned = asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))

        assert returned is data
        assert data["model"] == "sonnet"
        (failed,) = log_records(log_stream)
        assert (failed["event"], failed["error_class"]) == ("routing_failed", "AttributeError")

    def test_client_credentials_never_reach_a_route_that_is_not_keyless_anthropic(
        self, openai_config: Config
    ) -> None:
        handler = CCProxyHandler(openai_config)
        data = forwarded_credentials(messages_body("background")[0])

        asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))

        assert data["model"] == "gpt"
        assert "api_key" not in data
        assert data["provider_specific_header"] == BETA_HEADER

    def test_client_credentials_stay_on_a_keyless_anthropic_route(
        self, openai_config: Config
    ) -> None:
        handler = CCProxyHandler(openai_config)
        data = forwarded_credentials(messages_body("default")[0])

        asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))

        assert data["model"] == "sonnet"
        assert data["api_key"] == "sk-ant-client"
        assert data["provider_specific_header"] == [OAUTH_HEADER, BETA_HEADER]

    def test_an_unconfigured_handler_reads_the_config_named_by_ccproxy_config(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_stream: io.StringIO
    ) -> None:
        """Under `litellm --config` nothing configures the handler before the first request."""
        monkeypatch.setenv("CCPROXY_CONFIG", str(config_file(tmp_path, OPENAI_ROUTE_CONFIG)))
        data = hook_data(messages_body("background")[0])

        asyncio.run(CCProxyHandler().async_pre_call_hook(None, None, data, "anthropic_messages"))

        assert data["model"] == "gpt"

    def test_a_config_that_fails_to_load_leaves_requests_unrouted_and_says_why(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_stream: io.StringIO
    ) -> None:
        """The proxy keeps serving what LiteLLM can serve; the log says what is wrong."""
        broken = OPENAI_ROUTE_CONFIG.replace("default: sonnet", "default: nowhere")
        monkeypatch.setenv("CCPROXY_CONFIG", str(config_file(tmp_path, broken)))
        handler = CCProxyHandler()
        data = hook_data(messages_body("think")[0])

        first = asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))
        again = asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))

        assert (first, again) == (None, None)
        assert data["model"] == "claude-opus-4-8"
        records = log_records(log_stream)
        assert [(r["event"], r["config_key"]) for r in records] == [
            ("config_failed", "ccproxy.routes.default")
        ]
        assert records[0]["error"].startswith("ccproxy.routes.default: got 'nowhere'; expected")

    def test_the_route_header_names_the_label_the_hook_chose(self) -> None:
        handler = CCProxyHandler(load_config(None))
        data = hook_data(messages_body("think")[0])

        asyncio.run(handler.async_pre_call_hook(None, None, data, "anthropic_messages"))
        headers = asyncio.run(handler.async_post_call_response_headers_hook(data, None, None))

        assert headers == {"x-ccproxy-route": "think"}
        assert data["litellm_metadata"]["ccproxy"]["route"] == "opus"

    def test_other_call_types_are_left_alone(self) -> None:
        handler = CCProxyHandler(load_config(None))
        data = {"model": "text-embedding-3-small", "input": ["hello"]}

        result = asyncio.run(handler.async_pre_call_hook(None, None, data, "aembedding"))

        assert result is None
        assert data == {"model": "text-embedding-3-small", "input": ["hello"]}

    def test_a_field_litellm_refused_before_routing_is_answered_with_a_400_naming_it(
        self, log_stream: io.StringIO
    ) -> None:
        handler = CCProxyHandler(load_config(None))
        refusal = ValueError("Rejected Request: api_base is not allowed in request body. ...")
        auth = UserAPIKeyAuth(request_route="/v1/messages")

        answer = asyncio.run(
            handler.async_post_call_failure_hook({"litellm_call_id": "c"}, refusal, auth)
        )
        asyncio.run(handler.async_log_failure_event({"exception": refusal}, None, None, None))

        assert isinstance(answer, HTTPException)
        assert answer.status_code == 400
        assert answer.detail == "api_base: not accepted from a client; the proxy's config sets it"
        records = log_records(log_stream)
        assert [(r["event"], r["endpoint"], r["status"]) for r in records] == [
            ("rejected", "/v1/messages", 400)
        ]

    def test_other_failures_leave_litellms_answer_alone(self, log_stream: io.StringIO) -> None:
        handler = CCProxyHandler(load_config(None))
        error = ValueError("something else")

        answer = asyncio.run(handler.async_post_call_failure_hook({}, error, UserAPIKeyAuth()))

        assert answer is None
        assert [r["event"] for r in log_records(log_stream)] == ["failure"]

    def test_an_outcome_reported_twice_is_logged_once(self, log_stream: io.StringIO) -> None:
        handler = CCProxyHandler(load_config(None))
        kwargs = {"litellm_call_id": "call-2", "stream": False, "standard_logging_object": {}}
        start = datetime(2026, 1, 1, 12, 0, 0)
        end = datetime(2026, 1, 1, 12, 0, 1)

        asyncio.run(handler.async_log_success_event(kwargs, None, start, end))
        asyncio.run(handler.async_log_success_event(kwargs, None, start, end))

        records = log_records(log_stream)
        assert [r["event"] for r in records] == ["success"]
        assert records[0]["duration_ms"] == 1000.0


def callback_capabilities_of(handler: CCProxyHandler) -> Any:
    """What LiteLLM's proxy concludes about ``handler``'s hooks when it is the only callback."""
    saved = litellm.callbacks
    litellm.callbacks = [handler]
    try:
        return ProxyLogging.callback_capabilities()
    finally:
        litellm.callbacks = saved

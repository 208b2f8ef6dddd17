"""Fallbacks per label, through a real proxy, against a fake upstream scripted to fail.

One proxy serves the whole module. The default label routes to sonnet and falls back to opus
then haiku; the subagent label shares sonnet but falls back to haiku alone; think routes to
flaky, which the tests script to fail, and falls back to opus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccproxy.config import load_config
from ccproxy.decider import Decision
from ccproxy.fallbacks import FallbackPlan

from tests.support import claude_requests
from tests.support.fake_upstream import DEFAULT_COMPLETION, Answer, FakeUpstream
from tests.support.proxy import ProxyProcess, config_file

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-1-20250805"
HAIKU = "claude-haiku-4-5-20251001"
SONNET_46 = "claude-sonnet-4-6"

# A failing route is tried once, then the chain moves on; a 429 is retried once first
# (retry_policy), to show that retries and fallbacks compose and stay bounded.
CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929, api_base: *base, api_key: *key}
  - model_name: opus
    litellm_params: {model: anthropic/claude-opus-4-1-20250805, api_base: *base, api_key: *key}
  - model_name: haiku
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001, api_base: *base, api_key: *key}
  - model_name: flaky
    litellm_params: {model: anthropic/claude-sonnet-4-6, api_base: *base, api_key: *key}
router_settings:
  num_retries: 0
  timeout: 3
  retry_policy: {RateLimitErrorRetries: 1}
ccproxy:
  routes: {default: sonnet, background: haiku, think: flaky, subagent: sonnet}
  fallbacks:
    default: [opus, haiku]
    subagent: [haiku]
    think: [opus]
"""

ANTHROPIC_HEADERS = {"x-api-key": "sk-client", "anthropic-version": "2023-06-01"}
ROUTE_FAILURES = {
    "429": Answer.error(429, "rate limited"),
    "529": Answer.error(529, "Overloaded"),
    "500": Answer.error(500, "internal error"),
    "hang": Answer.hang(),
    "close": Answer.close(),
}
ENDPOINTS = ("/v1/messages", "/v1/chat/completions")


@pytest.fixture(scope="module")
def proxy(
    upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyProcess]:
    directory = tmp_path_factory.mktemp("fallbacks")
    config = config_file(directory, CONFIG)
    env = {"UPSTREAM_BASE": upstream.base_url, "UPSTREAM_KEY": "sk-operator"}
    with ProxyProcess.ccproxy(["--config", str(config)], directory / "proxy.log", env=env) as p:
        yield p


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    text: str

    @property
    def served_by(self) -> str | None:
        return self.headers.get("x-litellm-model-group")

    def streamed_text(self) -> str:
        """The text the client read, from Anthropic or OpenAI stream events."""
        pieces = []
        for data in _sse_data(self.text):
            delta = data.get("delta") or {}
            if data.get("type") == "content_block_delta" and delta.get("type") == "text_delta":
                pieces.append(delta["text"])
            for choice in data.get("choices") or []:
                pieces.append((choice.get("delta") or {}).get("content") or "")
        return "".join(pieces)

    def message_text(self) -> str:
        body = json.loads(self.text)
        if "choices" in body:
            return str(body["choices"][0]["message"]["content"])
        return "".join(block.get("text", "") for block in body["content"])

    def error(self) -> dict[str, Any]:
        body = json.loads(self.text)
        return dict(body["error"])


def send(proxy: ProxyProcess, endpoint: str, body: dict[str, Any]) -> Reply:
    response = httpx.post(
        f"{proxy.base_url}{endpoint}", json=body, headers=ANTHROPIC_HEADERS, timeout=60
    )
    return Reply(response.status_code, response.headers, response.text)


def plain_request(stream: bool) -> dict[str, Any]:
    """A request carrying the default label on either endpoint."""
    messages = [{"role": "user", "content": "say hi"}]
    return {"model": SONNET, "max_tokens": 100, "messages": messages, "stream": stream}


def _sse_data(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            yield json.loads(line.removeprefix("data: "))


def assert_served_text(reply: Reply, stream: bool) -> None:
    assert reply.status == 200, reply.text
    text = reply.streamed_text() if stream else reply.message_text()
    assert text == DEFAULT_COMPLETION


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("failure", list(ROUTE_FAILURES))
def test_a_failing_route_is_served_by_the_labels_first_fallback(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream, failure: str, endpoint: str, stream: bool
) -> None:
    fresh_upstream.script(SONNET, ROUTE_FAILURES[failure])

    reply = send(proxy, endpoint, plain_request(stream))

    assert_served_text(reply, stream)
    assert reply.served_by == "opus"
    models = fresh_upstream.models()
    assert models[-1] == OPUS
    assert set(models[:-1]) == {SONNET}
    assert len(models) - 1 == (2 if failure == "429" else 1)


def request_lines(proxy: ProxyProcess, reply: Reply, outcome: str) -> list[dict[str, Any]]:
    """The request's log lines, once its ``outcome`` line is out (it comes after the reply)."""
    call_id = reply.headers["x-litellm-call-id"]
    assert proxy.wait_for_records(event=outcome, litellm_call_id=call_id)
    return proxy.records(litellm_call_id=call_id)


def events(lines: list[dict[str, Any]]) -> list[str]:
    return [line["event"] for line in lines]


OUTCOMES = {False: "success", True: "stream_completed"}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_request_served_by_a_fallback_has_one_outcome_line_naming_the_route_that_served(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream, endpoint: str, stream: bool
) -> None:
    """The failed try is a line of its own; the outcome is a clean success."""
    fresh_upstream.script(SONNET, Answer.error(529))

    reply = send(proxy, endpoint, plain_request(stream))

    assert_served_text(reply, stream)
    lines = request_lines(proxy, reply, OUTCOMES[stream])
    assert events(lines) == ["decision", "attempt_failed", OUTCOMES[stream]]
    _, attempt, outcome = lines
    assert (attempt["route"], attempt["tried_route"], attempt["status"]) == (
        "sonnet",
        "sonnet",
        529,
    )
    assert attempt["error_class"] == "InternalServerError"
    assert (outcome["label"], outcome["route"], outcome["served_route"]) == (
        "default",
        "sonnet",
        "opus",
    )
    assert outcome["status"] == 200
    assert "error_class" not in outcome


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_request_answered_with_an_error_has_one_failure_line(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream, endpoint: str, stream: bool
) -> None:
    """A stream that fails before its first byte too: the client gets an HTTP error."""
    fresh_upstream.script(SONNET, Answer.error(400, "messages: at least one message is required"))

    reply = send(proxy, endpoint, plain_request(stream))

    assert reply.status == 400
    lines = request_lines(proxy, reply, "failure")
    assert events(lines) == ["decision", "attempt_failed", "failure"]
    _, attempt, failure = lines
    assert (attempt["tried_route"], attempt["tried_model"], attempt["status"]) == (
        "sonnet",
        f"anthropic/{SONNET}",
        400,
    )
    assert (failure["label"], failure["route"], failure["endpoint"]) == (
        "default",
        "sonnet",
        endpoint,
    )
    assert (failure["stream"], failure["status"]) == (stream, 400)
    assert failure["error_class"] == attempt["error_class"] == "BadRequestError"


def test_two_labels_on_one_route_fall_back_along_their_own_chains(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream
) -> None:
    fresh_upstream.script(SONNET, Answer.error(529))
    subagent = claude_requests.subagent_request(model=SONNET)

    main_reply = send(proxy, "/v1/messages", plain_request(stream=True))
    subagent_reply = send(proxy, "/v1/messages", subagent)

    assert main_reply.served_by == "opus"
    assert subagent_reply.served_by == "haiku"
    assert fresh_upstream.models() == [SONNET, OPUS, SONNET, HAIKU]


def test_an_error_event_before_any_content_is_served_by_the_fallback(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream
) -> None:
    fresh_upstream.script(SONNET_46, Answer.error_event("overloaded_error"))
    body = plain_request(stream=True)
    body["thinking"] = {"type": "enabled", "budget_tokens": 2048}
    body["max_tokens"] = 4096

    reply = send(proxy, "/v1/messages", body)

    assert_served_text(reply, stream=True)
    assert "event: error" not in reply.text
    assert reply.served_by == "opus"
    assert fresh_upstream.models() == [SONNET_46, OPUS]
    lines = request_lines(proxy, reply, "stream_completed")
    assert events(lines) == ["decision", "attempt_failed", "stream_completed"]
    assert (lines[1]["tried_route"], lines[2]["served_route"]) == ("flaky", "opus")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize(
    "message",
    ["messages.0.content: field required", "prompt is too long: 210000 tokens > 200000 maximum"],
    ids=["invalid", "context-length"],
)
def test_a_400_reaches_the_client_unchanged_and_without_a_fallback(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream, message: str, stream: bool
) -> None:
    """Issue 6: Claude Code reads the upstream's own type and message (it compacts on one)."""
    fresh_upstream.script(SONNET, Answer.error(400, message))

    reply = send(proxy, "/v1/messages", plain_request(stream))

    assert reply.status == 400
    body = json.loads(reply.text)
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"] == message
    assert reply.headers["x-ccproxy-route"] == "default"
    assert fresh_upstream.models() == [SONNET]


# When every route fails: what the upstream answers, what it sees, what the client gets.
EVERY_ROUTE_FAILS = {
    # A 429 is retried once on each route, in the chain's order.
    "/v1/messages": (429, [SONNET, SONNET, OPUS, OPUS, HAIKU, HAIKU], 429),
    # Chat clients get an overloaded upstream as OpenAI's 503.
    "/v1/chat/completions": (529, [SONNET, OPUS, HAIKU], 503),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_when_every_route_fails_each_is_tried_within_its_retries_then_the_client_is_told(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream, endpoint: str
) -> None:
    upstream_status, expected, client_status = EVERY_ROUTE_FAILS[endpoint]
    fresh_upstream.script("*", Answer.error(upstream_status, "route down"))

    reply = send(proxy, endpoint, plain_request(stream=True))

    assert reply.status == client_status
    assert reply.headers["x-ccproxy-route"] == "default"
    assert "route down" in reply.error()["message"]
    assert fresh_upstream.models() == expected
    # Nothing more reaches the upstream once the client has its answer.
    lines = request_lines(proxy, reply, "failure")
    assert fresh_upstream.models() == expected
    # One line per try of a route, then the one outcome.
    assert events(lines) == ["decision", *["attempt_failed"] * len(expected), "failure"]
    assert [line["tried_model"] for line in lines[1:-1]] == [f"anthropic/{m}" for m in expected]
    assert lines[-1]["status"] == client_status


def test_the_anthropic_error_shape_is_kept_when_every_route_fails(
    proxy: ProxyProcess, fresh_upstream: FakeUpstream
) -> None:
    fresh_upstream.script("*", Answer.error(529, "Overloaded"))

    reply = send(proxy, "/v1/messages", plain_request(stream=False))

    assert reply.status == 529
    body = json.loads(reply.text)
    assert body["type"] == "error"
    assert body["error"]["type"] == "overloaded_error"
    assert body["error"]["message"] == "Overloaded"
    assert fresh_upstream.models() == [SONNET, OPUS, HAIKU]


PLAN_CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929}
    model_info: {max_input_tokens: 200000}
  - model_name: small
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001}
    model_info: {max_input_tokens: 50000}
  - model_name: opus
    litellm_params: {model: anthropic/claude-opus-4-1-20250805}
router_settings: %(router_settings)s
ccproxy:
  routes: {default: sonnet, subagent: opus}
  fallbacks:
    default: [small, opus, opus]
    subagent: [opus, sonnet]
"""


def plan(tmp_path: Path, router_settings: str = "{}") -> FallbackPlan:
    text = PLAN_CONFIG % {"router_settings": router_settings}
    return FallbackPlan.from_config(load_config(config_file(tmp_path, text)))


def decision(label: str, route: str, tokens: int) -> Decision:
    return Decision(label, route, f"anthropic/{route}", ("test",), tokens, False)


class TestFallbackPlan:
    def test_the_chain_keeps_the_configured_order_once_each(self, tmp_path: Path) -> None:
        assert plan(tmp_path).chain(decision("default", "sonnet", 1000)) == ["small", "opus"]

    def test_a_route_too_small_for_the_request_is_left_out(self, tmp_path: Path) -> None:
        assert plan(tmp_path).chain(decision("default", "sonnet", 60000)) == ["opus"]

    def test_the_route_that_already_failed_is_not_tried_again(self, tmp_path: Path) -> None:
        assert plan(tmp_path).chain(decision("subagent", "opus", 1000)) == ["sonnet"]

    def test_the_request_carries_its_chain_and_no_context_window_fallback(
        self, tmp_path: Path
    ) -> None:
        data: dict[str, Any] = {"model": "sonnet"}

        plan(tmp_path).apply(data, decision("default", "sonnet", 1000))

        assert data["fallbacks"] == [{"sonnet": ["small", "opus"]}]
        assert data["context_window_fallbacks"] == [{"sonnet": []}]

    def test_a_label_without_fallbacks_leaves_the_request_alone(self, tmp_path: Path) -> None:
        data: dict[str, Any] = {"model": "haiku", "fallbacks": ["client-choice"]}

        assert plan(tmp_path).apply(data, decision("background", "haiku", 1000)) == []
        assert data == {"model": "haiku", "fallbacks": ["client-choice"]}

    def test_the_users_own_choice_on_400_fallbacks_is_kept(self, tmp_path: Path) -> None:
        assert plan(tmp_path).guard_bad_requests is True
        chosen = "{fallback_on_unsupported_params: true}"
        assert plan(tmp_path, router_settings=chosen).guard_bad_requests is False

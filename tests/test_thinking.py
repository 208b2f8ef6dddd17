"""The client's own thinking, off or with its budget, survives the model it is routed to."""

from __future__ import annotations

import httpx

from ccproxy.thinking import keep_clients_thinking

from tests.support import claude_requests as cc
from tests.support.fake_upstream import FakeUpstream
from tests.support.proxy import ROUTED_MODELS, ProxyProcess

SONNET_4_5 = "anthropic/claude-sonnet-4-5-20250929"


def test_effort_is_dropped_where_litellm_would_turn_it_into_thinking() -> None:
    data = {"thinking": {"type": "disabled"}, "output_config": {"effort": "high", "format": {}}}

    keep_clients_thinking(data, SONNET_4_5)

    assert data == {"thinking": {"type": "disabled"}, "output_config": {"format": {}}}


def test_effort_without_any_thinking_field_is_dropped_too() -> None:
    data = {"output_config": {"effort": "high"}}
    keep_clients_thinking(data, "anthropic/claude-haiku-4-5-20251001")
    assert data == {}


def test_effort_stays_beside_adaptive_thinking_as_its_depth() -> None:
    data = {"thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}}
    keep_clients_thinking(data, SONNET_4_5)
    assert data["output_config"] == {"effort": "high"}


def test_effort_is_dropped_beside_a_budget_the_client_gave() -> None:
    thinking = {"type": "enabled", "budget_tokens": 31999}
    data = {"thinking": thinking, "output_config": {"effort": "high"}}

    keep_clients_thinking(data, "anthropic/claude-opus-4-1-20250805")

    assert data == {"thinking": {"type": "enabled", "budget_tokens": 31999}}


def test_effort_stays_on_models_that_take_it() -> None:
    for model in ("anthropic/claude-opus-4-8", "anthropic/claude-opus-4-5-20251101"):
        data = {"thinking": {"type": "disabled"}, "output_config": {"effort": "high"}}
        keep_clients_thinking(data, model)
        assert data["output_config"] == {"effort": "high"}, model


def test_a_chore_and_a_forced_tool_call_reach_older_models_without_thinking(
    routing_proxy: ProxyProcess, fresh_upstream: FakeUpstream
) -> None:
    headers = {"x-api-key": "sk-ant-client", "anthropic-version": "2023-06-01"}
    chore = {**cc.title_chore(), "stream": False}
    forced = cc.main_turn(
        messages=[cc.user_turn("read the README")],
        system=[cc.billing_line()],
        tools=cc.claude_code_tools(("Read",)),
        tool_choice={"type": "tool", "name": "Read"},
        thinking={"type": "disabled"},
        stream=False,
    )

    for body in (chore, forced):
        response = httpx.post(
            f"{routing_proxy.base_url}/v1/messages", json=body, headers=headers, timeout=60
        )
        assert response.status_code == 200, response.text

    chore_seen, forced_seen = fresh_upstream.messages()
    assert chore_seen.model == ROUTED_MODELS["background"]  # Haiku 4.5
    assert forced_seen.model == ROUTED_MODELS["default"]  # Sonnet 4.5
    assert forced_seen.body["tool_choice"] == {"type": "tool", "name": "Read"}
    for seen in (chore_seen, forced_seen):
        assert seen.body.get("thinking", {"type": "disabled"}) == {"type": "disabled"}
        assert "effort" not in seen.body.get("output_config", {})

"""The routing decisions of PRODUCT.md §2, on requests shaped like Claude Code's."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ccproxy.config import load_config
from ccproxy.decider import Decider, DecisionMismatchError

from tests.support import claude_requests as cc

ALL_LABELS = ("default", "background", "think", "long_context", "web_search", "subagent")


def write_config(path: Path, labels: tuple[str, ...] = ALL_LABELS, extra: str = "") -> Path:
    models = "\n".join(
        f"  - model_name: route-{label}\n    litellm_params: {{model: anthropic/m-{label}}}"
        for label in ALL_LABELS
    )
    routes = "\n".join(f"    {label}: route-{label}" for label in labels)
    path.write_text(f"model_list:\n{models}\nccproxy:\n  routes:\n{routes}\n{extra}")
    return path


@pytest.fixture
def decider(tmp_path: Path) -> Decider:
    return Decider.from_config(load_config(write_config(tmp_path / "config.yaml")))


def label_of(decider: Decider, body: dict, headers: dict | None = None) -> str:
    return decider.decide(body, headers).label


def test_main_turn_with_adaptive_thinking_is_default(decider: Decider) -> None:
    assert label_of(decider, cc.main_turn(), cc.claude_code_headers()) == "default"


def test_main_turn_with_thinking_disabled_is_default_never_think(decider: Decider) -> None:
    body = cc.main_turn(thinking={"type": "disabled"})
    assert label_of(decider, body, cc.claude_code_headers()) == "default"


def test_effort_max_is_think(decider: Decider) -> None:
    body = cc.main_turn(output_config={"effort": "max"})
    decision = decider.decide(body)
    assert (decision.label, decision.route) == ("think", "route-think")
    assert decision.reasons == ("effort max",)


def test_thinking_enabled_with_a_budget_is_think(decider: Decider) -> None:
    body = cc.main_turn(thinking={"type": "enabled", "budget_tokens": 16000})
    assert label_of(decider, body) == "think"


def test_adaptive_thinking_at_normal_effort_is_not_think(decider: Decider) -> None:
    for effort in ("low", "medium", "high"):
        assert label_of(decider, cc.main_turn(output_config={"effort": effort})) == "default"


def test_title_chore_on_the_big_model_is_background(decider: Decider) -> None:
    decision = decider.decide(cc.title_chore(), cc.claude_code_headers())
    assert (decision.label, decision.model) == ("background", "anthropic/m-background")
    assert decision.reasons == ("Claude Code chore: no tools, no thinking",)


@pytest.mark.parametrize(
    "model",
    [
        "claude-haiku-4-5-20251001",
        "claude-3-5-haiku-20241022",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ],
)
def test_haiku_class_models_are_background(decider: Decider, model: str) -> None:
    body = cc.main_turn(model=model, thinking={"type": "enabled", "budget_tokens": 31999})
    assert label_of(decider, body) == "background"


def test_the_web_search_tools_own_request_is_web_search(decider: Decider) -> None:
    decision = decider.decide(cc.web_search_request())
    assert decision.label == "web_search"
    assert decision.reasons == ("declares the server tool web_search_20250305",)


def test_a_main_turn_declaring_the_client_tool_named_websearch_is_default(
    decider: Decider,
) -> None:
    body = cc.main_turn()
    assert "WebSearch" in {tool["name"] for tool in body["tools"]}
    assert label_of(decider, body) == "default"


def test_a_subagent_request_is_subagent(decider: Decider) -> None:
    assert label_of(decider, cc.subagent_request(), cc.claude_code_headers()) == "subagent"


def test_a_tagged_request_is_subagent(decider: Decider) -> None:
    assert label_of(decider, cc.main_turn(), {"x-ccproxy-tags": "subagent"}) == "subagent"


@pytest.mark.parametrize("tags", [["subagent"], "subagent", "team-a, Subagent"])
def test_a_request_tagged_in_its_metadata_is_subagent(decider: Decider, tags: object) -> None:
    body = cc.main_turn()
    body["metadata"] = {**body["metadata"], "ccproxy_tags": tags}
    assert label_of(decider, body) == "subagent"


def test_a_3mb_conversation_is_long_context_even_when_it_is_a_chore(decider: Decider) -> None:
    body = cc.title_chore(first_message=cc.prose(3_000_000))
    decision = decider.decide(body, cc.claude_code_headers())
    assert decision.label == "long_context"
    assert decision.reasons[0].endswith("input tokens > 60,000")


def test_thinking_blocks_and_tool_results_count_toward_long_context(decider: Decider) -> None:
    body = cc.main_turn(messages=cc.conversation(400_000))
    texts_only = cc.main_turn(messages=_without_thinking_and_results(body["messages"]))

    assert label_of(decider, body) == "long_context"
    assert label_of(decider, texts_only) == "default"


def test_a_system_role_inside_messages_counts_toward_long_context(decider: Decider) -> None:
    messages = [cc.user_turn("hi"), {"role": "system", "content": cc.prose(400_000)}]
    assert label_of(decider, cc.main_turn(messages=messages)) == "long_context"


def test_an_image_is_counted_by_a_fixed_estimate_not_its_base64_size(decider: Decider) -> None:
    image = base64.b64encode(bytes(range(256)) * 4000).decode()  # ~1.4 MB of base64
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is in this picture?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": image}},
            ],
        }
    ]  # fmt: skip
    plain_body = cc.main_turn(messages=[cc.user_turn("what is in this picture?")])
    plain = decider.decide(plain_body, count_all=True)
    with_image = decider.decide(cc.main_turn(messages=messages), count_all=True)

    assert with_image.label == "default"
    assert with_image.tokens - plain.tokens == pytest.approx(1600, abs=10)


def test_with_subagent_unrouted_a_haiku_subagent_is_background(tmp_path: Path) -> None:
    labels = tuple(label for label in ALL_LABELS if label != "subagent")
    decider = Decider.from_config(load_config(write_config(tmp_path / "c.yaml", labels)))

    decision = decider.decide(cc.subagent_request(model=cc.HAIKU_MODEL))

    assert (decision.label, decision.route) == ("background", "route-background")


def test_an_unrouted_label_falls_through_to_the_default_route(tmp_path: Path) -> None:
    decider = Decider.from_config(load_config(write_config(tmp_path / "c.yaml", ("default",))))
    assert decider.decide(cc.web_search_request()).route == "route-default"


def test_rule_order_is_configurable(tmp_path: Path) -> None:
    extra = "  rules: [think, background]\n"
    decider = Decider.from_config(load_config(write_config(tmp_path / "c.yaml", extra=extra)))
    assert label_of(decider, cc.haiku_main_turn()) == "think"


class AnswerRule:
    """A user's rule that gives a number as its reason."""

    def match(self, request: object) -> object:
        return 42


def test_a_custom_rules_reason_of_any_kind_is_reported_as_text(tmp_path: Path) -> None:
    extra = "  rules:\n    - default: {rule: 'tests.test_decisions:AnswerRule'}\n"
    decider = Decider.from_config(load_config(write_config(tmp_path / "c.yaml", extra=extra)))

    assert decider.decide(cc.main_turn()).reasons == ("42",)


def test_the_threshold_is_configurable(tmp_path: Path) -> None:
    extra = "  rules:\n    - long_context: {threshold: 1000}\n"
    decider = Decider.from_config(load_config(write_config(tmp_path / "c.yaml", extra=extra)))
    assert label_of(decider, cc.main_turn()) == "long_context"


def test_openai_chat_bodies_are_classified_too(decider: Decider) -> None:
    chat = {
        "model": "claude-opus-4-8",
        "messages": [{"role": "user", "content": "hi"}],
        "reasoning_effort": "max",
    }
    assert label_of(decider, chat) == "think"
    assert label_of(decider, {**chat, "reasoning_effort": "low"}) == "default"


def _without_thinking_and_results(messages: list[dict]) -> list[dict]:
    kept = []
    for message in messages:
        content = message["content"]
        if isinstance(content, list):
            content = [b for b in content if b["type"] not in ("thinking", "tool_result")]
        if content:
            kept.append({**message, "content": content})
    return kept


def test_a_decision_that_differs_from_the_full_counts_is_caught(decider: Decider) -> None:
    # A stale cache entry (a hash-colliding text, say) is the one way the fast path could err.
    # Without spaces the text has no useful lower bound, so its count is made and cached.
    body = cc.title_chore(first_message=cc.prose(400_000).replace(" ", "_"))
    decider.decide(body)
    for key in list(decider.cache._entries):
        decider.cache._entries[key] = (1, decider.cache._entries[key][1])

    with pytest.raises(DecisionMismatchError, match="background/route-background != long_context"):
        decider.decide(body)

"""Keep the client's own choice of thinking, whichever model the request is routed to.

Claude Code sends `output_config.effort` on every request: chores and web searches with
thinking disabled or absent, older models' main turns with thinking enabled and a budget.
LiteLLM 1.110.2 rewrites that effort into `thinking: {type: enabled, budget_tokens: N}` for
Anthropic models that take neither adaptive thinking nor the effort parameter (Sonnet 4.5,
Haiku 4.5, Opus 4.1). So a chore routed there would think (and Anthropic refuses thinking
beside a `tool_choice` that forces a tool, as the WebSearch call does), and a think request's
budget of 31,999 tokens would shrink to the 4,096 that `high` stands for. On those models the
effort has nothing more to say once the client said thinking is off or how much it may use:
it is dropped before LiteLLM sees it. Adaptive thinking keeps it, as its depth.
"""

from __future__ import annotations

from typing import Any

from litellm.llms.anthropic.chat.transformation import AnthropicConfig


def keep_clients_thinking(data: dict[str, Any], upstream_model: str) -> None:
    """Drop `output_config.effort` where LiteLLM would turn it into thinking the client did
    not ask for: none at all, or another budget than the client's."""
    output_config = data.get("output_config")
    if not isinstance(output_config, dict) or "effort" not in output_config:
        return
    if _adaptive(data.get("thinking")) or not _effort_becomes_thinking(upstream_model):
        return

    rest = {key: value for key, value in output_config.items() if key != "effort"}
    if rest:
        data["output_config"] = rest
    else:
        del data["output_config"]


def _adaptive(thinking: object) -> bool:
    return isinstance(thinking, dict) and thinking.get("type") == "adaptive"


def _effort_becomes_thinking(upstream_model: str) -> bool:
    provider, _, model = upstream_model.partition("/")
    if provider != "anthropic" or not model:
        return False
    return not (
        AnthropicConfig.is_adaptive_thinking_model(model, provider)
        or AnthropicConfig.model_supports_effort_param(model, provider)
    )

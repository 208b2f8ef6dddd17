"""Keep thinking off when the client turned it off, whichever model the request is routed to.

Claude Code sends `output_config.effort` on every request, chores and web searches included,
with thinking disabled or absent. LiteLLM 1.110.2 rewrites that effort into
`thinking: {type: enabled, budget_tokens: N}` for Anthropic models that take neither adaptive
thinking nor the effort parameter (Sonnet 4.5, Haiku 4.5, Opus 4.1): a chore routed there
would think, and Anthropic refuses thinking beside a `tool_choice` that forces a tool, as the
WebSearch call does. On those models the effort has nothing to steer once thinking is off, so
it is dropped before LiteLLM sees it.
"""

from __future__ import annotations

from typing import Any

from litellm.llms.anthropic.chat.transformation import AnthropicConfig


def keep_thinking_off(data: dict[str, Any], upstream_model: str) -> None:
    """Drop `output_config.effort` where LiteLLM would turn it into thinking the client refused."""
    output_config = data.get("output_config")
    if not isinstance(output_config, dict) or "effort" not in output_config:
        return
    if _thinking_on(data.get("thinking")) or not _effort_becomes_thinking(upstream_model):
        return

    rest = {key: value for key, value in output_config.items() if key != "effort"}
    if rest:
        data["output_config"] = rest
    else:
        del data["output_config"]


def _thinking_on(thinking: object) -> bool:
    return isinstance(thinking, dict) and thinking.get("type") not in (None, "disabled")


def _effort_becomes_thinking(upstream_model: str) -> bool:
    provider, _, model = upstream_model.partition("/")
    if provider != "anthropic" or not model:
        return False
    return not (
        AnthropicConfig.is_adaptive_thinking_model(model, provider)
        or AnthropicConfig.model_supports_effort_param(model, provider)
    )

"""One typed view of a request, read once; every rule reads this view instead of the raw body."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ccproxy.content import Reading, read_request
from ccproxy.tokens import TokenCache, TokenEstimate

# Claude Code opens `system` with a billing line; subagents add `cc_is_subagent=true;` to it.
BILLING_PREFIX = "x-anthropic-billing-header:"
_SUBAGENT_MARK = re.compile(r"\bcc_is_subagent\s*=\s*true\b")

# Callers can tag a request for routing, e.g. `x-ccproxy-tags: subagent`.
TAGS_HEADER = "x-ccproxy-tags"
SESSION_HEADER = "x-claude-code-session-id"


@dataclass(frozen=True, slots=True)
class RequestFeatures:
    """What the rules may know about a request."""

    model: str
    thinking: str | None  # "enabled", "adaptive", "disabled", or None when absent
    thinking_budget: int | None
    effort: str | None
    tool_types: frozenset[str]
    tool_names: frozenset[str]
    tool_count: int
    from_claude_code: bool
    is_subagent: bool
    tags: frozenset[str]
    session_id: str | None
    tokens: TokenEstimate

    @classmethod
    def from_request(
        cls,
        body: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        cache: TokenCache | None = None,
        reading: Reading | None = None,
    ) -> RequestFeatures:
        """Read `body`; `reading` is what the model reads of it, when gathered already."""
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        billing = _billing_line(body.get("system"), body.get("messages"))
        tools = [tool for tool in _as_list(body.get("tools")) if isinstance(tool, Mapping)]
        thinking, budget = _thinking(body)

        return cls(
            model=str(body.get("model") or ""),
            thinking=thinking,
            thinking_budget=budget,
            effort=_effort(body),
            tool_types=frozenset(_tool_type(tool) for tool in tools),
            tool_names=frozenset(_tool_name(tool) for tool in tools),
            tool_count=len(tools),
            from_claude_code=billing is not None or _claude_code_headers(headers),
            is_subagent=billing is not None and bool(_SUBAGENT_MARK.search(billing)),
            tags=_tags(headers, body),
            session_id=_session_id(headers, body),
            tokens=TokenEstimate(reading if reading is not None else read_request(body), cache),
        )

    @property
    def has_web_search_tool(self) -> bool:
        return any(kind.startswith("web_search") for kind in self.tool_types)


def _billing_line(system: object, messages: object) -> str | None:
    first: object = system
    if isinstance(system, list):
        first = system[0].get("text") if system and isinstance(system[0], Mapping) else None
    elif system is None:
        # OpenAI chat bodies carry the system prompt as the first message.
        first = _first_system_message(messages)
    if isinstance(first, str) and first.startswith(BILLING_PREFIX):
        return first
    return None


def _first_system_message(messages: object) -> object:
    for message in _as_list(messages)[:1]:
        if isinstance(message, Mapping) and message.get("role") == "system":
            content = message.get("content")
            if isinstance(content, list) and content and isinstance(content[0], Mapping):
                return content[0].get("text")
            return content
    return None


def _thinking(body: Mapping[str, Any]) -> tuple[str | None, int | None]:
    thinking = body.get("thinking")
    if not isinstance(thinking, Mapping):
        return None, None

    budget = thinking.get("budget_tokens")
    kind = thinking.get("type")
    return (
        kind if isinstance(kind, str) else None,
        budget if isinstance(budget, int) and not isinstance(budget, bool) else None,
    )


def _effort(body: Mapping[str, Any]) -> str | None:
    output_config = body.get("output_config")
    if isinstance(output_config, Mapping) and isinstance(output_config.get("effort"), str):
        return str(output_config["effort"])
    effort = body.get("reasoning_effort")
    return effort if isinstance(effort, str) else None


def _tool_type(tool: Mapping[str, Any]) -> str:
    kind = tool.get("type")
    return kind if isinstance(kind, str) else "custom"


def _tool_name(tool: Mapping[str, Any]) -> str:
    function = tool.get("function")
    name = function.get("name") if isinstance(function, Mapping) else tool.get("name")
    return name if isinstance(name, str) else ""


def _claude_code_headers(headers: Mapping[str, str]) -> bool:
    return headers.get("user-agent", "").startswith("claude-cli/") or SESSION_HEADER in headers


def _tags(headers: Mapping[str, str], body: Mapping[str, Any]) -> frozenset[str]:
    raw = headers.get(TAGS_HEADER, "")
    metadata = body.get("metadata")
    tagged = metadata.get("ccproxy_tags") if isinstance(metadata, Mapping) else None
    if isinstance(tagged, list):
        raw += "," + ",".join(str(tag) for tag in tagged)
    elif isinstance(tagged, str):  # one tag, or several as the header writes them
        raw += "," + tagged
    return frozenset(tag.strip().lower() for tag in raw.split(",") if tag.strip())


def _session_id(headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    if headers.get(SESSION_HEADER):
        return headers[SESSION_HEADER]

    # Claude Code also sends metadata.user_id as a JSON string holding the session id.
    metadata = body.get("metadata")
    user_id = metadata.get("user_id") if isinstance(metadata, Mapping) else None
    if not isinstance(user_id, str) or not user_id.startswith("{"):
        return None
    try:
        session = json.loads(user_id).get("session_id")
    except (ValueError, AttributeError):
        return None
    return session if isinstance(session, str) else None


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []

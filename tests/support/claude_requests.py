"""Requests shaped like Claude Code 2.1's, built from scratch for tests and benchmarks.

The shapes follow what Claude Code sends (PRODUCT.md §6): a billing line opening `system`,
~24 client tools on a main turn, adaptive thinking with an effort level, a `system` role inside
`messages`, session ids in a header and inside `metadata.user_id`. The prose is generated.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

_TOOL_LIST = (
    "Agent Bash CronCreate CronDelete CronList Edit EnterWorktree ExitWorktree NotebookEdit Read "
    "ReportFindings ScheduleWakeup SendMessage Skill TaskCreate TaskGet TaskList TaskOutput "
    "TaskStop TaskUpdate WebFetch WebSearch Workflow Write"
)
TOOL_NAMES = tuple(_TOOL_LIST.split())

_WORDS = [
    "the",
    "request",
    "model",
    "proxy",
    "route",
    "token",
    "stream",
    "session",
    "agent",
    "tool",
    "result",
    "file",
    "read",
    "write",
    "function",
    "value",
    "config",
    "label",
    "error",
    "cache",
    "context",
    "window",
    "budget",
    "thinking",
    "effort",
    "search",
    "message",
    "system",
    "user",
    "assistant",
    "content",
    "block",
    "input",
    "output",
    "schema",
    "path",
    "line",
    "code",
    "test",
]

MAIN_MODEL = "claude-opus-4-8"
HAIKU_MODEL = "claude-haiku-4-5-20251001"


def prose(n_chars: int, seed: int = 0) -> str:
    """Deterministic English-like filler of about `n_chars` characters."""
    rng = random.Random(seed)
    words: list[str] = []
    size = 0
    while size < n_chars:
        word = rng.choice(_WORDS)
        if rng.random() < 0.08:
            word += rng.choice(".,:;")
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:n_chars]


def billing_line(subagent: bool = False, entrypoint: str = "sdk-cli") -> dict[str, Any]:
    text = f"x-anthropic-billing-header: cc_version=2.1.197.3ed; cc_entrypoint={entrypoint};"
    if subagent:
        text += " cc_is_subagent=true;"
    return {"type": "text", "text": text}


def system_blocks(prompt_chars: int = 20_000, subagent: bool = False) -> list[dict[str, Any]]:
    cached = {"type": "ephemeral"}
    return [
        billing_line(subagent),
        {"type": "text", "text": "You are a Claude agent.", "cache_control": cached},
        {"type": "text", "text": prose(prompt_chars, seed=1), "cache_control": cached},
    ]


def claude_code_tools(names: tuple[str, ...] = TOOL_NAMES) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "description": prose(1500, seed=index + 10),
            "input_schema": {
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": prose(200, seed=index + 50)},
                    "timeout": {"type": "number", "description": "Timeout in milliseconds"},
                },
                "required": ["command"],
                "additionalProperties": False,
                "$schema": "http://json-schema.org/draft-07/schema#",
            },
        }
        for index, name in enumerate(names)
    ]


def web_search_server_tool() -> dict[str, Any]:
    return {"type": "web_search_20250305", "name": "web_search", "max_uses": 8}


def metadata(session_id: str) -> dict[str, str]:
    user = {"device_id": "d" * 64, "account_uuid": "", "session_id": session_id}
    return {"user_id": json.dumps(user, separators=(",", ":"))}


def user_turn(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def main_turn(
    model: str = MAIN_MODEL,
    messages: list[dict[str, Any]] | None = None,
    session_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A main agent turn: 24 tools, adaptive thinking, effort high."""
    session_id = session_id or str(uuid.uuid4())
    body: dict[str, Any] = {
        "model": model,
        "messages": messages or [user_turn("say hi"), {"role": "system", "content": prose(6000)}],
        "system": system_blocks(),
        "tools": claude_code_tools(),
        "metadata": metadata(session_id),
        "max_tokens": 64000,
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "output_config": {"effort": "high"},
        "stream": True,
    }
    body.update(overrides)
    return body


def haiku_main_turn() -> dict[str, Any]:
    return main_turn(
        model=HAIKU_MODEL, thinking={"type": "enabled", "budget_tokens": 31999}, max_tokens=32000
    )


def title_chore(model: str = MAIN_MODEL, first_message: str = "fix the tests") -> dict[str, Any]:
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    return {
        "model": model,
        "messages": [user_turn(first_message)],
        "system": [
            billing_line(entrypoint="cli"),
            {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
            {"type": "text", "text": "Generate a concise, sentence-case title for the session."},
        ],
        "tools": [],
        "metadata": metadata(str(uuid.uuid4())),
        "max_tokens": 64000,
        "thinking": {"type": "disabled"},
        "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": schema}},
        "stream": True,
    }


def web_search_request() -> dict[str, Any]:
    """The separate request Claude Code's WebSearch tool makes, forcing the server tool."""
    return {
        "model": MAIN_MODEL,
        "messages": [user_turn("Perform a web search for the query: litellm routing")],
        "system": [
            billing_line(),
            {"type": "text", "text": "You are a Claude agent."},
            {"type": "text", "text": "You are an assistant for performing a web search tool use"},
        ],
        "tools": [web_search_server_tool()],
        "tool_choice": {"type": "tool", "name": "web_search"},
        "metadata": metadata(str(uuid.uuid4())),
        "max_tokens": 64000,
        "thinking": {"type": "disabled"},
        "output_config": {"effort": "high"},
        "stream": True,
    }


def subagent_request(model: str = MAIN_MODEL) -> dict[str, Any]:
    return main_turn(
        model=model,
        system=system_blocks(prompt_chars=8000, subagent=True),
        tools=claude_code_tools(TOOL_NAMES[:21]),
        thinking={"type": "disabled"},
    )


def after_tool_result(model: str = MAIN_MODEL) -> dict[str, Any]:
    """A main turn answering a Read: the system role mid-conversation, the result cached."""
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": prose(200, seed=3),
        "cache_control": {"type": "ephemeral"},
    }
    read = {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"file_path": "/a"}}
    messages = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "<reminder>"}, *user_turn("read a")["content"]],
        },
        {"role": "system", "content": prose(6000, seed=2)},
        {"role": "assistant", "content": [read]},
        {"role": "user", "content": [result]},
    ]
    return main_turn(model=model, messages=messages)


def every_shape() -> dict[str, dict[str, Any]]:
    """One body of each kind Claude Code sends (the captures in PRODUCT.md §6), by name."""
    return {
        "main turn": main_turn(),
        "main turn on haiku": haiku_main_turn(),
        "main turn after a tool result": after_tool_result(),
        "long conversation": main_turn(messages=conversation(60_000)),
        "title chore": title_chore(),
        "web search": web_search_request(),
        "subagent": subagent_request(),
    }


def conversation(
    target_bytes: int, seed: int = 0, turn_chars: int = 12_000
) -> list[dict[str, Any]]:
    """A long agent conversation: text, thinking, tool calls and tool results, in turns."""
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = [user_turn(prose(2000, seed=seed))]
    size = 0
    turn = 0
    while size < target_bytes:
        turn += 1
        call_id = f"toolu_{seed}_{turn}"
        thinking = prose(rng.randint(200, 1500), seed=seed * 1000 + turn)
        command = prose(rng.randint(40, 400), seed=seed * 2000 + turn)
        result = prose(rng.randint(turn_chars // 2, turn_chars), seed=seed * 3000 + turn)
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": thinking, "signature": "sig" * 20},
                    {"type": "text", "text": prose(300, seed=turn)},
                    {"type": "tool_use", "id": call_id, "name": "Bash",
                     "input": {"command": command}},
                ],
            }
        )  # fmt: skip
        messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call_id, "content": result}],
            }
        )
        size += len(thinking) + len(command) + len(result) + 400
    return messages


def claude_code_headers(session_id: str | None = None, api_key: str = "sk-test") -> dict[str, str]:
    return {
        "user-agent": "claude-cli/2.1.197 (external, sdk-cli)",
        "x-claude-code-session-id": session_id or str(uuid.uuid4()),
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        "x-api-key": api_key,
        "x-app": "cli",
    }


def sized_main_turn(target_bytes: int, seed: int = 0) -> dict[str, Any]:
    """A main turn whose JSON body is about `target_bytes` long."""
    base = len(json.dumps(main_turn()))
    messages = conversation(max(target_bytes - base, 0), seed=seed) if target_bytes > base else None
    return main_turn(messages=messages)

"""Claude-Code-shaped requests of a chosen size, generated from a seed, for the benchmark.

A main turn is what Claude Code 2.1 sends (PRODUCT.md §6): a billing line and two prompt blocks
in `system`, 24 client tools sized like Claude Code's own, adaptive thinking at effort high, and
`messages` that open with a system reminder and a `system` role, then grow turn by turn with
thinking, text, tool calls (Read, Bash, Grep, Edit, Write) and their results. Tool results are
what make real sessions grow, so most of the bytes are source listings, shell and grep output:
text with fewer spaces per token than prose, where cheap token bounds are at their weakest.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

MODEL = "claude-opus-4-8"

# JSON size in bytes of each tool definition Claude Code 2.1.197 declares on a main turn.
TOOL_SIZES = {
    "Agent": 2541, "Bash": 2679, "CronCreate": 3972, "CronDelete": 445, "CronList": 289,
    "Edit": 998, "EnterWorktree": 3728, "ExitWorktree": 2490, "NotebookEdit": 1663,
    "Read": 1671, "ReportFindings": 1923, "ScheduleWakeup": 3690, "SendMessage": 1182,
    "Skill": 2114, "TaskCreate": 2811, "TaskGet": 1019, "TaskList": 1185, "TaskOutput": 1573,
    "TaskStop": 558, "TaskUpdate": 3475, "WebFetch": 769, "WebSearch": 875, "Workflow": 20675,
    "Write": 663,
}  # fmt: skip

SYSTEM_PROMPT_CHARS = 5675
SYSTEM_MESSAGE_CHARS = 6062

_WORD_LIST = (
    "the a to of and in is it that for on with as this be are by we not or if can will file "
    "test request model proxy route token stream session agent tool result value config label "
    "error cache context window budget thinking effort search message system user assistant "
    "content block input output schema path line code function class method return import "
    "module package build check lint format type string number list mapping option default "
    "handler callback upstream response header status event loop thread count bound limit "
    "should would could because when then after before each every only also still again"
)
_WORDS = _WORD_LIST.split()
_IDENT_LIST = (
    "request body headers decision label route tokens cache entry piece reading config rule "
    "limit window count bound session model upstream handler logger event state result value"
)
_IDENTS = _IDENT_LIST.split()
_SHELL_MARKS = ("PASSED", "FAILED", "SKIPPED", "ok", "✓", "—")  # real output has some Unicode


def main_turn(target_bytes: int, seed: int = 0) -> dict[str, Any]:
    """A main turn whose JSON body (`json.dumps`) is within about 1% of `target_bytes`.

    Its tools, system prompt and opening messages alone are about 77 KB, the least it can be.
    """
    rng = random.Random(seed)
    session = str(uuid.UUID(int=rng.getrandbits(128)))
    body = _main_turn_base(rng, session)

    messages = body["messages"]
    size = len(json.dumps(body))
    turn = 0
    while size < target_bytes - 300:
        turn += 1
        added = _tool_turn(rng, turn, remaining=target_bytes - size)
        messages.extend(added)
        size += sum(len(json.dumps(message)) + 2 for message in added)

    last = messages[-1]["content"]
    if isinstance(last, list):
        last[-1]["cache_control"] = {"type": "ephemeral"}
    return body


def next_turn(body: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """The same session's next request: the same conversation plus one more user message."""
    following = copy.deepcopy(body)
    text = _prose(random.Random(seed), 240)
    following["messages"].append({"role": "user", "content": [{"type": "text", "text": text}]})
    return following


def headers(body: dict[str, Any]) -> dict[str, str]:
    """The headers Claude Code sends with `body` (no credentials)."""
    user = json.loads(body["metadata"]["user_id"])
    return {
        "user-agent": "claude-cli/2.1.197 (external, sdk-cli)",
        "x-claude-code-session-id": user["session_id"],
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        "x-app": "cli",
        "content-type": "application/json",
    }


def small_request(index: int) -> dict[str, Any]:
    """A small request (2-4 KB): a session-title chore, or every third one a web search."""
    rng = random.Random(1_000_000 + index)
    session = str(uuid.UUID(int=rng.getrandbits(128)))
    if index % 3 == 2:
        return _web_search(rng, session)
    return _title_chore(rng, session)


def _main_turn_base(rng: random.Random, session: str) -> dict[str, Any]:
    reminder = "<system-reminder>\nAs you answer the user's questions, use this context:\n"
    first_user = [
        {"type": "text", "text": reminder + _prose(rng, 260) + "\n</system-reminder>"},
        {"type": "text", "text": _prose(rng, 120)},
    ]
    return {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": first_user},
            {"role": "system", "content": _markdown(rng, SYSTEM_MESSAGE_CHARS)},
        ],
        "system": [
            _billing_line(),
            {"type": "text", "text": "You are a Claude agent, built on Anthropic's Agent SDK."},
            {"type": "text", "text": _markdown(rng, SYSTEM_PROMPT_CHARS),
             "cache_control": {"type": "ephemeral"}},
        ],
        "tools": [_tool(rng, name, size) for name, size in TOOL_SIZES.items()],
        "metadata": _metadata(session),
        "max_tokens": 64000,
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "output_config": {"effort": "high"},
        "stream": True,
    }  # fmt: skip


def _tool_turn(rng: random.Random, turn: int, remaining: int) -> list[dict[str, Any]]:
    """One assistant message calling a tool, and the user message carrying its result."""
    make_call = rng.choices(_CALLS, weights=(5, 3, 2, 1, 1))[0]
    name, tool_input, result = make_call(rng, max(remaining - 1200, 200))
    call_id = f"toolu_{turn:05d}{rng.getrandbits(40):010x}"

    assistant: list[dict[str, Any]] = []
    if rng.random() < 0.6:
        thinking = _prose(rng, rng.randint(200, 1800))
        assistant.append({"type": "thinking", "thinking": thinking, "signature": _base64(rng)})
    if rng.random() < 0.7:
        assistant.append({"type": "text", "text": _prose(rng, rng.randint(60, 500))})
    assistant.append({"type": "tool_use", "id": call_id, "name": name, "input": tool_input})

    tool_result = {"type": "tool_result", "tool_use_id": call_id, "content": result}
    return [{"role": "assistant", "content": assistant}, {"role": "user", "content": [tool_result]}]


ToolCall = tuple[str, dict[str, Any], str]


def _read_call(rng: random.Random, budget: int) -> ToolCall:
    lines = _code_lines(rng, min(rng.randint(2_000, 24_000), budget))
    listing = "\n".join(f"{number:>6}\t{line}" for number, line in enumerate(lines, 1))
    return "Read", {"file_path": _path(rng)}, listing


def _bash_call(rng: random.Random, budget: int) -> ToolCall:
    command = f"cd /home/user/project && .venv/bin/python -m pytest {_path(rng)} -q"
    tool_input = {"command": command, "description": _prose(rng, 40)}
    return "Bash", tool_input, _shell_output(rng, min(rng.randint(300, 8_000), budget))


def _grep_call(rng: random.Random, budget: int) -> ToolCall:
    pattern = rng.choice(_IDENTS) + r"\(" if rng.random() < 0.5 else rng.choice(_IDENTS)
    lines = _code_lines(rng, min(rng.randint(300, 6_000), budget))
    hits = [f"{_path(rng)}:{rng.randint(1, 900)}:{line.strip()}" for line in lines]
    return "Bash", {"command": f"grep -rn '{pattern}' src tests"}, "\n".join(hits)


def _edit_call(rng: random.Random, budget: int) -> ToolCall:
    old = "\n".join(_code_lines(rng, min(rng.randint(100, 1_500), budget // 2)))
    new = "\n".join(_code_lines(rng, min(rng.randint(100, 1_500), budget // 2)))
    path = _path(rng)
    tool_input = {"file_path": path, "old_string": old, "new_string": new}
    return "Edit", tool_input, f"The file {path} has been updated successfully."


def _write_call(rng: random.Random, budget: int) -> ToolCall:
    content = "\n".join(_code_lines(rng, min(rng.randint(500, 6_000), budget)))
    path = _path(rng)
    return "Write", {"file_path": path, "content": content}, f"File created at: {path}"


_CALLS: tuple[Callable[[random.Random, int], ToolCall], ...] = (
    _read_call,
    _bash_call,
    _grep_call,
    _edit_call,
    _write_call,
)


def _code_lines(rng: random.Random, n_chars: int) -> list[str]:
    """Python-looking source lines totalling about `n_chars` characters."""
    lines: list[str] = []
    size = 0
    depth = 0
    while size < n_chars:
        line = "    " * depth + _statement(rng, depth)
        depth = 1 if line.rstrip().endswith(":") and depth == 0 else rng.choice((depth, 1, 2))
        lines.append(line)
        size += len(line) + 1
    return lines


def _statement(rng: random.Random, depth: int) -> str:
    a, b, c = (rng.choice(_IDENTS) for _ in range(3))
    roll = rng.random()
    if depth == 0 and roll < 0.3:
        return f"def {a}_{b}(self, {c}: dict[str, Any], limit: int = {rng.randint(1, 999)}):"
    if roll < 0.45:
        return f"{a} = self._{b}.get({c!r}, {rng.randint(0, 99)})"
    if roll < 0.6:
        return f"if {a}.{b} is None or len({c}) > {rng.randint(2, 4096)}:"
    if roll < 0.7:
        return f"# {_prose(rng, rng.randint(20, 70))}"
    if roll < 0.85:
        return f"return {a}_{b}({c}, key=lambda item: item[{rng.randint(0, 3)}])"
    return f'raise ValueError(f"{a}: got {{{b}!r}}; expected {c}")'


def _shell_output(rng: random.Random, n_chars: int) -> str:
    lines: list[str] = []
    size = 0
    while size < n_chars:
        module, subject, case = (rng.choice(_IDENTS) for _ in range(3))
        test = f"tests/test_{module}.py::test_{subject}_{case}"
        line = f"{test} {rng.choice(_SHELL_MARKS)} [{rng.randint(0, 100):>3}%]"
        lines.append(line)
        size += len(line) + 1
    lines.append(f"{len(lines)} passed, 2 skipped in {rng.random() * 9:.2f}s")
    return "\n".join(lines)


def _markdown(rng: random.Random, n_chars: int) -> str:
    """Prompt-like text: headings, bullets and paragraphs, `n_chars` long."""
    parts: list[str] = []
    size = 0
    while size < n_chars:
        kind = rng.random()
        if kind < 0.15:
            part = f"\n# {_prose(rng, 30).capitalize()}\n"
        elif kind < 0.6:
            part = f" - {_prose(rng, rng.randint(60, 200))} `{rng.choice(_IDENTS)}`.\n"
        else:
            part = _prose(rng, rng.randint(150, 500)) + "\n"
        parts.append(part)
        size += len(part)
    return "".join(parts)[:n_chars]


def _prose(rng: random.Random, n_chars: int) -> str:
    words: list[str] = []
    size = 0
    while size < n_chars:
        word = rng.choice(_WORDS)
        if rng.random() < 0.07:
            word += rng.choice(".,:;")
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:n_chars]


def _path(rng: random.Random) -> str:
    return f"/home/user/project/src/{rng.choice(_IDENTS)}/{rng.choice(_IDENTS)}.py"


def _base64(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(200, 600)))


def _tool(rng: random.Random, name: str, json_size: int) -> dict[str, Any]:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "command": {"description": _prose(rng, 120), "type": "string"},
            "timeout": {"description": "Optional timeout in milliseconds", "type": "number"},
        },
        "required": ["command"],
        "additionalProperties": False,
    }
    tool = {"name": name, "description": "", "input_schema": schema}
    tool["description"] = _markdown(rng, max(json_size - len(json.dumps(tool)), 40))
    return tool


def _billing_line(entrypoint: str = "sdk-cli") -> dict[str, str]:
    text = f"x-anthropic-billing-header: cc_version=2.1.197.3ed; cc_entrypoint={entrypoint};"
    return {"type": "text", "text": text}


def _metadata(session: str) -> dict[str, str]:
    user = {"device_id": "d" * 64, "account_uuid": "", "session_id": session}
    return {"user_id": json.dumps(user, separators=(",", ":"))}


def _title_chore(rng: random.Random, session: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"title": {"type": "string"}},
              "required": ["title"], "additionalProperties": False}  # fmt: skip
    prompt = f"<session>\n{_prose(rng, rng.randint(40, 400))}\n</session>"
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}],
        "system": [
            _billing_line("cli"),
            {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
            {"type": "text", "text": _prose(rng, 1_800)},
        ],
        "tools": [],
        "metadata": _metadata(session),
        "max_tokens": 64000,
        "thinking": {"type": "disabled"},
        "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": schema}},
        "stream": True,
    }


def _web_search(rng: random.Random, session: str) -> dict[str, Any]:
    query = f"Perform a web search for the query: {_prose(rng, 60)}"
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": [{"type": "text", "text": query}]}],
        "system": [
            _billing_line(),
            {"type": "text", "text": "You are a Claude agent, built on Anthropic's Agent SDK."},
            {"type": "text", "text": "You are an assistant for performing a web search tool use"},
        ],
        "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}],
        "tool_choice": {"type": "tool", "name": "web_search"},
        "metadata": _metadata(session),
        "max_tokens": 64000,
        "thinking": {"type": "disabled"},
        "output_config": {"effort": "high"},
        "stream": True,
    }

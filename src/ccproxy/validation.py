"""Request bodies the proxy cannot serve, found before they reach LiteLLM or an upstream.

LiteLLM itself rejects bodies that are not JSON objects or lack ``messages``; others it
forwards or turns into a 500 (``messages`` not a list, ``max_tokens`` a string). The handler
asks :func:`find_problem` about every body and answers a problem with a 400 in the
client's own error shape. A problem names the field and what was expected, and what was
found: a number or boolean as it is, anything else by its kind, never its value: strings,
lists and objects may be request content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

ANTHROPIC_MESSAGES = "anthropic_messages"

_ANTHROPIC_OBJECT_FIELDS = ("thinking", "metadata", "tool_choice", "output_config")

# The roles OpenAI's chat format defines. LiteLLM raises on another with a message that quotes
# every message, which would reach the client and the logs.
_CHAT_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# Anthropic's two, and the `system` role Claude Code sends mid-conversation.
_ANTHROPIC_ROLES = ("user", "assistant", "system")

# Integers shown in full up to this size; a longer one would only clutter the message.
_SHOWN_INTEGER_LIMIT = 10**15


def find_problem(body: Mapping[str, Any], call_type: str) -> str | None:
    """What makes ``body`` unservable on ``call_type``'s endpoint, or None if nothing does."""
    # LiteLLM hands on a body it could not parse (bytes that are not UTF-8, JSON nested past
    # its parser's depth, a form) as none of the client's fields, plus a `model: null` of its
    # own: saying the model is missing would mislead.
    if body.get("model") is None and body.get("messages") is None:
        return "body: expected a JSON object with model and messages, got neither"

    anthropic = call_type == ANTHROPIC_MESSAGES
    checks = (
        _model(body),
        _messages(body, anthropic),
        _max_tokens(body, "max_tokens", required=anthropic),
        _max_tokens(body, "max_completion_tokens", required=False),
        _optional(body, "stream", bool, "true or false"),
        _optional(body, "tools", list, "a list of tools"),
    )
    problem = next((found for found in checks if found is not None), None)
    if problem is None and anthropic:
        problem = _anthropic_fields(body)
    return problem


def _model(body: Mapping[str, Any]) -> str | None:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        return _expected("model", "a model name", model)
    return None


def _messages(body: Mapping[str, Any], anthropic: bool) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _expected("messages", "a non-empty list of messages", messages)

    for index, message in enumerate(messages):
        problem = _message(f"messages[{index}]", message, anthropic)
        if problem is not None:
            return problem
    return None


def _message(where: str, message: object, anthropic: bool) -> str | None:
    if not isinstance(message, Mapping):
        return _expected(where, "an object with role and content", message)
    roles = _ANTHROPIC_ROLES if anthropic else _CHAT_ROLES
    if message.get("role") not in roles:
        return _one_of(f"{where}.role", roles, message.get("role"), "role")

    content = message.get("content")
    # OpenAI lets an assistant turn that only calls tools carry no content.
    if isinstance(content, str) or (content is None and not anthropic):
        return None
    if not isinstance(content, list):
        return _expected(f"{where}.content", "a string or a list of content blocks", content)
    return _blocks(f"{where}.content", content)


def _blocks(where: str, blocks: list[Any]) -> str | None:
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            return _expected(f"{where}[{index}]", "a content block with a type", block)
    return None


def _max_tokens(body: Mapping[str, Any], field: str, required: bool) -> str | None:
    if field not in body:
        return _expected(field, "a positive integer", None) if required else None
    value = body[field]
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return _expected(field, "a positive integer", value)
    return None


def _optional(body: Mapping[str, Any], field: str, kind: type, what: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, kind):
        return _expected(field, what, value)
    return None


def _anthropic_fields(body: Mapping[str, Any]) -> str | None:
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list):
            return _expected("system", "a string or a list of text blocks", system)
        problem = _blocks("system", system)
        if problem is not None:
            return problem

    for field in _ANTHROPIC_OBJECT_FIELDS:
        problem = _optional(body, field, Mapping, "an object")
        if problem is not None:
            return problem
    return None


def _expected(field: str, what: str, found: object) -> str:
    return f"{field}: expected {what}, got {_kind(found)}"


def _one_of(field: str, names: tuple[str, ...], found: object, noun: str) -> str:
    # A name outside the list is still the client's string: told as unknown, not shown.
    what = "one of " + ", ".join(names)
    if isinstance(found, str) and found.strip():
        return f"{field}: expected {what}, got an unknown {noun}"
    return _expected(field, what, found)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _number(value: bool | int | float) -> str:
    # Numbers and booleans are not request content: "got 0" says more than "got an integer".
    if isinstance(value, int) and abs(value) >= _SHOWN_INTEGER_LIMIT:
        return "an integer too large to show"
    return json.dumps(value)


def _string(value: str) -> str:
    # A string may be a prompt: only its emptiness is told.
    if not value:
        return "an empty string"
    if not value.strip():
        return "a string of only whitespace"
    return "a string"

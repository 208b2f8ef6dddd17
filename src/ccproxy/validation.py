"""Request bodies the proxy cannot serve, found before they reach LiteLLM or an upstream.

LiteLLM itself rejects bodies that are not JSON objects or lack ``messages``; others it
forwards, turns into a 500 (``messages`` not a list, ``max_tokens`` a string, a chat block
or tool it cannot turn into Anthropic's), or refuses with a message that quotes the messages
(an unknown role, a chat image_url that is no URL). The handler asks :func:`find_problem`
about every body and answers a problem with a 400 in the client's own error shape.

On ``/v1/messages`` the body goes to Anthropic as it is, so only what LiteLLM itself reads is
checked there (roles, block types, a custom tool's name, ``metadata.user_id``); Anthropic
judges the rest. On both endpoints LiteLLM's own settings (timeouts, ``max_retries``,
``tags``) must be of the kind it reads, and sampling numbers finite: Python's JSON parser
takes ``Infinity``, which is no JSON to send on. A chat
body is turned into Anthropic's by LiteLLM, so its blocks and tools are checked as far as
that translation reads them (the tools in :mod:`ccproxy.tool_validation`). A problem names
the field and what was expected, and what was found: a number or boolean as it is, anything
else by its kind, never its value: strings, lists and objects may be request content
(:mod:`ccproxy.problems`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from ccproxy.problems import expected, one_of
from ccproxy.tool_validation import tools_problem

ANTHROPIC_MESSAGES = "anthropic_messages"

# LiteLLM's own timeouts, in seconds. It answered a 500 for one it could not read as a number,
# and a 408 without trying for a negative one.
_TIMEOUTS = ("timeout", "stream_timeout", "request_timeout")
# Sampling numbers LiteLLM and Anthropic read. Python's JSON parser takes Infinity and NaN,
# which are not JSON: on chat LiteLLM answered a 500, on /v1/messages it sent them on.
_SAMPLING = ("temperature", "top_p", "top_k")

_ANTHROPIC_OBJECT_FIELDS = ("thinking", "metadata", "tool_choice", "output_config")

# The roles OpenAI's chat format defines. LiteLLM raises on another with a message that quotes
# every message, which would reach the client and the logs.
_CHAT_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# Anthropic's two, and the `system` role Claude Code sends mid-conversation.
_ANTHROPIC_ROLES = ("user", "assistant", "system")

# The content block types of each chat role: those LiteLLM 1.110.2 turns into Anthropic blocks
# (anthropic_messages_pt and convert_to_anthropic_tool_result in prompt_templates/factory.py,
# AnthropicConfig.translate_system_message). On another, LiteLLM answers a 500 or a message
# quoting the prompt, or drops the block. input_audio is OpenAI's own: other providers read it.
_USER_BLOCKS = ("text", "image_url", "input_audio", "file", "document")
_TOOL_RESULT_BLOCKS = ("text", "image_url", "file", "tool_reference")
_ASSISTANT_BLOCKS = ("text", "refusal", "thinking", "redacted_thinking", "server_tool_use")
_CHAT_BLOCKS = {
    "user": _USER_BLOCKS,
    "system": ("text",),
    "developer": ("text",),
    # Anthropic's server tool results (web_search_tool_result, ...) pass through as they are.
    "assistant": (*_ASSISTANT_BLOCKS, "*_tool_result"),
    "tool": _TOOL_RESULT_BLOCKS,
    "function": _TOOL_RESULT_BLOCKS,
}

# A URL LiteLLM can fetch or decode: scheme://..., or a base64 data URL.
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://|data:[^,]{0,200};base64,")


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
        tools_problem(body, anthropic),
        _litellm_fields(body),
        _sampling(body),
    )
    problem = next((found for found in checks if found is not None), None)
    if problem is None:
        problem = _anthropic_fields(body) if anthropic else _chat_fields(body)
    return problem


def _model(body: Mapping[str, Any]) -> str | None:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        return expected("model", "a model name", model)
    return None


def _messages(body: Mapping[str, Any], anthropic: bool) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return expected("messages", "a non-empty list of messages", messages)

    for index, message in enumerate(messages):
        problem = _message(f"messages[{index}]", message, anthropic)
        if problem is not None:
            return problem
    return None


def _message(where: str, message: object, anthropic: bool) -> str | None:
    if not isinstance(message, Mapping):
        return expected(where, "an object with role and content", message)
    roles = _ANTHROPIC_ROLES if anthropic else _CHAT_ROLES
    role = message.get("role")
    if not isinstance(role, str) or role not in roles:
        return one_of(f"{where}.role", roles, role, "role")

    # LiteLLM reads a chat tool result's id as a string and quotes the messages if it is not.
    call_id = message.get("tool_call_id")
    if not anthropic and role == "tool" and not isinstance(call_id, str):
        return expected(f"{where}.tool_call_id", "the id of the tool call answered", call_id)

    chat_blocks = None if anthropic else _CHAT_BLOCKS[role]
    return _content(f"{where}.content", message.get("content"), chat_blocks)


def _content(where: str, content: object, chat_blocks: tuple[str, ...] | None) -> str | None:
    # OpenAI lets an assistant turn that only calls tools carry no content.
    if isinstance(content, str) or (content is None and chat_blocks is not None):
        return None
    if not isinstance(content, list):
        return expected(where, "a string or a list of content blocks", content)
    return _blocks(where, content, chat_blocks)


def _blocks(where: str, blocks: list[Any], chat_types: tuple[str, ...] | None = None) -> str | None:
    """Each block has a type; on chat, one of ``chat_types`` with its own fields right.

    Anthropic blocks go to the upstream as they are, and it judges their fields itself.
    """
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            return expected(f"{where}[{index}]", "a content block with a type", block)
        if chat_types is not None:
            problem = _chat_block(f"{where}[{index}]", block, chat_types)
            if problem is not None:
                return problem
    return None


def _chat_block(where: str, block: Mapping[str, Any], types: tuple[str, ...]) -> str | None:
    kind = block["type"]
    server_tool_result = "*_tool_result" in types and kind.endswith("_tool_result")
    if kind not in types and not server_tool_result:
        return one_of(f"{where}.type", types, kind, "block type")

    check = _BLOCK_FIELDS.get(kind)
    return None if check is None else check(where, block)


_BlockCheck = Callable[[str, Mapping[str, Any]], "str | None"]


def _string_field(name: str) -> _BlockCheck:
    def check(where: str, block: Mapping[str, Any]) -> str | None:
        value = block.get(name)
        return None if isinstance(value, str) else expected(f"{where}.{name}", "a string", value)

    return check


def _object_field(name: str) -> _BlockCheck:
    def check(where: str, block: Mapping[str, Any]) -> str | None:
        value = block.get(name)
        if isinstance(value, Mapping):
            return None
        return expected(f"{where}.{name}", "an object", value)

    return check


def _image_url(where: str, block: Mapping[str, Any]) -> str | None:
    image = block.get("image_url")
    field, url = f"{where}.image_url", image
    if isinstance(image, Mapping):
        field, url = f"{field}.url", image.get("url")
    elif not isinstance(image, str):
        return expected(field, "a URL or an object with a url", image)

    if not isinstance(url, str):
        return expected(field, "a URL", url)
    if _URL.match(url) is None:
        return f"{field}: expected a URL (scheme://... or a base64 data: URL), got another string"
    return None


def _input_audio(where: str, block: Mapping[str, Any]) -> str | None:
    audio = block.get("input_audio")
    if not isinstance(audio, Mapping):
        return expected(f"{where}.input_audio", "an object with data and format", audio)
    for name in ("data", "format"):
        if not isinstance(audio.get(name), str):
            return expected(f"{where}.input_audio.{name}", "a string", audio.get(name))
    return None


def _file(where: str, block: Mapping[str, Any]) -> str | None:
    file = block.get("file")
    what = "an object with file_data or file_id"
    if not isinstance(file, Mapping):
        return expected(f"{where}.file", what, file)
    for name in ("file_data", "file_id"):
        value = file.get(name)
        if value is not None and not isinstance(value, str):
            return expected(f"{where}.file.{name}", "a string", value)
    if file.get("file_data") is None and file.get("file_id") is None:
        return f"{where}.file: expected {what}, got an object with neither"
    return None


_BLOCK_FIELDS: dict[str, _BlockCheck] = {
    "text": _string_field("text"),
    "refusal": _string_field("refusal"),
    "tool_reference": _string_field("tool_name"),
    "image_url": _image_url,
    "input_audio": _input_audio,
    "file": _file,
    "document": _object_field("source"),
}


def _max_tokens(body: Mapping[str, Any], field: str, required: bool) -> str | None:
    if field not in body:
        return expected(field, "a positive integer", None) if required else None
    value = body[field]
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return expected(field, "a positive integer", value)
    return None


def _optional(body: Mapping[str, Any], field: str, kind: type, what: str) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, kind):
        return expected(field, what, value)
    return None


def _anthropic_fields(body: Mapping[str, Any]) -> str | None:
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list):
            return expected("system", "a string or a list of text blocks", system)
        problem = _blocks("system", system)
        if problem is not None:
            return problem

    for field in _ANTHROPIC_OBJECT_FIELDS:
        problem = _optional(body, field, Mapping, "an object")
        if problem is not None:
            return problem

    # LiteLLM reads Anthropic's metadata into its own model, user_id a string; else a 500.
    metadata = body.get("metadata")
    user_id = metadata.get("user_id") if isinstance(metadata, Mapping) else None
    if user_id is not None and not isinstance(user_id, str):
        return expected("metadata.user_id", "a string", user_id)
    return None


def _litellm_fields(body: Mapping[str, Any]) -> str | None:
    """LiteLLM's own per-request settings a client may give, which it reads into typed
    parameters: a value of another type answered a 500, after retries."""
    for field in _TIMEOUTS:
        value = body.get(field)
        if value is not None and not _is_positive_number(value):
            return expected(field, "a positive number of seconds", value)

    retries = body.get("max_retries")
    if retries is not None and (not _is_integer(retries) or retries < 0):
        return expected("max_retries", "a non-negative integer", retries)

    tags = body.get("tags")
    if tags is not None and not isinstance(tags, list):
        return expected("tags", "a list of strings", tags)
    return None if tags is None else _strings("tags", tags)


def _sampling(body: Mapping[str, Any]) -> str | None:
    for field in _SAMPLING:
        value = body.get(field)
        if value is not None and not _is_finite_number(value):
            return expected(field, "a finite number", value)
    return None


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_positive_number(value: object) -> bool:
    return isinstance(value, int | float) and _is_finite_number(value) and value > 0


def _chat_fields(body: Mapping[str, Any]) -> str | None:
    # LiteLLM reads response_format as an object; a string answered a 500.
    problem = _optional(body, "response_format", Mapping, "an object")
    if problem is not None:
        return problem

    # LiteLLM reads each stop sequence as a string; another is a traceback in a 400.
    stop = body.get("stop")
    if stop is None or isinstance(stop, str):
        return None
    if not isinstance(stop, list):
        return expected("stop", "a string or a list of strings", stop)
    return _strings("stop", stop)


def _strings(field: str, items: list[Any]) -> str | None:
    for index, item in enumerate(items):
        if not isinstance(item, str):
            return expected(f"{field}[{index}]", "a string", item)
    return None

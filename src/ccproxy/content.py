"""What the model reads: the text pieces of a request, gathered once for token counting.

Everything the model reads becomes a piece: system text, message text, thinking, tool calls and
their results, tool definitions. Pieces stay separate (rather than joined) so that their counts
can be cached one by one across a session's turns. Images and base64 documents are not text:
they add a fixed estimate instead of anything derived from their base64 length.

Bodies are parsed JSON, so objects are checked as `dict` and arrays as `list`: the
`collections.abc` checks cost several times more, once per block of a multi-megabyte request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

# Anthropic sizes an image at about width x height / 750 tokens and scales large images down to
# about 1.15 megapixels, so one image costs at most about 1,600 tokens. Decoding images to learn
# their size would cost more than the decision is worth, so every image counts as the maximum.
IMAGE_TOKENS = 1600

# A base64 document (a PDF) has no cheap page count; it counts as one image-sized page.
DOCUMENT_TOKENS = 1600

# Each message costs a few tokens of role and separator markup on top of its content.
MESSAGE_TOKENS = 4

# How much one step of `read_in_steps` gathers before it pauses: a fraction of a millisecond.
STEP_PIECES = 128
STEP_BYTES = 1 << 18

Piece = str | bytes


@dataclass
class Reading:
    """The pieces of text a request makes the model read, plus fixed token costs."""

    pieces: list[Piece] = field(default_factory=list)
    fixed_tokens: int = 0
    bytes: int = 0  # the pieces' UTF-8 size, an upper bound of their tokens

    def add(self, piece: object) -> None:
        if isinstance(piece, Piece) and piece:  # the alias: `str | bytes` is rebuilt per call
            self.pieces.append(piece)
            self.bytes += byte_length(piece)

    def add_json(self, value: object) -> None:
        if value is not None and value != {}:
            dumped = _dump(value)
            self.pieces.append(dumped)
            self.bytes += len(dumped)


def byte_length(piece: Piece) -> int:
    """The UTF-8 size of a piece."""
    if isinstance(piece, bytes) or piece.isascii():
        return len(piece)
    return len(piece.encode("utf-8", "surrogatepass"))


def read_request(body: Mapping[str, Any]) -> Reading:
    """Gather what the model reads from an Anthropic Messages body or an OpenAI chat body."""
    reading = Reading()
    for _ in read_in_steps(body, reading):
        pass
    return reading


def read_in_steps(body: Mapping[str, Any], reading: Reading) -> Iterator[None]:
    """Gather `body` into `reading`, pausing (yielding) after each step of bounded size.

    A caller inside an event loop lets other tasks run at each pause, so that reading a
    multi-megabyte conversation never holds the loop for long.
    """
    _read_system(reading, body.get("system"))
    for tool in _as_list(body.get("tools")):
        if isinstance(tool, dict):
            _read_tool(reading, tool)

    paused_at = (len(reading.pieces), reading.bytes)
    for message in _as_list(body.get("messages")):
        if isinstance(message, dict):
            _read_message(reading, message)
        pieces, size = len(reading.pieces), reading.bytes
        if pieces - paused_at[0] >= STEP_PIECES or size - paused_at[1] >= STEP_BYTES:
            yield
            paused_at = (pieces, size)


def _read_system(reading: Reading, system: object) -> None:
    if isinstance(system, str):
        reading.add(system)
        return
    for block in _as_list(system):
        if isinstance(block, dict):
            reading.add(block.get("text"))


def _read_message(reading: Reading, message: dict[str, Any]) -> None:
    reading.fixed_tokens += MESSAGE_TOKENS
    _read_content(reading, message.get("content"))

    # OpenAI chat keeps tool calls beside the content rather than inside it.
    for call in _as_list(message.get("tool_calls")):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            reading.add(function.get("name"))
            reading.add(function.get("arguments"))


def _read_content(reading: Reading, content: object) -> None:
    if isinstance(content, str):
        reading.add(content)
        return
    for block in _as_list(content):
        if isinstance(block, dict):
            _read_block(reading, block)
        else:
            reading.add(block)


def _read_block(reading: Reading, block: dict[str, Any]) -> None:
    kind = block.get("type")

    if kind in ("text", "input_text"):
        reading.add(block.get("text"))
    elif kind == "thinking":
        reading.add(block.get("thinking"))
    elif kind in ("tool_use", "server_tool_use"):
        reading.add(block.get("name"))
        reading.add_json(block.get("input"))
    elif kind == "tool_result":
        _read_content(reading, block.get("content"))
    elif kind in ("image", "image_url", "input_image"):
        reading.fixed_tokens += IMAGE_TOKENS
    elif kind == "document":
        _read_document(reading, block)
    elif kind == "redacted_thinking":
        # Encrypted text the model decrypts and reads; its length is the best size we have.
        reading.add(block.get("data"))
    else:
        reading.add_json({key: value for key, value in block.items() if key != "cache_control"})


def _read_document(reading: Reading, block: dict[str, Any]) -> None:
    source = block.get("source")
    if not isinstance(source, dict):
        return

    if source.get("type") == "text":
        reading.add(source.get("data"))
    elif source.get("type") == "content":
        _read_content(reading, source.get("content"))
    else:
        reading.fixed_tokens += DOCUMENT_TOKENS


def _read_tool(reading: Reading, tool: dict[str, Any]) -> None:
    function = tool.get("function")
    if isinstance(function, dict):
        reading.add(function.get("name"))
        reading.add(function.get("description"))
        reading.add_json(function.get("parameters"))
    elif "input_schema" in tool:
        reading.add(tool.get("name"))
        reading.add(tool.get("description"))
        reading.add_json(tool.get("input_schema"))
    else:
        # A server tool such as web_search_20250305: the provider expands it; its fields are a
        # small stand-in for what it adds.
        reading.add_json(tool)


def _as_list(value: object) -> Iterable[Any]:
    return value if isinstance(value, list) else ()


def _dump(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # orjson refuses integers past 64 bits and non-string keys; the stdlib takes anything.
        return json.dumps(value, default=repr).encode()

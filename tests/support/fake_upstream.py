"""A local stand-in for the Anthropic Messages API, for integration tests.

Start one, point a model_list entry's ``api_base`` at ``upstream.base_url``, send requests
through the proxy, then assert on ``upstream.requests``::

    with FakeUpstream() as upstream:
        upstream.script("claude-opus-4-1-20250805", Answer.error(529))
        ...
        assert upstream.models() == ["claude-sonnet-4-5-20250929"]

What it serves (any query string, e.g. ``?beta=true``):

- ``POST /v1/messages``: a message as JSON, or as server-sent events when the body says
  ``"stream": true`` (``message_start``, ``content_block_start``, ``ping``,
  ``content_block_delta``..., ``content_block_stop``, ``message_delta``, ``message_stop``).
  The response's ``model`` echoes the requested model.
- Scripted failures: an error JSON with any status, a hang, a closed connection, or a stream
  that opens and then sends an ``error`` event (:meth:`Answer.error_event`).
- ``POST /v1/messages/count_tokens``: ``{"input_tokens": N}``.

Every request is recorded (:class:`Recorded`). What a request gets is decided by the answer
scripted for its model (:meth:`FakeUpstream.script`), else the default answer: a text reply
of :attr:`FakeUpstream.completion_text`. An answer is an :class:`Answer` or a callable taking
the :class:`Recorded` request and returning one, so a test can answer a ``tool_use``.

Run ``python -m tests.support.fake_upstream`` to serve one by hand; it prints its base URL.
"""

from __future__ import annotations

import itertools
import json
import math
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import urlsplit

DEFAULT_COMPLETION = "Hello from the fake upstream."

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

# The status the API answers a JSON request with, for the error a stream would carry.
ERROR_STATUSES = {error_type: status for status, error_type in ERROR_TYPES.items()}

# Long enough for any proxy timeout a test would set, short enough that a forgotten
# hung request cannot keep a test run alive.
HANG_SECONDS = 120.0

_message_ids = itertools.count(1)


@dataclass(frozen=True)
class Recorded:
    """One request as the upstream received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    raw_body: bytes
    body: Any

    @property
    def model(self) -> str | None:
        """The ``model`` of the JSON body, if it has one."""
        if isinstance(self.body, dict) and isinstance(self.body.get("model"), str):
            return str(self.body["model"])
        return None

    @property
    def stream(self) -> bool:
        """Whether the body asked for server-sent events."""
        return isinstance(self.body, dict) and self.body.get("stream") is True


@dataclass(frozen=True)
class Answer:
    """What the upstream does with one request; build it with the class methods."""

    kind: Literal["message", "error", "error_event", "hang", "close"]
    content: tuple[dict[str, Any], ...] = ()
    stop_reason: str = "end_turn"
    status: int = 200
    error_message: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def text(cls, text: str = DEFAULT_COMPLETION) -> Answer:
        """A message with one text block."""
        return cls("message", content=({"type": "text", "text": text},))

    @classmethod
    def tool_use(cls, name: str, tool_input: dict[str, Any], text: str = "") -> Answer:
        """A message asking the client to run tool ``name`` with ``tool_input``."""
        blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        tool_id = f"toolu_fake{next(_message_ids):06d}"
        blocks.append({"type": "tool_use", "id": tool_id, "name": name, "input": tool_input})
        return cls("message", content=tuple(blocks), stop_reason="tool_use")

    @classmethod
    def error(cls, status: int, message: str = "", retry_after: int | None = None) -> Answer:
        """An Anthropic error JSON with ``status`` (429, 529, 500, 400, ...)."""
        headers = (("retry-after", str(retry_after)),) if retry_after is not None else ()
        text = message or f"fake upstream answered {status}"
        return cls("error", status=status, error_message=text, headers=headers)

    @classmethod
    def error_event(cls, error_type: str = "overloaded_error", message: str = "") -> Answer:
        """A stream that opens (``message_start``), then sends an ``error`` event of ``error_type``.

        A request that did not ask to stream gets the same error as JSON, with its status.
        """
        if error_type not in ERROR_STATUSES:
            raise ValueError(f"error_type {error_type!r}: expected one of {sorted(ERROR_STATUSES)}")
        status = ERROR_STATUSES[error_type]
        text = message or f"fake upstream stream failed: {error_type}"
        return cls("error_event", status=status, error_message=text)

    @classmethod
    def hang(cls) -> Answer:
        """Never answer (until the upstream stops, or after HANG_SECONDS)."""
        return cls("hang")

    @classmethod
    def close(cls) -> Answer:
        """Close the connection without sending a response."""
        return cls("close")


Responder = Callable[[Recorded], Answer]


@dataclass
class _Script:
    answers: dict[str, Answer | Responder] = field(default_factory=dict)
    remaining: dict[str, int | None] = field(default_factory=dict)


class FakeUpstream:
    """An Anthropic Messages API fake on 127.0.0.1, served from a background thread."""

    def __init__(self, completion_text: str = DEFAULT_COMPLETION) -> None:
        self.completion_text = completion_text
        self.requests: list[Recorded] = []
        self._script = _Script()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.upstream = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The ``api_base`` to configure, without a trailing ``/v1``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Serve in a daemon thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any hung request."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def script(self, model: str, answer: Answer | Responder, times: int | None = None) -> None:
        """Answer requests for ``model`` (as the upstream sees it, or ``*`` for any model).

        With ``times``, the answer is used that many times, then the default applies again.
        """
        with self._lock:
            self._script.answers[model] = answer
            self._script.remaining[model] = times

    def reset(self) -> None:
        """Forget recorded requests and scripted answers."""
        with self._lock:
            self.requests.clear()
            self._script = _Script()

    def messages(self) -> list[Recorded]:
        """Recorded ``/v1/messages`` requests (count_tokens excluded), oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == "/v1/messages"]

    def models(self) -> list[str | None]:
        """The model of each recorded ``/v1/messages`` request, oldest first."""
        return [r.model for r in self.messages()]

    def answer_for(self, request: Recorded) -> Answer:
        """The answer ``request`` gets: scripted for its model, for ``*``, or the default."""
        with self._lock:
            scripted = self._take_scripted(request.model)
        if scripted is None:
            return Answer.text(self.completion_text)
        return scripted(request) if callable(scripted) else scripted

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def wait_while_hanging(self) -> None:
        self._stopping.wait(HANG_SECONDS)

    def _take_scripted(self, model: str | None) -> Answer | Responder | None:
        for key in (model, "*"):
            if key is None or key not in self._script.answers:
                continue
            remaining = self._script.remaining[key]
            if remaining is not None:
                if remaining <= 0:
                    continue
                self._script.remaining[key] = remaining - 1
            return self._script.answers[key]
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    upstream: FakeUpstream

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (pooled connections, cancelled streams) are not errors here."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without it each streamed event waits for the client's delayed ACK: ~40 ms per answer.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the test output is not the place for an access log."""

    def do_GET(self) -> None:
        self._send_json(404, _error_body(404, f"no GET route {self.path}"))

    def do_POST(self) -> None:
        request = self._read_request()
        self.server.upstream.record(request)

        if request.path == "/v1/messages/count_tokens":
            self._send_json(200, {"input_tokens": _estimate_tokens(request.raw_body)})
        elif request.path == "/v1/messages":
            self._answer_messages(request)
        else:
            self._send_json(404, _error_body(404, f"no POST route {request.path}"))

    def _read_request(self) -> Recorded:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        return Recorded(self.command, parts.path, parts.query, headers, raw, body)

    def _answer_messages(self, request: Recorded) -> None:
        answer = self.server.upstream.answer_for(request)

        if answer.kind == "hang":
            self.server.upstream.wait_while_hanging()
            self.close_connection = True
        elif answer.kind == "close":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif answer.kind == "error" or (answer.kind == "error_event" and not request.stream):
            body = _error_body(answer.status, answer.error_message)
            self._send_json(answer.status, body, answer.headers)
        elif answer.kind == "error_event":
            self._send_events(_failing_stream_events(request, answer))
        elif request.stream:
            self._send_events(_stream_events(request, answer))
        else:
            self._send_json(200, _message(request, answer))

    def _send_json(
        self, status: int, body: object, headers: tuple[tuple[str, str], ...] = ()
    ) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", f"req_fake{next(_message_ids):06d}")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_events(self, events: Iterator[tuple[str, dict[str, Any]]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        # One HTTP chunk per event, flushed, as the real API streams them.
        for name, data in events:
            frame = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


def _error_body(status: int, message: str) -> dict[str, Any]:
    error_type = ERROR_TYPES.get(status) or "api_error"
    return {"type": "error", "error": {"type": error_type, "message": message}}


def _estimate_tokens(raw_body: bytes) -> int:
    return max(1, math.ceil(len(raw_body) / 4))


def _usage(request: Recorded, answer: Answer) -> dict[str, int]:
    output = sum(len(json.dumps(block)) for block in answer.content)
    return {"input_tokens": _estimate_tokens(request.raw_body), "output_tokens": output // 4 + 1}


def _message(request: Recorded, answer: Answer) -> dict[str, Any]:
    return {
        "id": f"msg_fake{next(_message_ids):06d}",
        "type": "message",
        "role": "assistant",
        "model": request.model,
        "content": list(answer.content),
        "stop_reason": answer.stop_reason,
        "stop_sequence": None,
        "usage": _usage(request, answer),
    }


def _stream_events(request: Recorded, answer: Answer) -> Iterator[tuple[str, dict[str, Any]]]:
    message = _message(request, answer)
    usage = message.pop("usage")
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {"input_tokens": usage["input_tokens"], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}

    for index, block in enumerate(answer.content):
        yield from _block_events(index, block)

    delta = {"stop_reason": answer.stop_reason, "stop_sequence": None}
    final_usage = {"output_tokens": usage["output_tokens"]}
    yield "message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage}
    yield "message_stop", {"type": "message_stop"}


def _failing_stream_events(
    request: Recorded, answer: Answer
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``message_start``, then the error, as the API does when it fails mid-stream."""
    opening = next(_stream_events(request, answer))
    yield opening
    yield "error", _error_body(answer.status, answer.error_message)


def _block_events(index: int, block: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    if block["type"] == "tool_use":
        opening = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
    elif block["type"] == "thinking":
        opening = {"type": "thinking", "thinking": ""}
        deltas = [{"type": "thinking_delta", "thinking": block["thinking"]}]
        deltas.append({"type": "signature_delta", "signature": block.get("signature", "sig")})
    else:
        opening = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(block["text"])]

    yield (
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": opening},
    )
    if index == 0:
        # The real API sends its keep-alive ping right after the first block opens.
        yield "ping", {"type": "ping"}
    for delta in deltas:
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": index}


def _pieces(text: str) -> list[str]:
    """Split text in a few deltas, as a real stream would, keeping words whole."""
    words = text.split(" ")
    size = max(1, math.ceil(len(words) / 3))
    return [
        " ".join(words[i : i + size]) + (" " if i + size < len(words) else "")
        for i in range(0, len(words), size)
    ] or [""]


def main() -> int:
    """Serve until interrupted, printing the base URL."""
    with FakeUpstream() as upstream:
        print(upstream.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

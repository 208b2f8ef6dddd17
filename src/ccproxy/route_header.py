"""``x-ccproxy-route`` on every response to a routed request, error responses included.

LiteLLM asks the handler for response headers on success, and on failure on chat
completions, but builds the error responses of ``/v1/messages`` without asking. So under
``ccproxy start`` an ASGI middleware gives each request a slot, the pre-call hook writes the
label into it, and the middleware adds the header to the response when LiteLLM did not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from typing import Any

ROUTE_HEADER = "x-ccproxy-route"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Any, Send], Awaitable[None]]

# The request's slot: set by the middleware, filled by the hook, which runs in the same context.
_label_slot: ContextVar[dict[str, str] | None] = ContextVar("ccproxy_label_slot", default=None)

_HEADER_NAME = ROUTE_HEADER.encode()


def remember_label(label: str) -> None:
    """Note the request's label for its response, when the middleware is there to add it."""
    slot = _label_slot.get()
    if slot is not None:
        slot["label"] = label


class RouteHeaderMiddleware:
    """Adds ``x-ccproxy-route`` to a routed request's response if it lacks one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        slot: dict[str, str] = {}

        async def send_with_label(message: Message) -> None:
            if message["type"] == "http.response.start" and "label" in slot:
                message = _with_header(message, slot["label"])
            await send(message)

        token = _label_slot.set(slot)
        try:
            await self.app(scope, receive, send_with_label)
        finally:
            _label_slot.reset(token)


def _with_header(message: Message, label: str) -> Message:
    headers = list(message.get("headers", []))
    if any(name.lower() == _HEADER_NAME for name, _ in headers):
        return message
    return {**message, "headers": [*headers, (_HEADER_NAME, label.encode())]}

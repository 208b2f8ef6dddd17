"""The upstream's own error, for a client of ``/v1/messages`` that the proxy answers with one.

LiteLLM wraps an Anthropic error before the client sees it: its message becomes
``litellm.BadRequestError: AnthropicException - {the upstream's JSON}`` followed by notes
on the model group and its fallbacks, under the error type LiteLLM maps the status to.
Claude Code reads the type and the message (a "prompt is too long" 400 makes it compact),
so the client should get them as the upstream sent them.

LiteLLM 1.110.2 ignores what ``async_post_call_failure_hook`` returns on ``/v1/messages``
(chat completions honour it); that endpoint renders the exception the hook was handed, and
passes a message that is already an Anthropic error JSON through unchanged, type included.
So the hook puts the upstream's JSON back as the exception's message; the status is left
as LiteLLM answers it, which is the upstream's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

# "litellm.<Class>: " once or more, then "<Provider>Error - " or "<Provider>Exception - ",
# then the upstream's body. A body LiteLLM shows as a bytes literal (b'...') is not read:
# its escapes are Python's, not JSON's.
_WRAPPED = re.compile(r"(?:litellm\.\w+: )+\w+ - ")


def upstream_error(exception: object) -> dict[str, Any] | None:
    """The Anthropic error body the upstream answered with, when ``exception`` wraps one."""
    message = getattr(exception, "message", None)
    if not isinstance(message, str):
        return None
    wrapper = _WRAPPED.match(message)
    if wrapper is None:
        return None

    try:
        # The body ends where LiteLLM's own notes begin; raw_decode stops there.
        body, _ = json.JSONDecoder().raw_decode(message, wrapper.end())
    except ValueError:
        return None
    return body if is_anthropic_error(body) else None


def answer_with_upstream_error(exception: object) -> bool:
    """Make LiteLLM answer with the upstream's error body; False when there is none to use."""
    body = upstream_error(exception)
    if body is None:
        return False
    exception.message = json.dumps(body)  # type: ignore[attr-defined]
    return True


def is_anthropic_error(body: object) -> bool:
    """``{"type": "error", "error": {"type": str, "message": str}}``."""
    if not isinstance(body, dict) or body.get("type") != "error":
        return False
    error = body.get("error")
    return (
        isinstance(error, dict)
        and isinstance(error.get("type"), str)
        and isinstance(error.get("message"), str)
    )

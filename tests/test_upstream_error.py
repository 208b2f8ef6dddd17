"""Reading the upstream's own error out of the exception LiteLLM answers a client with.

The exceptions are LiteLLM's own classes, with messages shaped as its 1.110.2 proxy hands
them to the failure hook; the tests through a real proxy are in test_fallbacks.py.
"""

from __future__ import annotations

import json

import litellm
import pytest
from litellm.proxy._types import ProxyException

from ccproxy.upstream_error import answer_with_upstream_error, upstream_error

TOO_LONG = {
    "type": "error",
    "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens"},
}
NOTES = "\n\nLiteLLM: model group 'sonnet' failed with the error above. No fallback was attempted."


def bad_request(message: str) -> litellm.BadRequestError:
    """LiteLLM's 400, its message prefixed ``litellm.BadRequestError: `` as LiteLLM does."""
    return litellm.BadRequestError(message=message, model="m", llm_provider="anthropic")


@pytest.mark.parametrize(
    "exception",
    [
        bad_request("AnthropicException - " + json.dumps(TOO_LONG) + NOTES),
        litellm.ContextWindowExceededError(
            message="AnthropicError - " + json.dumps(TOO_LONG) + NOTES,
            model="m",
            llm_provider="anthropic",
        ),
    ],
    ids=["bad-request", "context-window"],
)
def test_the_upstream_body_is_read_past_litellms_prefix_and_notes(exception: Exception) -> None:
    assert upstream_error(exception) == TOO_LONG


def test_the_exception_is_made_to_carry_the_upstream_body_alone() -> None:
    exception = bad_request("AnthropicException - " + json.dumps(TOO_LONG))

    assert answer_with_upstream_error(exception) is True
    assert json.loads(exception.message) == TOO_LONG
    assert exception.status_code == 400


@pytest.mark.parametrize(
    "message",
    [
        # No upstream body at all: a connection the upstream dropped.
        "AnthropicException - Server disconnected." + NOTES,
        # A body only in LiteLLM's notes, from another route: not this error's.
        "AnthropicException - timed out. Fallback to opus also failed: "
        "litellm.InternalServerError: AnthropicError - " + json.dumps(TOO_LONG),
        # Shown as a bytes literal: Python escapes, not JSON's.
        "AnthropicError - b'" + json.dumps(TOO_LONG) + "'",
        # JSON that is not an Anthropic error.
        'OpenAIException - {"error": {"message": "bad"}}',
    ],
    ids=["no-body", "body-in-notes", "bytes-literal", "not-anthropic"],
)
def test_anything_else_is_left_as_litellm_made_it(message: str) -> None:
    exception = bad_request(message)
    made = exception.message

    assert answer_with_upstream_error(exception) is False
    assert exception.message == made


def test_an_error_litellm_did_not_wrap_is_left_alone() -> None:
    """ccproxy's own 400s, for instance, or an exception with no message at all."""
    own = ProxyException(
        message=json.dumps(TOO_LONG), type="invalid_request_error", param=None, code=400
    )

    assert answer_with_upstream_error(own) is False
    assert answer_with_upstream_error(ValueError("litellm.X: Y - {}")) is False

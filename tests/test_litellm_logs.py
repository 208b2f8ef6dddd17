"""LiteLLM's own log lines lose their text once the proxy serves; start-up lines stay whole."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from ccproxy.litellm_logs import FULL_ENV, WITHHELD, WithheldWhileServing, withhold_litellm_text


@pytest.fixture
def litellm_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger like LiteLLM's, its lines rendered with their tracebacks into a buffer."""
    logger = logging.getLogger("test LiteLLM")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s:%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.filters.clear()


def log_failure(logger: logging.Logger) -> None:
    try:
        raise ValueError("Received Messages=[{'content': 'the prompt'}]")
    except ValueError as error:
        logger.exception("Exception occured - %s", error, extra={"litellm_call_id": "c-1"})


def test_start_up_lines_stay_whole(litellm_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = litellm_logger
    logger.addFilter(WithheldWhileServing())

    log_failure(logger)

    assert "the prompt" in stream.getvalue()


def test_once_serving_a_line_keeps_its_exception_class_and_call_id_but_not_its_text(
    litellm_logger: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = litellm_logger
    withheld = WithheldWhileServing()
    logger.addFilter(withheld)
    withheld.serving = True

    log_failure(logger)
    logger.warning("Model %s quoted: %s", "sonnet", "the prompt")

    assert stream.getvalue() == (
        f"test LiteLLM:ERROR: ValueError: {WITHHELD} (litellm_call_id=c-1)\n"
        f"test LiteLLM:WARNING: {WITHHELD}\n"
    )


def test_uvicorns_lines_lose_their_text_only_with_an_exception(
    litellm_logger: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = litellm_logger
    withheld = WithheldWhileServing(only_exceptions=True)
    logger.addFilter(withheld)
    withheld.serving = True

    logger.info("Shutting down")
    log_failure(logger)

    assert stream.getvalue().splitlines() == [
        "test LiteLLM:INFO: Shutting down",
        f"test LiteLLM:ERROR: ValueError: {WITHHELD} (litellm_call_id=c-1)",
    ]


def test_asking_for_full_lines_attaches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FULL_ENV, "full")
    assert withhold_litellm_text() == []

"""ccproxy's log lines: JSON or readable, allowlisted fields only, at the configured level."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog

from ccproxy.logs import MAX_STRING, configure_logging, wants_json


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_a_json_line_keeps_allowlisted_fields_and_drops_the_rest() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream)

    structlog.get_logger("ccproxy.test").info(
        "decision", label="think", route="opus", tokens=12, prompt="hello", api_key="sk-1"
    )

    record = json.loads(lines(stream)[0])
    assert record["event"] == "decision"
    assert record["level"] == "info"
    assert (record["label"], record["route"], record["tokens"]) == ("think", "opus", 12)
    assert "timestamp" in record
    assert "prompt" not in record
    assert "api_key" not in record


def test_a_long_string_is_cut_short() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream)

    structlog.get_logger().info("decision", reasons=["x" * 5000], model="m" * 5000)

    record = json.loads(lines(stream)[0])
    assert len(record["model"]) == MAX_STRING + 1
    assert len(record["reasons"][0]) == MAX_STRING + 1


def test_debug_lines_appear_only_at_debug_level() -> None:
    quiet, verbose = io.StringIO(), io.StringIO()

    configure_logging("json", "INFO", quiet)
    structlog.get_logger().debug("decision", label="default")
    configure_logging("json", "DEBUG", verbose)
    structlog.get_logger().debug("decision", label="default")

    assert lines(quiet) == []
    assert json.loads(lines(verbose)[0])["level"] == "debug"


def test_a_terminal_gets_readable_lines() -> None:
    stream = Terminal()
    configure_logging("auto", "INFO", stream)

    structlog.get_logger().info("decision", label="think")

    line = lines(stream)[0]
    assert not line.startswith("{")
    assert "decision" in line
    assert "label=think" in line


@pytest.mark.parametrize(
    ("log_format", "terminal", "json_logs", "expected"),
    [
        ("auto", False, None, True),
        ("auto", True, None, False),
        ("auto", True, "True", True),
        ("auto", True, "false", False),
        ("json", True, None, True),
        ("console", False, "True", False),
    ],
)
def test_json_is_chosen_by_format_then_json_logs_then_terminal(
    monkeypatch: pytest.MonkeyPatch,
    log_format: str,
    terminal: bool,
    json_logs: str | None,
    expected: bool,
) -> None:
    """LiteLLM's JSON_LOGS switch turns ccproxy's lines to JSON too, unless told otherwise."""
    if json_logs is None:
        monkeypatch.delenv("JSON_LOGS", raising=False)
    else:
        monkeypatch.setenv("JSON_LOGS", json_logs)
    stream = Terminal() if terminal else io.StringIO()

    assert wants_json(log_format, stream) is expected  # type: ignore[arg-type]


def test_an_unknown_level_is_refused_with_the_levels_expected() -> None:
    with pytest.raises(ValueError, match=r"LOUD.*DEBUG, INFO, WARNING or ERROR"):
        configure_logging("json", "LOUD", io.StringIO())

"""ccproxy's log lines: one event per decision and per outcome, allowlisted fields only.

Records are built from names, numbers and ids; a processor drops any key outside
:data:`ALLOWED_FIELDS` and shortens long strings, so a careless call site cannot put a
prompt, a header value or a key on a log line. Lines go to stderr: JSON when asked, when
LiteLLM's ``JSON_LOGS`` is on, or when stderr is not a terminal; readable text on a terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["auto", "json", "console"]

# Every key a ccproxy log line may carry. Values are labels, model names, ids, counts,
# durations, status codes and exception class names: never request or response content.
ALLOWED_FIELDS = frozenset(
    {
        # structlog's own
        "event",
        "level",
        "timestamp",
        # the request
        "litellm_call_id",
        "endpoint",
        "stream",
        # the decision
        "label",
        "route",
        "model",
        "reasons",
        "tokens",
        "tokens_exact",
        "rule",
        # the outcome
        "served_route",
        "served_model",
        "status",
        "duration_ms",
        "input_tokens",
        "output_tokens",
        "error",
        "error_class",
        # a failed try of a route, on the way to the outcome
        "tried_route",
        "tried_model",
        # start-up and reload
        "config",
        "config_key",
        "host",
        "port",
        "url",
    }
)

_LEADING = ("event", "level", "timestamp")

# A reason or a model name is short; anything longer is not something we meant to log.
MAX_STRING = 200


def keep_allowed_fields(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Drop keys outside the allowlist and shorten values that grew too long."""
    kept = {key: _bounded(value) for key, value in event_dict.items() if key in ALLOWED_FIELDS}
    # The event and its level first: a reader scanning lines looks there.
    leading = {key: kept.pop(key) for key in _LEADING if key in kept}
    return {**leading, **kept}


def configure_logging(
    log_format: LogFormat = "auto", level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Set up structlog for the process: JSON or console lines at ``level`` on ``stream``."""
    output = stream if stream is not None else sys.stderr
    as_json = wants_json(log_format, output)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )

    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            keep_allowed_fields,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_level_number(level)),
        logger_factory=structlog.WriteLoggerFactory(file=output),
        cache_logger_on_first_use=False,
    )


def wants_json(log_format: LogFormat, stream: TextIO) -> bool:
    """JSON unless asked for console, or left on auto with a terminal and no JSON_LOGS."""
    if log_format != "auto":
        return log_format == "json"
    if _truthy(os.environ.get("JSON_LOGS")):
        return True
    return not stream.isatty()


def _level_number(level: str) -> int:
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"log level {level!r}: expected DEBUG, INFO, WARNING or ERROR")
    return number


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in {"1", "true", "yes", "on"}


def _bounded(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_STRING:
        return value[:MAX_STRING] + "…"
    if isinstance(value, list | tuple):
        return [_bounded(item) for item in value]
    return value

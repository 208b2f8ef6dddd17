"""LiteLLM's own log lines, kept from quoting requests once ``ccproxy start`` serves.

When a request fails, LiteLLM logs the exception's text and its traceback, on several of its
loggers and sometimes more than once. That text can quote the request (LiteLLM's errors embed
the messages they were given) or an upstream's error about it. So once the proxy serves, a
line from LiteLLM keeps its time, logger, level, source line and call id, and the class of
its exception; its text is withheld. ccproxy's own lines say which route failed, how, and
with which status. Start-up lines stay whole: they are about the config, and a user fixing
one needs every word. ``CCPROXY_LITELLM_LOGS=full`` keeps every line whole, for debugging,
at the price of requests in the log.
"""

from __future__ import annotations

import logging
import os

FULL_ENV = "CCPROXY_LITELLM_LOGS"

# LiteLLM's loggers: every line's text is withheld.
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Proxy", "LiteLLM Proxy.stdout", "LiteLLM Router")
# Uvicorn's own: only lines with an exception (its lifecycle lines quote nothing).
UVICORN_LOGGER = "uvicorn.error"

WITHHELD = "text withheld by ccproxy"


class WithheldWhileServing(logging.Filter):
    """Withholds the text of the lines it sees once ``serving`` is set."""

    def __init__(self, only_exceptions: bool = False) -> None:
        super().__init__()
        self.only_exceptions = only_exceptions
        self.serving = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.serving:
            return True

        error = _exception_of(record)
        if error is None and self.only_exceptions:
            return True

        # The class only: its message is the text being withheld.
        text = WITHHELD if error is None else f"{type(error).__name__}: {WITHHELD}"
        call_id = getattr(record, "litellm_call_id", None)
        record.msg = text if call_id is None else f"{text} (litellm_call_id={call_id})"
        record.args = None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def withhold_litellm_text() -> list[WithheldWhileServing]:
    """Attach the filters to LiteLLM's and uvicorn's loggers; set ``serving`` on them once
    the proxy serves. None are attached when the user asked for full lines."""
    if os.environ.get(FULL_ENV, "").strip().lower() == "full":
        return []

    filters = []
    for name in (*LITELLM_LOGGERS, UVICORN_LOGGER):
        # On the logger, not a handler: it then holds whichever handlers LiteLLM sets up.
        withheld = WithheldWhileServing(only_exceptions=name == UVICORN_LOGGER)
        logging.getLogger(name).addFilter(withheld)
        filters.append(withheld)
    return filters


def _exception_of(record: logging.LogRecord) -> BaseException | None:
    if record.exc_info and record.exc_info[1] is not None:
        return record.exc_info[1]
    args = record.args if isinstance(record.args, tuple) else ()
    return next((arg for arg in args if isinstance(arg, BaseException)), None)

"""Configuration reload: an edited config file takes effect without a restart.

The handler polls a :class:`ConfigWatcher` on each request. At most once per
interval the watcher stats the file; when it changed, the watcher reads and
validates it off the event loop and hands back the new
:class:`~ccproxy.config.Config`, which the handler routes with from then on. An
edit that does not validate changes nothing: the running configuration stays,
and one log line per edit says what is wrong (key, value, expected).

Only the ``ccproxy:`` section is reloaded. LiteLLM read ``model_list`` and its
own settings at start-up and keeps them, so a new section must route to
model_names the running proxy serves; an edit elsewhere is logged as needing a
restart.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import structlog

from ccproxy.config import Config, load_config
from ccproxy.errors import ConfigError

POLL_INTERVAL = 1.0  # seconds between two looks at the file

logger = structlog.get_logger("ccproxy.reload")

# One version of the file: a rewrite changes its mtime, a replacement its inode.
Signature = tuple[int, int, int] | None


class ConfigWatcher:
    """Watches the file ``config`` came from; :meth:`poll` gives a new valid Config."""

    def __init__(
        self,
        config: Config,
        interval: float = POLL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = config.path
        self.interval = interval
        self._clock = clock
        # What LiteLLM serves: the file as it was at start-up, but for the ccproxy: section.
        self._running = config
        self._served = frozenset(config.deployments)
        self._outside_section = _outside_section(config.litellm)
        self._signature = _signature(self.path)
        self._next_look = clock() + interval
        self._loading = False

    async def poll(self) -> Config | None:
        """A new, valid Config when the file changed since the last look; else None.

        Cheap when no look is due: one clock read. Reading and validating the
        file run in a thread.
        """
        now = self._clock()
        if now < self._next_look or self._loading:
            return None
        self._next_look = now + self.interval

        signature = _signature(self.path)
        if signature == self._signature:
            return None
        self._signature = signature

        self._loading = True
        try:
            return await asyncio.to_thread(self.reload)
        finally:
            self._loading = False

    def reload(self) -> Config | None:
        """Read and validate the file now; None, and a log line, when it is invalid."""
        where = str(self.path)
        try:
            config = load_config(self.path)
            self._check_served(config)
        except ConfigError as error:
            logger.error("config_reload_failed", config=where, error=str(error))
            return None
        except Exception as error:  # noqa: BLE001 - a user's rule may raise anything
            # Serving goes on with the running config whatever the new file does.
            # The class only: the message of a user's code can quote anything, keys included.
            kind = type(error).__name__
            logger.error("config_reload_failed", config=where, error_class=kind)
            return None

        if _outside_section(config.litellm) != self._outside_section:
            logger.warning("config_restart_needed", config=where)
            config = self._as_served(config)
        logger.info("config_reloaded", config=where)
        return config

    def _as_served(self, config: Config) -> Config:
        """The new ccproxy: section over what LiteLLM still serves, so that decisions name
        the upstream models requests really reach."""
        litellm = {**self._running.litellm, "ccproxy": config.litellm.get("ccproxy")}
        return replace(config, litellm=litellm, deployments=self._running.deployments)

    def _check_served(self, config: Config) -> None:
        served = ", ".join(sorted(self._served))
        expected = f"a model_name the running proxy serves ({served}); "
        expected += "model_list needs a restart"
        settings = config.settings

        for label, name in settings.routes.items():
            if name not in self._served:
                raise ConfigError(f"ccproxy.routes.{label}", name, expected)
        for label, names in settings.fallbacks.items():
            for index, name in enumerate(names):
                if name not in self._served:
                    key = f"ccproxy.fallbacks.{label}[{index}]"
                    raise ConfigError(key, name, expected)


def _signature(path: Path) -> Signature:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _outside_section(litellm: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in litellm.items() if key != "ccproxy"}

"""Fallbacks per label, served by LiteLLM's own retry and fallback machinery.

``ccproxy.fallbacks`` names, for a label, the routes to try in order when the
label's route fails::

    ccproxy:
      fallbacks:
        default: [opus, haiku]

The hook puts the chain on the request: ``data["fallbacks"] = [{route: chain}]``.
LiteLLM's router reads a request's own list in place of
``router_settings.fallbacks``, on ``/v1/messages`` and on chat completions,
streaming or not, so two labels sharing a route can fall back differently.
LiteLLM retries the route (``router_settings.num_retries``), then moves down the
chain on a 429, a 529, a 5xx, a timeout, a refused or closed connection, or an
error event that arrives before any content; when every route has failed, the
client gets the last error.

An error that the next model cannot fix reaches the client unchanged: a
context-length 400 (Claude Code compacts on it) and an invalid request. For the
first, the request carries an empty context-window chain. For the second,
LiteLLM's router is told once not to fall back on a provider's 400, unless the
config sets ``router_settings.fallback_on_unsupported_params`` itself.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from ccproxy.config import Config
from ccproxy.decider import Decision

# LiteLLM's router setting that makes it try fallbacks on a provider's 400.
FALLBACK_ON_BAD_REQUEST = "fallback_on_unsupported_params"

logger = structlog.get_logger("ccproxy.fallbacks")


@dataclass
class FallbackPlan:
    """Each label's fallback routes, and what LiteLLM needs to serve them."""

    chains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # model_name -> its input window, when the config gives one
    windows: Mapping[str, int | None] = field(default_factory=dict)
    # False when the config decides on 400 fallbacks itself: its choice stands.
    guard_bad_requests: bool = True
    _guarded_router: int | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: Config) -> FallbackPlan:
        fallbacks = config.settings.fallbacks
        chains = {label: tuple(names) for label, names in fallbacks.items()}
        windows = {
            name: deployment.max_input_tokens for name, deployment in config.deployments.items()
        }
        router_settings = config.litellm.get("router_settings")
        decided = isinstance(router_settings, dict) and (FALLBACK_ON_BAD_REQUEST in router_settings)
        return cls(chains, windows, guard_bad_requests=not decided)

    def chain(self, decision: Decision) -> list[str]:
        """The routes to try after the decision's own, in order.

        The route itself is left out, and so is a route whose known input window
        is smaller than the request: it could only answer a context-length error.
        """
        names = dict.fromkeys(self.chains.get(decision.label, ()))
        return [
            name for name in names if name != decision.route and self._fits(name, decision.tokens)
        ]

    def apply(self, data: dict[str, Any], decision: Decision) -> list[str]:
        """Put the decision's chain on the request LiteLLM routes; returns it.

        A label without fallbacks leaves the request as it is, so that
        ``router_settings`` fallbacks, if any, apply as LiteLLM defines them.
        """
        chain = self.chain(decision)
        if not chain:
            return chain

        data["fallbacks"] = [{decision.route: chain}]
        # An empty chain of its own keeps a context-length error off the general one.
        data["context_window_fallbacks"] = [{decision.route: []}]
        self._guard_router()

        return chain

    def _fits(self, name: str, tokens: int) -> bool:
        window = self.windows.get(name)
        return window is None or tokens <= window

    def _guard_router(self) -> None:
        """Keep LiteLLM's router from falling back on a provider's 400, once per router."""
        router = _running_router()
        if not self.guard_bad_requests or router is None:
            return
        if id(router) == self._guarded_router:
            return
        self._guarded_router = id(router)

        if router.get_settings().get(FALLBACK_ON_BAD_REQUEST) is False:
            return
        router.update_settings(**{FALLBACK_ON_BAD_REQUEST: False})
        # Said once, so that a changed LiteLLM setting is never a surprise.
        logger.info("router_fallbacks_on_bad_request_off")


def _running_router() -> Any:
    """The LiteLLM proxy's router, when this process runs the proxy."""
    proxy_server = sys.modules.get("litellm.proxy.proxy_server")
    return getattr(proxy_server, "llm_router", None)

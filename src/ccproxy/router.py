"""ModelRouter: from a label to the `model_list` entry that serves it, within its context window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ccproxy.rules import DEFAULT_LABEL
from ccproxy.tokens import TokenEstimate

LONG_CONTEXT = "long_context"


@dataclass(frozen=True)
class Deployment:
    """What the router needs to know of one `model_list` entry."""

    name: str  # model_name, what requests are routed to
    model: str  # litellm_params.model, the upstream model
    max_input_tokens: int | None  # model_info.max_input_tokens, when the config gives it


@dataclass(frozen=True)
class Route:
    label: str
    deployment: Deployment
    reasons: tuple[str, ...] = ()


class ModelRouter:
    """Maps labels to deployments; a deployment too small for the request is passed over."""

    def __init__(self, routes: Mapping[str, str], deployments: Mapping[str, Deployment]) -> None:
        self.routes = {label: deployments[name] for label, name in routes.items()}
        self.default = self.routes[DEFAULT_LABEL]

    @property
    def token_limits(self) -> set[int]:
        """The context windows the router may compare a request against."""
        windows = (deployment.max_input_tokens for deployment in self.routes.values())
        return {window for window in windows if window is not None}

    def route(self, label: str, tokens: TokenEstimate) -> Route:
        chosen = self.routes.get(label, self.default)
        if _fits(chosen, tokens):
            return Route(label, chosen)
        return self._route_oversized(chosen, tokens)

    def _route_oversized(self, chosen: Deployment, tokens: TokenEstimate) -> Route:
        """A request too long for its route is a long-context one, wherever it then goes."""
        too_big = f"input exceeds {chosen.name}'s window of {chosen.max_input_tokens:,} tokens"
        long_context = self.routes.get(LONG_CONTEXT)
        if long_context is not None and _fits(long_context, tokens):
            return Route(LONG_CONTEXT, long_context, (too_big,))

        fitting = [d for d in self.routes.values() if d.max_input_tokens and _fits(d, tokens)]
        if fitting:
            largest = max(fitting, key=lambda deployment: deployment.max_input_tokens or 0)
            return Route(LONG_CONTEXT, largest, (too_big, f"{largest.name} has the largest window"))

        # Nothing fits: the upstream answers with its own error, which reaches the client.
        return Route(LONG_CONTEXT, long_context or chosen, (too_big, "none fits"))


def _fits(deployment: Deployment, tokens: TokenEstimate) -> bool:
    window = deployment.max_input_tokens
    return window is None or not tokens.exceeds(window)

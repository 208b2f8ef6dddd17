"""The decision: which label a request carries and which model serves it, made once per request."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ccproxy.classifier import RequestClassifier
from ccproxy.config import Config
from ccproxy.content import Reading, read_in_steps
from ccproxy.features import RequestFeatures
from ccproxy.router import ModelRouter
from ccproxy.rules import DEFAULT_LABEL
from ccproxy.tokens import TokenCache

# Set to 1 (the test suite does) to check every decision against one made on a full token count.
VERIFY_ENV = "CCPROXY_VERIFY_DECISIONS"


class DecisionMismatchError(AssertionError):
    """A decision made on bounds and cached counts differs from the full count's: a bug."""


@dataclass(frozen=True)
class Decision:
    label: str
    route: str  # the model_name the request is sent to
    model: str  # the upstream model behind that model_name
    reasons: tuple[str, ...]
    tokens: int
    tokens_exact: bool

    def log_fields(self) -> dict[str, Any]:
        """The decision as log fields: labels, names and numbers only, never request content."""
        fields = asdict(self)
        fields["reasons"] = list(self.reasons)
        return fields


class Decider:
    """Classifies a request, then routes its label."""

    def __init__(
        self, classifier: RequestClassifier, router: ModelRouter, cache: TokenCache | None = None
    ) -> None:
        self.classifier = classifier
        self.router = router
        self.cache = cache if cache is not None else TokenCache()
        self.token_limits = sorted(classifier.token_limits | router.token_limits)
        self.verify = os.environ.get(VERIFY_ENV) == "1"

    @classmethod
    def from_config(cls, config: Config) -> Decider:
        routes = config.settings.routes
        classifier = RequestClassifier(config.build_rules(), routed_labels=routes)
        return cls(classifier, ModelRouter(routes, config.deployments))

    def decide(
        self,
        body: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        *,
        count_all: bool = False,
    ) -> Decision:
        """Decide on the calling thread; `count_all` reports the exact token estimate."""
        self.cache.sweep()
        request = RequestFeatures.from_request(body, headers, self.cache)
        decision = self._decide(request)
        if count_all:
            request.tokens.count()
            return self._decide(request)
        return self._verified(decision, body, headers)

    async def adecide(
        self, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Decision:
        """Decide inside an event loop, yielding to it between bounded steps of reading and
        bounding; any token counting the bounds can't avoid runs off it."""
        self.cache.sweep()
        reading = Reading()
        for _ in read_in_steps(body, reading):
            await asyncio.sleep(0)

        request = RequestFeatures.from_request(body, headers, self.cache, reading)
        await request.tokens.prepare(self.token_limits)
        return self._verified(self._decide(request), body, headers)

    def default_decision(self, reason: str) -> Decision:
        """The default route, for when deciding itself failed."""
        default = self.router.default
        return Decision(DEFAULT_LABEL, default.name, default.model, (reason,), 0, False)

    def _verified(
        self, decision: Decision, body: Mapping[str, Any], headers: Mapping[str, str] | None
    ) -> Decision:
        if not self.verify:
            return decision

        request = RequestFeatures.from_request(body, headers, cache=None)
        request.tokens.count()
        full = self._decide(request)
        if (full.label, full.route) != (decision.label, decision.route):
            raise DecisionMismatchError(
                f"{decision.label}/{decision.route} != {full.label}/{full.route}"
            )
        return decision

    def _decide(self, request: RequestFeatures) -> Decision:
        classification = self.classifier.classify(request)
        route = self.router.route(classification.label, request.tokens)
        exact = request.tokens.exact

        return Decision(
            label=route.label,
            route=route.deployment.name,
            model=route.deployment.model,
            reasons=classification.reasons + route.reasons,
            tokens=exact if exact is not None else request.tokens.approximate(),
            tokens_exact=exact is not None,
        )

"""RequestClassifier: the first rule that matches, among those whose label has a route, wins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import structlog

from ccproxy.features import RequestFeatures
from ccproxy.rules import DEFAULT_LABEL, Rule

logger = structlog.get_logger("ccproxy.classifier")


@dataclass(frozen=True)
class Classification:
    label: str
    reasons: tuple[str, ...]


class RequestClassifier:
    """Labels requests by ordered rules; rules whose label has no route are skipped."""

    def __init__(self, rules: Sequence[tuple[str, Rule]], routed_labels: Iterable[str]) -> None:
        routed = set(routed_labels)
        self.rules = [(label, rule) for label, rule in rules if label in routed]
        self.skipped = [label for label, _ in rules if label not in routed]

    @property
    def token_limits(self) -> set[int]:
        """The token counts the rules compare against, to settle ahead of classifying."""
        limits = (getattr(rule, "token_limit", None) for _, rule in self.rules)
        return {limit for limit in limits if isinstance(limit, int)}

    def classify(self, request: RequestFeatures) -> Classification:
        for label, rule in self.rules:
            reason = self._match(label, rule, request)
            if reason is not None:
                # A rule of a user's may give any value as its reason; a log line wants text.
                return Classification(label, (str(reason),))
        return Classification(DEFAULT_LABEL, ("no rule matched",))

    def _match(self, label: str, rule: Rule, request: RequestFeatures) -> str | None:
        try:
            return rule.match(request)
        except Exception as error:  # noqa: BLE001 - one faulty rule must not break routing
            logger.warning(
                "rule_failed", label=label, rule=type(rule).__name__, error=type(error).__name__
            )
            return None

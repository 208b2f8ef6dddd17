"""Percentiles of timing samples, summarised in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample at or above `fraction` of them."""
    if not samples:
        raise ValueError("percentile of no samples: expected at least one sample")
    ordered = sorted(samples)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timing:
    """p50 and p99 of a series of durations, in milliseconds."""

    p50_ms: float
    p99_ms: float
    samples: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timing:
        return cls(
            p50_ms=percentile(seconds, 0.50) * 1e3,
            p99_ms=percentile(seconds, 0.99) * 1e3,
            samples=len(seconds),
        )

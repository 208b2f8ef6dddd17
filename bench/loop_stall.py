"""How long the event loop stalls while 50 small requests are decided beside one 3.2 MB request.

Two measures, so that a stall can be told apart from the machine's own noise:

- a probe task sleeps 1 ms again and again; its oversleep is how long the loop was busy;
  the same arrivals with the decisions left out give the noise floor of this machine;
- every decision's coroutine runs wrapped in `SliceTimer`, which times each step the loop
  gives it: the longest step is the longest the loop was blocked by ccproxy itself.

Requests arrive spread over `SPREAD_SECONDS`, as they would from separate connections; the
large one arrives in the middle.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapes
from ccproxy.decider import Decider
from stats import percentile

PROBE_SECONDS = 0.001
SPREAD_SECONDS = 0.05
SMALL_REQUESTS = 50

Body = Mapping[str, Any]
Decide = Callable[[Body, Mapping[str, str]], Awaitable[object]]


@dataclass(frozen=True)
class StallResult:
    """The loop's stalls over several rounds of one scenario, in milliseconds."""

    scenario: str
    longest_ccproxy_step_ms: float  # the longest the loop ran ccproxy code without a break
    max_lag_ms: float  # the probe's longest oversleep, ccproxy deciding
    p99_lag_ms: float
    baseline_max_lag_ms: float  # the same arrivals without decisions: the machine's noise
    baseline_p99_lag_ms: float
    large_decision_ms: float  # wall time of the large request's decision, longest round
    rounds: int


class SliceTimer(Coroutine[Any, Any, Any]):
    """Wraps a coroutine and records how long each step the event loop runs takes.

    Run it as a task (`asyncio.create_task`): the task sends to the wrapper, one step at a time.
    """

    def __init__(self, coroutine: Coroutine[Any, Any, Any], steps: list[float]) -> None:
        self._coroutine = coroutine
        self._steps = steps

    def send(self, value: Any) -> Any:
        start = time.perf_counter()
        try:
            return self._coroutine.send(value)
        finally:
            self._steps.append(time.perf_counter() - start)

    def throw(self, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return self._coroutine.throw(*args)
        finally:
            self._steps.append(time.perf_counter() - start)

    def close(self) -> None:
        self._coroutine.close()

    def __await__(self) -> Generator[Any, None, Any]:
        raise TypeError("run a SliceTimer as a task; awaiting it directly would not time it")


def measure_stall(scenario: str, decider: Decider, large: Body, rounds: int) -> StallResult:
    """Run `rounds` rounds with `decider`, and as many without decisions for the baseline."""
    smalls = [shapes.small_request(index) for index in range(SMALL_REQUESTS)]
    steps: list[float] = []
    lags: list[float] = []
    baseline: list[float] = []
    large_ms = 0.0

    for round_index in range(rounds):
        round_lags, large_seconds = asyncio.run(
            _round(_timed(decider, steps), large, smalls, seed=round_index)
        )
        lags += round_lags
        large_ms = max(large_ms, large_seconds * 1e3)
        baseline += asyncio.run(_round(_no_decision, large, smalls, seed=round_index))[0]

    return StallResult(
        scenario=scenario,
        longest_ccproxy_step_ms=max(steps) * 1e3,
        max_lag_ms=max(lags) * 1e3,
        p99_lag_ms=percentile(lags, 0.99) * 1e3,
        baseline_max_lag_ms=max(baseline) * 1e3,
        baseline_p99_lag_ms=percentile(baseline, 0.99) * 1e3,
        large_decision_ms=large_ms,
        rounds=rounds,
    )


def _timed(decider: Decider, steps: list[float]) -> Decide:
    def decide(body: Body, headers: Mapping[str, str]) -> Awaitable[object]:
        return asyncio.create_task(SliceTimer(decider.adecide(body, dict(headers)), steps))

    return decide


async def _no_decision(body: Body, headers: Mapping[str, str]) -> None:
    return None


async def _round(
    decide: Decide, large: Body, smalls: Sequence[Body], seed: int
) -> tuple[list[float], float]:
    rng = random.Random(seed)
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(stop, lags))
    await asyncio.sleep(0.01)

    arrivals = [_arrive(decide, body, rng.uniform(0, SPREAD_SECONDS)) for body in smalls]
    large_arrival = _arrive(decide, large, SPREAD_SECONDS / 2)
    *_, large_seconds = await asyncio.gather(*arrivals, large_arrival)

    await asyncio.sleep(0.01)
    stop.set()
    await probe
    return lags, large_seconds


async def _arrive(decide: Decide, body: Body, delay: float) -> float:
    await asyncio.sleep(delay)
    start = time.perf_counter()
    await decide(body, shapes.headers(dict(body)))
    return time.perf_counter() - start


async def _probe(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(PROBE_SECONDS)
        lags.append(time.perf_counter() - start - PROBE_SECONDS)

"""How long a decision takes, cold and warm, next to a full token count of the same request.

A decision is timed as the hook makes it: `await Decider.adecide(body, headers)`, features and
token estimate included. Cold means a fresh decider, so an empty `TokenCache`. Warm means the
same session's next turn: the previous turn is decided first (untimed), then the same
conversation plus one more user message is timed. The full count is what a peer does on every
request: every piece counted with `cl100k_base` (`count_reading`), or tiktoken over the whole
`json.dumps(body)`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import tiktoken

import shapes
from ccproxy.content import read_request
from ccproxy.decider import Decider
from ccproxy.tokens import ENCODING, TokenCache, count_reading, count_tokens
from stats import Timing

Body = Mapping[str, Any]


@dataclass(frozen=True)
class SizeResult:
    """Decision and full-count timings for one request size."""

    name: str
    body_bytes: int
    tokens: int  # the exact estimate, from a full count
    label: str
    cold: Timing
    warm: Timing
    full_count: Timing  # every piece counted, as the estimate defines it
    json_count: Timing  # tiktoken over json.dumps(body), as the peers count

    @property
    def cold_speedup(self) -> float:
        return self.full_count.p50_ms / self.cold.p50_ms

    @property
    def warm_speedup(self) -> float:
        return self.full_count.p50_ms / self.warm.p50_ms


def fresh_decider(base: Decider) -> Decider:
    """A decider with `base`'s rules and routes and an empty token cache."""
    return Decider(base.classifier, base.router, TokenCache())


def measure_size(
    base: Decider, name: str, target_bytes: int, repeat: int, count_repeat: int
) -> SizeResult:
    body = shapes.main_turn(target_bytes, seed=target_bytes)
    following = shapes.next_turn(body, seed=target_bytes)
    headers = shapes.headers(body)

    encoding = _peer_encoding()

    # One untimed pass of each first: thread pool, allocator and caches warmed up.
    asyncio.run(_time_warm(base, body, following, headers, 1))
    cold = asyncio.run(_time_cold(base, body, headers, repeat))
    warm = asyncio.run(_time_warm(base, body, following, headers, repeat))
    full = _time_calls(lambda: count_reading(read_request(body)), count_repeat)
    peers = _time_calls(lambda: _count_json(encoding, body), count_repeat)

    return SizeResult(
        name=name,
        body_bytes=len(json.dumps(body)),
        tokens=count_reading(read_request(body)),
        label=base.decide(body, headers).label,
        cold=Timing.of(cold),
        warm=Timing.of(warm),
        full_count=Timing.of(full),
        json_count=Timing.of(peers),
    )


async def _time_cold(
    base: Decider, body: Body, headers: dict[str, str], repeat: int
) -> list[float]:
    samples = []
    for _ in range(repeat):
        decider = fresh_decider(base)
        start = time.perf_counter()
        await decider.adecide(body, headers)
        samples.append(time.perf_counter() - start)
    return samples


async def _time_warm(
    base: Decider, previous: Body, following: Body, headers: dict[str, str], repeat: int
) -> list[float]:
    samples = []
    for _ in range(repeat):
        decider = fresh_decider(base)
        await decider.adecide(previous, headers)
        start = time.perf_counter()
        await decider.adecide(following, headers)
        samples.append(time.perf_counter() - start)
    return samples


def _time_calls(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def _count_json(encoding: Any, body: Body) -> int:
    # Peers count the request as one text; special-token text in it must count, not raise.
    return len(encoding.encode(json.dumps(body), disallowed_special=()))


def _peer_encoding() -> Any:
    count_tokens("load")  # loads the encoding from the files LiteLLM ships, offline
    return tiktoken.get_encoding(ENCODING)

"""What the token cache costs in memory: after many sessions, at its bound, and once idle.

The decider keeps one `TokenCache` for every session (Claude Code resends the same tools and
history, so counts are keyed by content, not by session). A cache's memory is what `tracemalloc`
sees released when the cache is dropped; the requests are built before tracing starts.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shapes
from ccproxy.decider import Decider
from ccproxy.tokens import TokenCache

IDLE_SECONDS = 0.2

Turns = list[tuple[dict[str, Any], dict[str, Any]]]


@dataclass(frozen=True)
class CacheMemory:
    sessions: int
    session_bytes: int  # size of each session's first turn
    entries: int  # cache entries once every session decided two turns
    cache_bytes: int  # memory those entries hold
    max_entries: int  # the cache's bound
    bytes_at_bound: int  # memory held by a cache filled past its bound
    entries_before_idle: int  # a few sessions decided, then they all go idle:
    entries_idle_no_count: int  # then requests the bounds settle (nothing new counted)
    entries_idle_after_count: int  # then one request that counts


def measure_cache(base: Decider, sessions: int, session_bytes: int) -> CacheMemory:
    turns = _sessions(sessions, session_bytes)
    _decide_sessions(Decider(base.classifier, base.router), turns[:1])  # loads the encoding

    entries, cache_bytes = _held_by_cache(
        lambda cache: _decide_sessions(Decider(base.classifier, base.router, cache), turns)
    )
    max_entries = TokenCache().max_entries
    _, at_bound = _held_by_cache(lambda cache: _fill(cache, max_entries + max_entries // 10))
    before, idle_no_count, idle_after_count = _entries_after_idle(base, turns[:5])

    return CacheMemory(
        sessions=sessions,
        session_bytes=session_bytes,
        entries=entries,
        cache_bytes=cache_bytes,
        max_entries=max_entries,
        bytes_at_bound=at_bound,
        entries_before_idle=before,
        entries_idle_no_count=idle_no_count,
        entries_idle_after_count=idle_after_count,
    )


def _sessions(sessions: int, session_bytes: int) -> Turns:
    turns = []
    for seed in range(sessions):
        body = shapes.main_turn(session_bytes, seed=10_000 + seed)
        turns.append((body, shapes.next_turn(body, seed=seed)))
    return turns


def _decide_sessions(decider: Decider, turns: Turns) -> None:
    for body, following in turns:
        decider.decide(body, shapes.headers(body))
        decider.decide(following, shapes.headers(following))


def _fill(cache: TokenCache, entries: int) -> None:
    for index in range(entries):
        cache.put(f"piece {index}", index)


def _held_by_cache(fill: Callable[[TokenCache], None]) -> tuple[int, int]:
    """The entries `fill` leaves in a new cache, and the memory freed when the cache goes."""
    gc.collect()
    tracemalloc.start()
    try:
        cache = TokenCache()
        fill(cache)
        entries = len(cache)
        gc.collect()
        with_cache, _ = tracemalloc.get_traced_memory()
        del cache
        gc.collect()
        without_cache, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return entries, with_cache - without_cache


def _entries_after_idle(base: Decider, turns: Turns) -> tuple[int, int, int]:
    decider = Decider(base.classifier, base.router, TokenCache(idle_seconds=IDLE_SECONDS))
    _decide_sessions(decider, turns)
    before = len(decider.cache)

    # Past the idle period, plus a second: a cache may look for idle entries once a second.
    time.sleep(IDLE_SECONDS + 1.0)
    for index in range(10):
        decider.decide(shapes.small_request(index))
    without_counting = len(decider.cache)

    fresh = shapes.main_turn(84_000, seed=99_999)
    decider.decide(fresh, shapes.headers(fresh))
    return before, without_counting, len(decider.cache)

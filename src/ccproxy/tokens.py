"""How many tokens a request is, found at the least cost that settles each question asked.

The exact estimate of a request is the sum of each piece's `cl100k_base` count plus fixed costs
(see `content`). Rules and the router only ever ask "more than N?", so `TokenEstimate` answers
from cheap, sound bounds first and counts only the pieces it must:

- upper bound: a token is at least one UTF-8 byte, so a piece has at most its byte length;
- lower bound: every `cl100k_base` pre-token holds non-space characters from one run between
  whitespace at most, and yields at least one token, so a piece has at least as many tokens as
  it has runs of non-whitespace (counted below without splitting the text);
- counts already made for the same text, in this or another request, come from `TokenCache`.

Whatever path answers, the answer is the one a full count would give.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import tiktoken

from ccproxy.content import Piece, Reading, byte_length

ENCODING = "cl100k_base"

# Whitespace as the tokenizer's pattern sees it (Unicode White_Space), besides the plain space.
_ASCII_SPACE = (" ", "\t", "\n", "\r", "\x0b", "\x0c")
_UNICODE_SPACE = tuple(
    "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

# Lower bounds are taken over windows of a long piece so that a bound can settle a question
# after reading only part of a multi-megabyte text. Each window costs the bound 2 tokens.
_WINDOW = 1 << 14

# How much one cheap step reads, text or cache entries: well under a millisecond of work.
# Text that is not ASCII is looked at once per kind of Unicode space and is wider in memory:
# a character of it costs about four of ASCII. Each window, however short, costs a dozen calls.
_STEP_CHARS = 1 << 17
_NON_ASCII_COST = 4
_WINDOW_COST = 1 << 10
_STEP_LOOKUPS = 256


@cache
def _encoding() -> Any:
    """Load `cl100k_base` from the BPE files LiteLLM ships, so counting never needs a network."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(_bundled_tokenizer_dir())
    return tiktoken.get_encoding(ENCODING)


def _bundled_tokenizer_dir() -> Path:
    # find_spec locates the package without importing it: importing LiteLLM takes seconds.
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("LiteLLM is not installed; its tokenizer files are needed offline")
    return Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"


def count_tokens(piece: Piece) -> int:
    """The exact `cl100k_base` count of one piece."""
    return len(_encoding().encode_ordinary(_text(piece)))


def count_reading(reading: Reading) -> int:
    """The exact estimate of a whole request: every piece counted, no shortcut."""
    return reading.fixed_tokens + sum(count_tokens(piece) for piece in reading.pieces)


def lower_bound(piece: Piece, stop_at: int | None = None) -> int:
    """At least how many tokens `piece` has; reading stops early once `stop_at` is reached."""
    text = _text(piece)
    spaces = _ASCII_SPACE if text.isascii() else _ASCII_SPACE + _UNICODE_SPACE
    bound = 0

    for start in range(0, len(text), _WINDOW):
        bound += _window_bound(text, start, start + _WINDOW, spaces)
        if stop_at is not None and bound >= stop_at:
            break

    return max(bound, 0)


def _window_bound(text: str, start: int, end: int, spaces: tuple[str, ...]) -> int:
    # In each whitespace run, plain spaces add their count mod 2 (count minus twice the pairs)
    # and every other whitespace character takes one away, so a run adds at most 1: the sum is
    # at most the number of whitespace runs, which is at most the runs of non-whitespace plus
    # one. A run cut by the window edge can add 1 on each side, hence the extra 1 taken away.
    plain = text.count(" ", start, end) - 2 * text.count("  ", start, end)
    other = sum(text.count(space, start, end) for space in spaces[1:])
    return plain - other - 2


class TokenCache:
    """Counts of texts already seen, bounded in entries and forgotten after an idle period.

    Keys are the text's kind, length and hash, never the text, so an entry costs about 300 bytes
    whatever the text's size (measured by bench/): the default bound of 65,536 entries holds
    about 20 MB. Claude Code resends the same system prompt, tools and history on every turn,
    and across sessions, so one content-keyed cache serves every session. An entry unused for
    `idle_seconds` is dropped by the next `put` or `sweep`.
    """

    def __init__(self, max_entries: int = 65_536, idle_seconds: float = 1800.0) -> None:
        self.max_entries = max_entries
        self.idle_seconds = idle_seconds
        self._entries: OrderedDict[tuple[bool, int, int], tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._swept_at = time.monotonic()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, piece: Piece) -> int | None:
        key = _key(piece)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries[key] = (entry[0], time.monotonic())
            self._entries.move_to_end(key)
            return entry[0]

    def sweep(self) -> None:
        """Drop entries idle too long; cheap to call per request, it works once a second.

        Most requests are settled by bounds and never `put`, so eviction can't wait for one.
        """
        now = time.monotonic()
        if now - self._swept_at < 1.0:
            return
        with self._lock:
            self._swept_at = now
            self._evict(now)

    def put(self, piece: Piece, tokens: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._entries[_key(piece)] = (tokens, now)
            self._entries.move_to_end(_key(piece))
            self._evict(now)

    def _evict(self, now: float) -> None:
        while self._entries:
            _, (_, last_used) = next(iter(self._entries.items()))
            idle = now - last_used > self.idle_seconds
            if not idle and len(self._entries) <= self.max_entries:
                return
            self._entries.popitem(last=False)


def _key(piece: Piece) -> tuple[bool, int, int]:
    return (isinstance(piece, bytes), len(piece), hash(piece))


_counting_pool: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    # tiktoken releases the GIL while it encodes, so counting in threads keeps the event loop free.
    global _counting_pool  # noqa: PLW0603 - one pool per process, made on first need
    if _counting_pool is None:
        _counting_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccproxy-count")
    return _counting_pool


class TokenEstimate:
    """The token estimate of one request, refined only as far as the questions asked need.

    The cheap work (bounds, cache look-ups) advances in steps of bounded size, so that inside
    an event loop other requests run between two steps of a multi-megabyte request.
    """

    def __init__(self, reading: Reading, cache: TokenCache | None = None) -> None:
        self._cache = cache
        self._known = reading.fixed_tokens
        self._pending = sorted(reading.pieces, key=len, reverse=True)
        self._pending_bytes = reading.bytes
        # Pending pieces [0, _looked_up) missed the cache; the rest are yet to be looked up.
        self._looked_up = 0
        self._looking_up = False
        self._reset_lower()

    @property
    def exact(self) -> int | None:
        """The estimate, once every piece has been counted; None until then."""
        return None if self._pending else self._known

    @property
    def bytes(self) -> int:
        """The UTF-8 size of the pieces still uncounted, the upper bound of their tokens."""
        return self._pending_bytes

    def approximate(self) -> int:
        """The exact estimate when known, else a point inside the bounds for reporting."""
        return self._known + max(self._pending_bytes // 4, self._lower)

    def exceeds(self, limit: int) -> bool:
        """Whether the estimate is more than `limit` tokens, counting only what it must."""
        answer = self._by_bounds(limit)
        while answer is None and self._cheap_step(limit):
            answer = self._by_bounds(limit)
        return answer if answer is not None else self._count_until_settled(limit)

    async def prepare(self, limits: Iterable[int]) -> None:
        """Settle every limit: cheap steps on the loop, yielding between them; counts off it."""
        doubtful = []
        for limit in limits:
            answer = self._by_bounds(limit)
            while answer is None and self._cheap_step(limit):
                await asyncio.sleep(0)
                answer = self._by_bounds(limit)
            if answer is None:
                doubtful.append(limit)

        if doubtful:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(_pool(), self._count_all_doubtful, doubtful)

    def count(self) -> int:
        """Count every piece: the exact estimate."""
        while self._pending:
            self._count_next()
        return self._known

    def _by_bounds(self, limit: int) -> bool | None:
        if self._known + self._pending_bytes <= limit:
            return False
        if self._known + self._lower > limit:
            return True
        return None

    def _cheap_step(self, limit: int) -> bool:
        """One bounded step toward settling `limit` without counting; False when none is left."""
        # Lower bounds pay off on texts far larger than the limit; the cache on the rest.
        # A look-up that removes pieces restarts the lower bound, so once begun, it runs to the end.
        lower_first = self._pending_bytes > 5 * (limit - self._known)
        lookups_due = self._looking_up or not lower_first or self._lower_complete
        if not self._cache_consulted and lookups_due:
            self._consult_cache(limit)
            return True
        if not self._lower_complete:
            self._extend_lower(limit)
            return True
        return False

    @property
    def _cache_consulted(self) -> bool:
        return self._cache is None or self._looked_up >= len(self._pending)

    def _consult_cache(self, limit: int) -> None:
        """Look up the next pieces, largest first, until `limit` is settled or a step is done."""
        assert self._cache is not None
        self._looking_up = True
        start = self._looked_up
        end = min(start + _STEP_LOOKUPS, len(self._pending))

        missing: list[Piece] = []
        index = start
        while index < end and self._by_bounds(limit) is None:
            piece = self._pending[index]
            tokens = self._cache.get(piece)
            if tokens is None:
                missing.append(piece)
            else:
                self._known += tokens
                self._pending_bytes -= byte_length(piece)
                # The bound counted this piece too: drop it before the bounds are asked again.
                self._reset_lower()
            index += 1

        self._pending[start:index] = missing
        self._looked_up = start + len(missing)

    def _reset_lower(self) -> None:
        # The bound covers pending pieces [0, _lower_next) in full, and the next one's windows
        # up to _reading_at, whose sum is _reading_sum.
        self._lower_done = 0
        self._lower_next = 0
        self._reading_at = 0
        self._reading_sum = 0

    @property
    def _lower(self) -> int:
        return self._lower_done + max(self._reading_sum, 0)

    @property
    def _lower_complete(self) -> bool:
        return self._lower_next >= len(self._pending)

    def _extend_lower(self, limit: int) -> None:
        """Read about `_STEP_CHARS` more characters' worth into the lower bound, or until it
        settles."""
        needed = limit - self._known + 1
        read = 0
        while self._lower < needed and read < _STEP_CHARS and not self._lower_complete:
            text = _text(self._pending[self._lower_next])
            ascii = text.isascii()
            spaces = _ASCII_SPACE if ascii else _ASCII_SPACE + _UNICODE_SPACE
            end = min(self._reading_at + _WINDOW, len(text))

            self._reading_sum += _window_bound(text, self._reading_at, end, spaces)
            chars = (end - self._reading_at) * (1 if ascii else _NON_ASCII_COST)
            read += max(chars, _WINDOW_COST)
            self._reading_at = end

            if end >= len(text):
                self._lower_done += max(self._reading_sum, 0)
                self._lower_next += 1
                self._reading_at = self._reading_sum = 0

    def _count_until_settled(self, limit: int) -> bool:
        while True:
            answer = self._by_bounds(limit)
            if answer is not None:
                return answer
            self._count_next()

    def _count_all_doubtful(self, limits: list[int]) -> None:
        for limit in limits:
            self._count_until_settled(limit)

    def _count_next(self) -> None:
        piece = self._pending.pop(0)
        self._looked_up = max(self._looked_up - 1, 0)
        tokens = count_tokens(piece)

        self._known += tokens
        self._pending_bytes -= byte_length(piece)
        self._reset_lower()
        if self._cache is not None:
            self._cache.put(piece, tokens)


def _text(piece: Piece) -> str:
    return piece.decode("utf-8", "replace") if isinstance(piece, bytes) else piece

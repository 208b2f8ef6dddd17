"""The token estimate: what it counts, how close it is, and shortcuts that never change answers."""

from __future__ import annotations

import asyncio
import random

import pytest

from ccproxy.content import STEP_BYTES, Reading, byte_length, read_in_steps, read_request
from ccproxy.tokens import (
    TokenCache,
    TokenEstimate,
    count_reading,
    count_tokens,
    lower_bound,
)

from tests.support import claude_requests as cc

SAMPLE_ALPHABET = " \t\n\r\x0b\x0cab1,.'\u00a0\u3000\u2028é😀"


def random_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(SAMPLE_ALPHABET) for _ in range(rng.randint(0, 300)))
        for _ in range(count)
    ]


def shaped_requests() -> list[dict]:
    return [
        cc.main_turn(),
        cc.haiku_main_turn(),
        cc.title_chore(),
        cc.web_search_request(),
        cc.subagent_request(),
        cc.main_turn(messages=cc.conversation(100_000, seed=3)),
    ]


def test_the_lower_bound_never_exceeds_the_exact_count() -> None:
    for text in random_texts(3000):
        assert lower_bound(text) <= count_tokens(text), repr(text)


def test_the_lower_bound_never_exceeds_the_exact_count_of_a_text_many_windows_long() -> None:
    text = "".join(random_texts(600, seed=9))  # about 90,000 characters: windows cut its runs

    assert lower_bound(text) <= count_tokens(text)


def test_the_byte_length_is_never_below_the_exact_count() -> None:
    for text in random_texts(1000, seed=8):
        assert count_tokens(text) <= byte_length(text), repr(text)


def test_the_lower_bound_is_close_on_prose() -> None:
    text = cc.prose(200_000)
    assert 0.6 * count_tokens(text) < lower_bound(text) <= count_tokens(text)


@pytest.mark.parametrize("body", shaped_requests(), ids=lambda body: str(len(str(body))))
def test_the_estimate_is_within_10_percent_of_a_full_count_of_the_same_text(body: dict) -> None:
    reading = read_request(body)
    same_text = "\n".join(
        piece.decode() if isinstance(piece, bytes) else piece for piece in reading.pieces
    )

    full = count_tokens(same_text) + reading.fixed_tokens

    assert count_reading(reading) == pytest.approx(full, rel=0.10)


def test_the_estimate_counts_system_thinking_tool_use_results_and_tool_definitions() -> None:
    body = {
        "model": "m",
        "system": [{"type": "text", "text": "alpha " * 100}],
        "messages": [
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "beta " * 100, "signature": "s"},
                {"type": "tool_use", "id": "t", "name": "Bash", "input": {"c": "gamma " * 100}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t", "content": "delta " * 100},
            ]},
        ],
        "tools": [{"name": "Bash", "description": "epsilon " * 100, "input_schema": {}}],
    }  # fmt: skip

    pieces = " ".join(str(piece) for piece in read_request(body).pieces)

    for word in ("alpha", "beta", "gamma", "delta", "epsilon"):
        assert pieces.count(word) == 100, word


@pytest.mark.parametrize("size", [2_000, 90_000, 250_000, 900_000])
def test_every_shortcut_answers_as_the_full_count_would(size: int) -> None:
    body = cc.sized_main_turn(size, seed=size)
    full = count_reading(read_request(body))
    cache = TokenCache()

    for limit in (full - 1000, full - 1, full, full + 1, full + 1000, 60_000, 200_000):
        for _turn in range(2):  # the second pass answers from the cache
            estimate = TokenEstimate(read_request(body), cache)
            assert estimate.exceeds(limit) is (full > limit), (limit, full)


@pytest.mark.parametrize("seed", range(3))
def test_a_partly_cached_request_gets_the_full_counts_answer(seed: int) -> None:
    """Look-ups that stop part way, and hits that restart the lower bound, change no answer."""
    body = cc.sized_main_turn(2_000_000, seed=seed)  # about 1,000 pieces: several look-up steps
    reading = read_request(body)
    full = count_reading(reading)
    rng = random.Random(seed)

    for limit in (full // 20, full // 2, full - 1, full, full + 1):
        cache = TokenCache()
        for piece in rng.sample(reading.pieces, len(reading.pieces) // 2):
            cache.put(piece, count_tokens(piece))
        estimate = TokenEstimate(read_request(body), cache)
        assert estimate.exceeds(limit) is (full > limit), (limit, full)


def test_reading_a_large_conversation_pauses_between_steps_and_gathers_all_of_it() -> None:
    body = cc.sized_main_turn(2_000_000, seed=4)
    reading = Reading()

    pauses = sum(1 for _ in read_in_steps(body, reading))

    assert pauses >= 2_000_000 // STEP_BYTES // 2
    assert reading == read_request(body)


def test_prepare_settles_the_limits_it_is_given_to_the_full_counts_answer() -> None:
    body = cc.sized_main_turn(300_000, seed=5)
    full = count_reading(read_request(body))
    limits = [full - 1, full, 60_000]
    estimate = TokenEstimate(read_request(body), TokenCache())

    asyncio.run(estimate.prepare(limits))

    assert [estimate.exceeds(limit) for limit in limits] == [full > limit for limit in limits]


def test_a_warm_turn_is_answered_from_the_cache_without_counting() -> None:
    cache = TokenCache()
    first = cc.main_turn(messages=cc.conversation(60_000, seed=1))
    TokenEstimate(read_request(first), cache).count()
    entries = len(cache)

    following = cc.main_turn(messages=[*first["messages"], cc.user_turn("and now?")])
    estimate = TokenEstimate(read_request(following), cache)

    assert estimate.exceeds(60_000) is False
    assert len(cache) == entries  # nothing new was counted


def test_the_cache_is_bounded_in_entries() -> None:
    cache = TokenCache(max_entries=10)
    for index in range(50):
        cache.put(f"text {index}", index)

    assert len(cache) == 10
    assert cache.get("text 49") == 49
    assert cache.get("text 0") is None


def test_the_cache_forgets_entries_idle_for_too_long() -> None:
    cache = TokenCache(idle_seconds=0.0)
    cache.put("old", 1)
    cache.put("new", 2)

    assert len(cache) <= 1
    assert cache.get("old") is None


def test_a_sweep_forgets_idle_entries_without_anything_new_being_counted() -> None:
    cache = TokenCache(idle_seconds=0.0)
    cache.put("old", 1)
    cache._swept_at -= 2  # the last sweep was over a second ago

    cache.sweep()

    assert len(cache) == 0

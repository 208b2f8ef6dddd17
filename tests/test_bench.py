"""The benchmark (bench/) runs, and every request it times gets the full count's decision."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import structlog

from ccproxy.config import load_config
from ccproxy.content import read_request
from ccproxy.decider import Decider
from ccproxy.tokens import count_reading

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench
import decision_times
import report
import shapes

TINY = bench.Plan(
    sizes=(("84 KB", 84_000), ("120 KB", 120_000)),
    repeat=3,
    count_repeat=1,
    stall_bytes=150_000,
    stall_rounds=1,
    sessions=2,
    session_bytes=90_000,
    hook_bytes=20_000,
    end_to_end=False,
)


@pytest.fixture(scope="module")
def tiny_summary() -> Iterator[dict[str, Any]]:
    with structlog.testing.capture_logs():  # the hook's log lines stay out of the output
        yield bench.run(TINY)


def test_the_benchmark_measures_every_part_on_tiny_sizes(tiny_summary: dict[str, Any]) -> None:
    sizes = {size["size"]: size for size in tiny_summary["decisions"]}

    assert list(sizes) == ["84 KB", "120 KB"]
    assert sizes["84 KB"]["label"] == "default"
    assert 80_000 < sizes["84 KB"]["body_bytes"] < 90_000
    assert sizes["84 KB"]["cold"]["samples"] == sizes["84 KB"]["warm"]["samples"] == 3
    assert [stall["scenario"] for stall in tiny_summary["loop_stall"]] == [
        "settled by bounds",
        "counted in the pool",
    ]
    assert tiny_summary["cache"]["max_entries"] == 65_536
    assert tiny_summary["hook_warm"]["samples"] == 3
    assert tiny_summary["end_to_end"] is None


def test_the_summary_checks_the_targets_it_measured(tiny_summary: dict[str, Any]) -> None:
    goals = [target["target"] for target in tiny_summary["targets"]]

    assert goals == [
        "decision p50 ≤ 0.2 ms, 84 KB turn, warm",
        "no event-loop stall over 5 ms caused by ccproxy",
        "cache bounded: 65,536 entries at most",
        "idle entries released while nothing new is counted",
    ]


def test_the_tables_show_each_size_and_each_stall_scenario(tiny_summary: dict[str, Any]) -> None:
    tables = report.tables(tiny_summary)

    assert "| 84 KB | 86 KB |" in tables
    assert "| counted in the pool |" in tables
    assert "End to end: not measured" in tables


@cache
def benchmark_turn(size: int) -> dict[str, Any]:
    return shapes.main_turn(size, seed=size)


@cache
def exact_tokens(size: int) -> int:
    return count_reading(read_request(benchmark_turn(size)))


def decider_for(threshold: int | None) -> Decider:
    config = load_config(None)
    if threshold is None:
        return Decider.from_config(config)
    return bench.decider_with_threshold(config, threshold)


def assert_fast_decision_is_the_full_counts(decider: Decider, body: dict[str, Any]) -> None:
    headers = shapes.headers(body)
    fast = decider.decide(body, headers)
    full = decider.decide(body, headers, count_all=True)
    assert (fast.label, fast.route) == (full.label, full.route)


@pytest.mark.parametrize("size", [84_000, 800_000, 3_200_000])
@pytest.mark.parametrize("limit", ["default", "exact - 1", "exact", "pool"])
def test_each_benchmark_turn_cold_and_warm_gets_the_full_counts_decision(
    size: int, limit: str
) -> None:
    thresholds = {
        "default": None,
        "exact - 1": exact_tokens(size) - 1,
        "exact": exact_tokens(size),
        "pool": bench.POOL_THRESHOLD,
    }
    decider = decider_for(thresholds[limit])
    body = benchmark_turn(size)

    assert_fast_decision_is_the_full_counts(decision_times.fresh_decider(decider), body)
    assert_fast_decision_is_the_full_counts(decider, shapes.next_turn(body, seed=size))


def test_the_small_requests_beside_the_large_one_get_the_full_counts_decisions() -> None:
    decider = decider_for(None)
    for index in range(50):
        assert_fast_decision_is_the_full_counts(decider, shapes.small_request(index))

"""The benchmark's JSON summary, its markdown tables, and the issue's targets checked."""

from __future__ import annotations

import dataclasses
from typing import Any

from cache_memory import CacheMemory
from decision_times import SizeResult
from loop_stall import StallResult
from stats import Timing


def summary(
    *,
    machine: dict[str, Any],
    plan: dict[str, Any],
    decisions: list[SizeResult],
    hook: Timing,
    stalls: list[StallResult],
    cache: CacheMemory,
    end_to_end: Any,
) -> dict[str, Any]:
    """Everything measured, as plain JSON values; `targets` says which goals were met."""
    result = {
        "machine": machine,
        "plan": plan,
        "decisions": [_decision(size) for size in decisions],
        "hook_warm": _timing(hook),
        "loop_stall": [_rounded(dataclasses.asdict(stall)) for stall in stalls],
        "cache": dataclasses.asdict(cache),
        "end_to_end": None if end_to_end is None else _end_to_end(end_to_end),
    }
    result["targets"] = targets(result)
    return result


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with what was measured and whether it was met."""
    by_size = {size["size"]: size for size in result["decisions"]}
    found: list[dict[str, Any]] = []

    def target(goal: str, measured: float, met: bool, unit: str = "ms") -> None:
        found.append({"target": goal, "measured": round(measured, 3), "unit": unit, "met": met})

    if "84 KB" in by_size:
        warm = by_size["84 KB"]["warm"]["p50_ms"]
        target("decision p50 ≤ 0.2 ms, 84 KB turn, warm", warm, warm <= 0.2)
    if "3.2 MB" in by_size:
        cold = by_size["3.2 MB"]["cold"]["p50_ms"]
        speedup = by_size["3.2 MB"]["cold_speedup"]
        target("decision p50 ≤ 10 ms, 3.2 MB turn, cold", cold, cold <= 10)
        target("≥ 10x faster than the full count, 3.2 MB, cold", speedup, speedup >= 10, "x")

    step = max(stall["longest_ccproxy_step_ms"] for stall in result["loop_stall"])
    target("no event-loop stall over 5 ms caused by ccproxy", step, step <= 5)

    if result["end_to_end"] is not None:
        added = result["end_to_end"]["added_p50_ms"]
        target("ccproxy adds ≤ 1 ms p50 over bare LiteLLM", added, added <= 1)

    cache = result["cache"]
    megabytes = cache["bytes_at_bound"] / 1e6
    target(f"cache bounded: {cache['max_entries']:,} entries at most", megabytes, True, "MB")
    kept = cache["entries_idle_no_count"]
    target("idle entries released while nothing new is counted", kept, kept == 0, "entries")
    return found


def tables(result: dict[str, Any]) -> str:
    """The summary as markdown tables, for a terminal or the README."""
    return "\n\n".join(
        [
            _decisions_table(result),
            _stall_table(result),
            _cache_table(result),
            _end_to_end_table(result),
            _targets_table(result),
        ]
    )


def _decisions_table(result: dict[str, Any]) -> str:
    rows = [
        [
            size["size"],
            f"{size['body_bytes'] / 1000:,.0f} KB",
            f"{size['tokens']:,}",
            size["label"],
            *_p50_p99(size["cold"]),
            *_p50_p99(size["warm"]),
            _ms(size["full_count"]["p50_ms"]),
            _ms(size["json_count"]["p50_ms"]),
            f"{size['cold_speedup']:,.0f}x",
            f"{size['warm_speedup']:,.0f}x",
        ]
        for size in result["decisions"]
    ]
    hook = result["hook_warm"]
    header = [
        "request", "body", "tokens", "label", "cold p50", "cold p99", "warm p50", "warm p99",
        "full count p50", "tiktoken json.dumps p50", "full ÷ cold", "full ÷ warm",
    ]  # fmt: skip
    note = (
        f"Decision time in ms (`await Decider.adecide`). The whole hook (validation, decision, "
        f"log line) on the 84 KB turn, warm: p50 {_ms(hook['p50_ms'])}, "
        f"p99 {_ms(hook['p99_ms'])} ms."
    )
    return _table(header, rows) + "\n\n" + note


def _stall_table(result: dict[str, Any]) -> str:
    header = [
        "3.2 MB request beside 50 small ones", "longest ccproxy step", "probe max lag",
        "probe p99 lag", "same, no decisions: max", "p99", "3.2 MB decision (wall)",
    ]  # fmt: skip
    rows = [
        [
            stall["scenario"],
            _ms(stall["longest_ccproxy_step_ms"]),
            _ms(stall["max_lag_ms"]),
            _ms(stall["p99_lag_ms"]),
            _ms(stall["baseline_max_lag_ms"]),
            _ms(stall["baseline_p99_lag_ms"]),
            _ms(stall["large_decision_ms"]),
        ]
        for stall in result["loop_stall"]
    ]
    return _table(header, rows) + "\n\nEvent-loop stalls in ms."


def _cache_table(result: dict[str, Any]) -> str:
    cache = result["cache"]
    header = ["token cache", "entries", "memory"]
    rows = [
        [
            f"{cache['sessions']} sessions x 2 turns of {cache['session_bytes'] // 1000} KB",
            f"{cache['entries']:,}",
            f"{cache['cache_bytes'] / 1e6:.2f} MB",
        ],
        ["at its bound", f"{cache['max_entries']:,}", f"{cache['bytes_at_bound'] / 1e6:.2f} MB"],
        [
            "idle, then only requests settled by bounds",
            f"{cache['entries_before_idle']:,} → {cache['entries_idle_no_count']:,}",
            "",
        ],
        ["idle, then one request that counts", f"{cache['entries_idle_after_count']:,}", ""],
    ]
    return _table(header, rows)


def _end_to_end_table(result: dict[str, Any]) -> str:
    end_to_end = result["end_to_end"]
    if end_to_end is None:
        return "End to end: not measured (--no-end-to-end)."
    header = ["proxy (streamed 84 KB turn)", "p50", "p99", "requests/s", "CPU per request"]
    rows = [
        [
            name,
            _ms(proxy["p50_ms"]),
            _ms(proxy["p99_ms"]),
            f"{proxy['requests_per_second']:.1f}",
            "n/a" if proxy["cpu_ms_per_request"] is None else _ms(proxy["cpu_ms_per_request"]),
        ]
        for name, proxy in (
            ("ccproxy start", end_to_end["ccproxy"]),
            ("bare litellm --config", end_to_end["bare"]),
        )
    ]
    added = (
        f"ccproxy adds {end_to_end['added_p50_ms']:+.2f} ms at p50; the median difference "
        f"between back-to-back requests is {end_to_end['paired_added_ms']:+.2f} ms."
    )
    return _table(header, rows) + "\n\nLatency in ms. " + added


def _targets_table(result: dict[str, Any]) -> str:
    rows = [
        [target["target"], f"{target['measured']:,} {target['unit']}", _yes(target["met"])]
        for target in result["targets"]
    ]
    return _table(["target", "measured", "met"], rows)


def _decision(size: SizeResult) -> dict[str, Any]:
    return {
        "size": size.name,
        "body_bytes": size.body_bytes,
        "tokens": size.tokens,
        "label": size.label,
        "cold": _timing(size.cold),
        "warm": _timing(size.warm),
        "full_count": _timing(size.full_count),
        "json_count": _timing(size.json_count),
        "cold_speedup": round(size.cold_speedup, 1),
        "warm_speedup": round(size.warm_speedup, 1),
    }


def _end_to_end(result: Any) -> dict[str, Any]:
    import end_to_end  # noqa: PLC0415 - present only when the proxies ran

    return end_to_end.summary(result)


def _yes(met: bool) -> str:
    return "yes" if met else "NO"


def _timing(timing: Timing) -> dict[str, Any]:
    return _rounded(dataclasses.asdict(timing))


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: round(value, 4) if isinstance(value, float) else value for key, value in values.items()
    }


def _p50_p99(timing: dict[str, Any]) -> list[str]:
    return [_ms(timing["p50_ms"]), _ms(timing["p99_ms"])]


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

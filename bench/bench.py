"""ccproxy's benchmark: decision time, event-loop stalls, cache memory, end-to-end latency.

    .venv/bin/python bench/bench.py            # the full run, about two minutes
    .venv/bin/python bench/bench.py --quick    # fewer samples, about a minute
    .venv/bin/python bench/bench.py --no-end-to-end --json results.json

Prints markdown tables, then one JSON summary line, on stdout; progress goes to stderr. The
machine's load average is part of the summary: other work on the machine shows up as noise,
so compare ratios taken in one run, on a quiet machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

import cache_memory
import decision_times
import loop_stall
import report
import shapes
from ccproxy.config import Config, load_config
from ccproxy.decider import VERIFY_ENV, Decider
from ccproxy.logs import configure_logging
from ccproxy.proxy import OFFLINE_SWITCHES

SIZES = (("84 KB", 84_000), ("800 KB", 800_000), ("3.2 MB", 3_200_000))

# A threshold no 3.2 MB turn settles by bounds, so its tokens are counted in the thread pool.
POOL_THRESHOLD = 1_000_000

Result = TypeVar("Result")


@dataclass(frozen=True)
class Plan:
    """What to measure and how many samples to take."""

    sizes: tuple[tuple[str, int], ...] = SIZES
    repeat: int = 200  # decisions timed per size, cold and warm each
    count_repeat: int = 10  # full counts timed per size
    stall_bytes: int = 3_200_000
    stall_rounds: int = 5
    sessions: int = 100
    session_bytes: int = 200_000
    hook_bytes: int = 84_000
    end_to_end: bool = True
    latency_requests: int = 300  # per proxy
    throughput_requests: int = 200  # per proxy


QUICK = Plan(
    repeat=30,
    count_repeat=3,
    stall_rounds=2,
    sessions=20,
    latency_requests=60,
    throughput_requests=60,
)


def run(plan: Plan, log_dir: Path | None = None) -> dict[str, Any]:
    """Measure everything `plan` asks for; returns the JSON summary."""
    load_before = os.getloadavg()
    config = load_config(None)
    base = Decider.from_config(config)

    decisions = [
        _step(f"decisions {name}", decision_times.measure_size, base, name, size,
              plan.repeat, plan.count_repeat)
        for name, size in plan.sizes
    ]  # fmt: skip
    large = shapes.main_turn(plan.stall_bytes, seed=plan.stall_bytes)
    stalls = [
        _step("loop stall, bounds", loop_stall.measure_stall, "settled by bounds",
              decision_times.fresh_decider(base), large, plan.stall_rounds),
        _step("loop stall, pool", loop_stall.measure_stall, "counted in the pool",
              decider_with_threshold(config, POOL_THRESHOLD), large, plan.stall_rounds),
    ]  # fmt: skip
    cache = _step("cache memory", cache_memory.measure_cache, base, plan.sessions,
                  plan.session_bytes)  # fmt: skip
    hook = _step("hook", _measure_hook, config, plan.hook_bytes, plan.repeat)
    end_to_end = _step("end to end", _measure_end_to_end, plan, log_dir)

    return report.summary(
        machine=_machine(load_before),
        plan=dataclasses.asdict(plan),
        decisions=decisions,
        hook=hook,
        stalls=stalls,
        cache=cache,
        end_to_end=end_to_end,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, about a minute")
    parser.add_argument("--no-end-to-end", action="store_true", help="start no proxies")
    parser.add_argument("--json", type=Path, help="also write the JSON summary to this file")
    parser.add_argument("--logs", type=Path, help="keep the proxies' logs in this directory")
    args = parser.parse_args(argv)

    plan = QUICK if args.quick else Plan()
    if args.no_end_to_end:
        plan = dataclasses.replace(plan, end_to_end=False)
    _prepare_process()

    summary = run(plan, args.logs)
    print(report.tables(summary))
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


def _prepare_process() -> None:
    # A benchmark times decisions, not the suite's double check of each one against a full count.
    os.environ.pop(VERIFY_ENV, None)
    for name, value in OFFLINE_SWITCHES.items():
        os.environ.setdefault(name, value)

    # The hook logs one JSON line per decision, as in production; here the lines go nowhere.
    configure_logging("json", "INFO", stream=open(os.devnull, "w"))  # noqa: SIM115 - for the run


def _measure_hook(config: Config, target_bytes: int, repeat: int) -> Any:
    import hook_time  # noqa: PLC0415 - imports LiteLLM (seconds), only when this part runs

    return hook_time.measure_hook(config, target_bytes, repeat)


def _measure_end_to_end(plan: Plan, log_dir: Path | None) -> Any:
    if not plan.end_to_end:
        return None
    import end_to_end  # noqa: PLC0415 - needs the tests' support package, only for this part

    return end_to_end.measure_end_to_end(plan.latency_requests, plan.throughput_requests, log_dir)


def decider_with_threshold(config: Config, threshold: int) -> Decider:
    """A decider for `config` with the long_context rule's threshold set to `threshold`."""
    raw = dict(config.litellm)
    raw["ccproxy"] = {
        **raw["ccproxy"],
        "rules": [{"long_context": {"threshold": threshold}}, "web_search", "subagent",
                  "background", "think"],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.yaml"
        path.write_text(yaml.safe_dump(raw))
        return Decider.from_config(load_config(path))


def _step(name: str, measure: Callable[..., Result], *args: Any) -> Result:
    print(f"bench: {name}…", file=sys.stderr, flush=True)
    return measure(*args)


def _machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(load, 2) for load in load_before],
        "load_average_after": [round(load, 2) for load in os.getloadavg()],
    }


if __name__ == "__main__":
    sys.exit(main())

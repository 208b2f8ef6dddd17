"""Load: N concurrent streams for T seconds through `ccproxy start` to a fake upstream.

    python bench/load.py --concurrency 100 --duration 60

Each of N workers sends Claude Code main turns back to back until T seconds have
passed, reading every event stream to its end. Every request carries a unique
marker that the fake upstream (a separate process) echoes in its reply, so the
run can tell:

- lost: a request with no complete reply, or one the upstream never saw;
- cut: a stream that ended without `message_stop`, or broke off;
- crossed: a stream carrying another request's marker, or text not its reply;
- duplicated: a request the upstream saw twice (a retry behind the client's back).

It prints a summary and exits 1 when any request was lost, cut, crossed or
duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

import shapes
from stats import percentile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' fake upstream and proxy harness

from tests.support.fake_upstream import Answer, FakeUpstream, Recorded  # noqa: E402
from tests.support.proxy import ProxyProcess  # noqa: E402

BODY_BYTES = 84_000
MARKER_PLACEHOLDER = "@@load-marker@@"
MARKER_PATTERN = re.compile(rb"load-marker-\d+-\d+")
WARMUP_MARKER = "load-marker-0-0"
STREAM_TIMEOUT = 60.0
MAX_FAILURES_SHOWN = 10
CLIENT_KEEPALIVE_S = 2.0

CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929, api_base: "%(base)s",
                     api_key: sk-ant-load-upstream}
  - model_name: haiku
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001, api_base: "%(base)s",
                     api_key: sk-ant-load-upstream}
  - model_name: opus
    litellm_params: {model: anthropic/claude-opus-4-1-20250805, api_base: "%(base)s",
                     api_key: sk-ant-load-upstream}
router_settings:
  # A failed request must show as failed here, not be retried out of sight.
  num_retries: 0
ccproxy:
  routes: {default: sonnet, background: haiku, think: opus}
"""


def reply_text(marker: str) -> str:
    """What the upstream answers to the request carrying ``marker``."""
    return f"reply to {marker} complete"


@dataclass
class LoadReport:
    concurrency: int
    duration_s: float
    sent: int = 0
    complete: int = 0
    failed: Counter[str] = field(default_factory=Counter)  # kind -> requests
    failures: list[dict[str, Any]] = field(default_factory=list)  # the first few
    upstream_seen: int = 0
    duplicated: int = 0
    unseen: int = 0
    latencies: list[float] = field(default_factory=list)  # whole stream, seconds
    first_bytes: list[float] = field(default_factory=list)  # to the first event
    elapsed_s: float = 0.0
    started: float = 0.0  # perf_counter at the start of the load

    @property
    def clean(self) -> bool:
        problems = sum(self.failed.values()) + self.duplicated + self.unseen
        return problems == 0 and self.complete == self.sent > 0

    def fail(self, kind: str, marker: str, started: float, detail: str = "") -> None:
        """Count a failed request; keep the first few, with their times."""
        self.failed[kind] += 1
        if len(self.failures) < MAX_FAILURES_SHOWN:
            at = round(started - self.started, 2) if self.started else None
            self.failures.append({"kind": kind, "marker": marker, "at_s": at, "detail": detail})

    def summary(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "duration_s": self.duration_s,
            "elapsed_s": round(self.elapsed_s, 1),
            "requests": self.sent,
            "complete": self.complete,
            "requests_per_second": round(self.complete / self.elapsed_s, 1),
            "failed": dict(self.failed),
            "first_failures": self.failures,
            "upstream_seen": self.upstream_seen,
            "upstream_duplicates": self.duplicated,
            "never_reached_upstream": self.unseen,
            "stream_ms": _timing(self.latencies),
            "first_event_ms": _timing(self.first_bytes),
            "clean": self.clean,
        }


def run_load(concurrency: int, duration: float, log_dir: Path | None = None) -> LoadReport:
    """Start an upstream and a proxy, run the load, check every request end to end."""
    report = LoadReport(concurrency, duration)
    with ExitStack() as stack:
        logs = log_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        logs.mkdir(parents=True, exist_ok=True)
        upstream = stack.enter_context(_upstream_process())
        proxy = stack.enter_context(_proxy(upstream.base_url, logs))

        url = f"{proxy.base_url}/v1/messages?beta=true"
        markers = asyncio.run(_drive(url, concurrency, duration, report))
        _compare_with_upstream(report, markers, upstream.seen())
    return report


# --- the client ---------------------------------------------------------------


class _Body:
    """A Claude Code main turn, serialized once; each request splices in its marker."""

    def __init__(self) -> None:
        body = shapes.main_turn(BODY_BYTES, seed=7)
        text = {"type": "text", "text": f"please answer {MARKER_PLACEHOLDER} now"}
        body["messages"].append({"role": "user", "content": [text]})
        self.headers = {**shapes.headers(body), "x-api-key": "sk-ant-load-client"}
        prefix, suffix = json.dumps(body).split(MARKER_PLACEHOLDER)
        self._prefix, self._suffix = prefix.encode(), suffix.encode()

    def with_marker(self, marker: str) -> bytes:
        return self._prefix + marker.encode() + self._suffix


async def _drive(url: str, concurrency: int, duration: float, report: LoadReport) -> list[str]:
    body = _Body()
    # Idle connections are dropped well before the server's keep-alive timeout
    # (uvicorn's 5 s): reusing one just as the server closes it fails the request
    # before it reaches ccproxy.
    limits = httpx.Limits(
        max_connections=concurrency,
        max_keepalive_connections=concurrency,
        keepalive_expiry=CLIENT_KEEPALIVE_S,
    )
    markers: list[str] = []

    async with httpx.AsyncClient(timeout=STREAM_TIMEOUT, limits=limits) as client:
        await _one(client, url, body, WARMUP_MARKER, LoadReport(1, 0))  # first-request setup

        start = report.started = time.perf_counter()
        deadline = start + duration

        async def worker(index: int) -> None:
            sequence = 0
            while time.perf_counter() < deadline:
                sequence += 1
                marker = f"load-marker-{index + 1}-{sequence}"
                markers.append(marker)
                await _one(client, url, body, marker, report)

        await asyncio.gather(*(worker(index) for index in range(concurrency)))
        report.elapsed_s = time.perf_counter() - start
    return markers


async def _one(
    client: httpx.AsyncClient, url: str, body: _Body, marker: str, report: LoadReport
) -> None:
    report.sent += 1
    start = time.perf_counter()
    first: float | None = None
    events: list[tuple[str, Any]] = []
    try:
        async with client.stream(
            "POST", url, content=body.with_marker(marker), headers=body.headers
        ) as response:
            if response.status_code != 200:
                await response.aread()
                report.fail(f"status {response.status_code}", marker, start, response.text[:200])
                return
            async for event in _events(response.aiter_lines()):
                first = first if first is not None else time.perf_counter() - start
                events.append(event)
    except httpx.HTTPError as error:
        where = f"after {len(events)} events, {time.perf_counter() - start:.2f} s: {error!r}"
        report.fail(f"cut: {type(error).__name__}", marker, start, where)
        return

    problem = check_stream(events, marker)
    if problem is not None:
        report.fail(problem, marker, start)
        return
    report.complete += 1
    report.latencies.append(time.perf_counter() - start)
    report.first_bytes.append(first or 0.0)


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, Any]]:
    name = ""
    async for line in lines:
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            yield name, json.loads(line.removeprefix("data:").strip())


def check_stream(events: list[tuple[str, Any]], marker: str) -> str | None:
    """What is wrong with a stream that should carry ``reply_text(marker)``."""
    names = [name for name, _ in events]
    if "error" in names:
        return "error event"
    if not names or names[0] != "message_start" or names[-1] != "message_stop":
        return "cut: no message_start or message_stop"

    found = {
        seen.decode()
        for _, data in events
        for seen in MARKER_PATTERN.findall(json.dumps(data).encode())
    }
    if found - {marker}:
        return "crossed: another request's marker"

    text = "".join(
        data["delta"]["text"]
        for name, data in events
        if name == "content_block_delta" and data["delta"].get("type") == "text_delta"
    )
    return None if text == reply_text(marker) else "crossed: text is not this request's reply"


def _compare_with_upstream(report: LoadReport, markers: list[str], seen: Counter[str]) -> None:
    seen.pop(WARMUP_MARKER, None)
    report.upstream_seen = sum(seen.values())
    report.duplicated = sum(count - 1 for count in seen.values() if count > 1)
    report.unseen = sum(1 for marker in markers if marker not in seen)


# --- the fake upstream, in its own process -------------------------------------


class _EchoUpstream(FakeUpstream):
    """Answers each request with its marker; counts markers instead of keeping bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.markers: Counter[str] = Counter()
        self.script("*", _echo)

    def record(self, request: Recorded) -> None:
        found = MARKER_PATTERN.search(request.raw_body)
        with self._lock:
            self.markers[found.group(0).decode() if found else "?"] += 1


def _echo(request: Recorded) -> Answer:
    found = MARKER_PATTERN.search(request.raw_body)
    return Answer.text(reply_text(found.group(0).decode() if found else "?"))


def _serve_upstream(connection: Connection) -> None:
    with _EchoUpstream() as upstream:
        connection.send(upstream.base_url)
        connection.recv()  # asked for the counts: the load is over
        connection.send(dict(upstream.markers))


class _UpstreamProcess:
    def __init__(self, connection: Connection, base_url: str) -> None:
        self._connection = connection
        self.base_url = base_url

    def seen(self) -> Counter[str]:
        self._connection.send("report")
        return Counter(self._connection.recv())


@contextmanager
def _upstream_process() -> Iterator[_UpstreamProcess]:
    # Its own process: serving 100 streams from the client's interpreter would
    # measure the GIL.
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_upstream, args=(theirs,), daemon=True)
    process.start()
    try:
        yield _UpstreamProcess(ours, ours.recv())
    finally:
        process.terminate()
        process.join(10)


@contextmanager
def _proxy(upstream_base: str, logs: Path) -> Iterator[ProxyProcess]:
    config = logs / "load.yaml"
    config.write_text(CONFIG % {"base": upstream_base})
    # The test suite checks each decision against a full count; a load run
    # measures the product.
    env = {"LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"}
    env["CCPROXY_VERIFY_DECISIONS"] = "0"
    with ProxyProcess.ccproxy(["--config", str(config)], logs / "proxy.log", env=env) as proxy:
        yield proxy


def _timing(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {}
    return {
        "p50": round(percentile(seconds, 0.50) * 1e3, 1),
        "p99": round(percentile(seconds, 0.99) * 1e3, 1),
        "max": round(max(seconds) * 1e3, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--concurrency", type=int, default=100, help="concurrent streams")
    parser.add_argument("-t", "--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--logs", type=Path, help="keep the proxy's log in this folder")
    args = parser.parse_args()
    if args.concurrency < 1 or args.duration <= 0:
        parser.error("--concurrency must be at least 1 and --duration above 0")

    report = run_load(args.concurrency, args.duration, args.logs)
    print(json.dumps(report.summary(), indent=2))
    return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end latency through `ccproxy start` and through a bare LiteLLM proxy, side by side.

Both proxies run at once on loopback with the same `model_list` and router settings, in front
of the same fake Anthropic upstream; the bare one has no `ccproxy:` section and no callback.
The client sends a streamed 84 KB Claude Code main turn and reads the whole event stream.
Latency requests alternate between the proxies (ABBA order), so that the machine's drift
weighs on both alike; throughput is measured with concurrent requests, again in ABBA blocks.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import shapes
from stats import Timing, percentile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' fake upstream and proxy harness

from tests.support.fake_upstream import FakeUpstream  # noqa: E402
from tests.support.proxy import ProxyProcess  # noqa: E402

UPSTREAM_KEY = "sk-ant-bench-upstream"
BODY_BYTES = 84_000
WARMUP_REQUESTS = 10
CONCURRENCY = 8

MODELS = """\
x-upstream: &upstream {api_base: "%(base)s", api_key: "%(key)s"}
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929, <<: *upstream}
  - model_name: haiku
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001, <<: *upstream}
  - model_name: opus
    litellm_params: {model: anthropic/claude-opus-4-1-20250805, <<: *upstream}
router_settings:
  num_retries: 0
  # The bare proxy serves Claude Code's model name through this alias; ccproxy routes it.
  model_group_alias: {%(model)s: sonnet}
"""
ROUTES = """\
ccproxy:
  routes: {default: sonnet, background: haiku, think: opus}
"""


@dataclass(frozen=True)
class ProxyResult:
    name: str
    latency: Timing
    requests_per_second: float
    cpu_ms_per_request: float | None  # the proxy process's CPU time, where /proc tells it


@dataclass(frozen=True)
class EndToEnd:
    body_bytes: int
    ccproxy: ProxyResult
    bare: ProxyResult
    paired_added_ms: float  # median of (ccproxy - bare) over back-to-back request pairs

    @property
    def added_p50_ms(self) -> float:
        return self.ccproxy.latency.p50_ms - self.bare.latency.p50_ms


def measure_end_to_end(requests: int, throughput_requests: int, log_dir: Path | None) -> EndToEnd:
    body = shapes.main_turn(BODY_BYTES, seed=BODY_BYTES)
    payload = json.dumps(body).encode()
    headers = {**shapes.headers(body), "x-api-key": "sk-ant-bench-client"}

    with ExitStack() as stack:
        logs = log_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        logs.mkdir(parents=True, exist_ok=True)
        upstream = stack.enter_context(FakeUpstream())
        proxies = stack.enter_context(_both_proxies(upstream.base_url, logs))
        urls = {name: f"{proxy.base_url}/v1/messages?beta=true" for name, proxy in proxies.items()}

        with httpx.Client(timeout=60) as client:
            for url in urls.values():
                for _ in range(WARMUP_REQUESTS):
                    _send(client, url, payload, headers)
            cpu_before = {name: _cpu_seconds(proxy) for name, proxy in proxies.items()}
            latencies = _latencies(client, urls, payload, headers, requests)
            cpu = {
                name: _per_request(proxy, cpu_before[name], requests)
                for name, proxy in proxies.items()
            }
        rates = {name: 0.0 for name in urls}
        for name in ("ccproxy", "bare", "bare", "ccproxy"):
            block = _requests_per_second(urls[name], payload, headers, throughput_requests // 2)
            rates[name] += asyncio.run(block) / 2

    def result(name: str) -> ProxyResult:
        return ProxyResult(name, Timing.of(latencies[name]), rates[name], cpu[name])

    pairs = zip(latencies["ccproxy"], latencies["bare"], strict=True)
    paired = percentile([ours - bare for ours, bare in pairs], 0.5) * 1e3
    return EndToEnd(len(payload), result("ccproxy"), result("bare"), paired_added_ms=paired)


@contextmanager
def _both_proxies(upstream_base: str, logs: Path) -> Iterator[dict[str, ProxyProcess]]:
    models = MODELS % {"base": upstream_base, "key": UPSTREAM_KEY, "model": shapes.MODEL}
    bare_config = logs / "bare.yaml"
    bare_config.write_text(models)
    ccproxy_config = logs / "ccproxy.yaml"
    ccproxy_config.write_text(models + ROUTES)

    env = {"LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"}
    ccproxy = ProxyProcess.ccproxy(
        ["--config", str(ccproxy_config)], log_path=logs / "ccproxy.log", env=env
    )
    bare = ProxyProcess.litellm(bare_config, log_path=logs / "bare.log", env=env)
    with ccproxy, bare:
        yield {"ccproxy": ccproxy, "bare": bare}


def _latencies(
    client: httpx.Client,
    urls: dict[str, str],
    payload: bytes,
    headers: dict[str, str],
    requests: int,
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in urls}
    for index in range(requests):
        order = ("ccproxy", "bare") if index % 2 == 0 else ("bare", "ccproxy")
        for name in order:
            samples[name].append(_send(client, urls[name], payload, headers))
    return samples


def _cpu_seconds(proxy: ProxyProcess) -> float | None:
    """User plus system CPU time of the proxy's process so far, on Linux; None elsewhere."""
    pid = proxy.pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


def _per_request(proxy: ProxyProcess, before: float | None, requests: int) -> float | None:
    after = _cpu_seconds(proxy)
    if before is None or after is None:
        return None
    return (after - before) / requests * 1e3


def _send(client: httpx.Client, url: str, payload: bytes, headers: dict[str, str]) -> float:
    start = time.perf_counter()
    with client.stream("POST", url, content=payload, headers=headers) as response:
        for _ in response.iter_bytes():
            pass
    elapsed = time.perf_counter() - start
    _check(response)
    return elapsed


async def _requests_per_second(
    url: str, payload: bytes, headers: dict[str, str], requests: int
) -> float:
    slots = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY)

    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one() -> None:
            async with slots:
                response = await client.post(url, content=payload, headers=headers)
                _check(response)

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return requests / (time.perf_counter() - start)


def _check(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.url} answered {response.status_code}; expected 200")


def summary(result: EndToEnd) -> dict[str, Any]:
    return {
        "body_bytes": result.body_bytes,
        "added_p50_ms": round(result.added_p50_ms, 3),
        "paired_added_ms": round(result.paired_added_ms, 3),
        **{
            proxy.name: {
                "p50_ms": round(proxy.latency.p50_ms, 3),
                "p99_ms": round(proxy.latency.p99_ms, 3),
                "requests_per_second": round(proxy.requests_per_second, 1),
                "cpu_ms_per_request": None
                if proxy.cpu_ms_per_request is None
                else round(proxy.cpu_ms_per_request, 2),
                "samples": proxy.latency.samples,
            }
            for proxy in (result.ccproxy, result.bare)
        },
    }

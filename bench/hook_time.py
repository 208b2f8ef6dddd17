"""How long ccproxy's whole pre-call hook takes in process: validation, decision, log line.

The end-to-end comparison measures the same thing through two proxies, where the machine's
noise is several milliseconds; this is the hook alone, on the data LiteLLM hands it for
`/v1/messages`. The caller configures logging (the benchmark renders JSON to /dev/null).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import shapes
from ccproxy.config import Config
from ccproxy.handler import CCProxyHandler
from stats import Timing

CALL_TYPE = "anthropic_messages"


def measure_hook(config: Config, target_bytes: int, repeat: int) -> Timing:
    """The hook's time on a session's next turn (warm), once the previous turn was routed."""
    body = shapes.main_turn(target_bytes, seed=target_bytes)
    following = shapes.next_turn(body, seed=target_bytes)
    handler = CCProxyHandler(config)
    return Timing.of(asyncio.run(_time_hook(handler, body, following, repeat)))


async def _time_hook(
    handler: CCProxyHandler, previous: dict[str, Any], following: dict[str, Any], repeat: int
) -> list[float]:
    await handler.async_pre_call_hook(None, None, _as_litellm_data(previous), CALL_TYPE)
    samples = []
    for _ in range(repeat):
        data = _as_litellm_data(following)
        start = time.perf_counter()
        await handler.async_pre_call_hook(None, None, data, CALL_TYPE)
        samples.append(time.perf_counter() - start)
    return samples


def _as_litellm_data(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the proxy passes it to the hook: plus the request's headers and an id."""
    return {
        **body,
        "litellm_call_id": str(uuid.uuid4()),
        "litellm_metadata": {},
        "proxy_server_request": {"headers": shapes.headers(body)},
    }

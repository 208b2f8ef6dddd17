"""Run a real LiteLLM proxy (``ccproxy start`` or ``litellm --config``) as a subprocess.

    with ProxyProcess.ccproxy(["--config", str(path)], log_path=tmp / "proxy.log") as proxy:
        httpx.post(f"{proxy.base_url}/v1/messages", json=...)
        assert "routing.decision" in proxy.log_text()

The process listens on a free 127.0.0.1 port, gets the offline LiteLLM environment
(:func:`offline_env`), and writes its stdout and stderr to ``log_path``. It is ready once
``/health/liveliness`` answers; stopping sends SIGINT, then SIGKILL if it lingers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Self

import httpx

BIN = Path(sys.executable).parent
START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
RECORD_TIMEOUT = 15.0

# PRODUCT.md's minimal config: three Anthropic routes, upstream and key from the environment.
MINIMAL_CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params:
      model: anthropic/claude-sonnet-4-5-20250929
      api_base: os.environ/UPSTREAM_BASE
      api_key: os.environ/UPSTREAM_KEY
  - model_name: haiku
    litellm_params:
      model: anthropic/claude-haiku-4-5-20251001
      api_base: os.environ/UPSTREAM_BASE
      api_key: os.environ/UPSTREAM_KEY
  - model_name: opus
    litellm_params:
      model: anthropic/claude-opus-4-1-20250805
      api_base: os.environ/UPSTREAM_BASE
      api_key: os.environ/UPSTREAM_KEY
ccproxy:
  routes:
    default: sonnet
    background: haiku
    think: opus
"""

# Every label on its own model_list entry, so the upstream's record shows which label a
# request carried. The long_context threshold is low so that a test body can cross it.
ROUTING_CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929, api_base: *base, api_key: *key}
  - model_name: haiku
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001, api_base: *base, api_key: *key}
  - model_name: opus
    litellm_params: {model: anthropic/claude-opus-4-8, api_base: *base, api_key: *key}
  - model_name: long
    litellm_params: {model: anthropic/claude-sonnet-4-6, api_base: *base, api_key: *key}
  - model_name: search
    litellm_params: {model: anthropic/claude-sonnet-5, api_base: *base, api_key: *key}
  - model_name: agent
    litellm_params: {model: anthropic/claude-haiku-4-5, api_base: *base, api_key: *key}
litellm_settings:
  callbacks: [ccproxy.handler.proxy_handler_instance]
router_settings:
  num_retries: 0
  disable_cooldowns: true
  # /v1/messages/count_tokens never reaches the handler: map Claude Code's names.
  model_group_alias:
    claude-opus-4-8: opus
    claude-sonnet-4-5-20250929: sonnet
    claude-haiku-4-5-20251001: haiku
ccproxy:
  rules: [{long_context: {threshold: 5000}}, web_search, subagent, background, think]
  routes:
    default: sonnet
    background: haiku
    think: opus
    long_context: long
    web_search: search
    subagent: agent
"""

# The upstream model each label reaches under ROUTING_CONFIG.
ROUTED_MODELS = {
    "default": "claude-sonnet-4-5-20250929",
    "background": "claude-haiku-4-5-20251001",
    "think": "claude-opus-4-8",
    "long_context": "claude-sonnet-4-6",
    "web_search": "claude-sonnet-5",
    "subagent": "claude-haiku-4-5",
}


def config_file(directory: Path, text: str, name: str = "config.yaml") -> Path:
    """Write ``text`` as a config, with the YAML anchors ``*base`` and ``*key`` defined.

    ``*base`` is ``os.environ/UPSTREAM_BASE`` and ``*key`` is ``os.environ/UPSTREAM_KEY``.
    """
    anchors = "x-env: [&base os.environ/UPSTREAM_BASE, &key os.environ/UPSTREAM_KEY]\n"
    path = directory / name
    path.write_text(anchors + text if "*base" in text else text)
    return path


def tokenizer_dir() -> str:
    """LiteLLM's bundled tiktoken files, so nothing is fetched at first use."""
    spec = importlib.util.find_spec("litellm")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise RuntimeError("litellm is not installed in this environment")
    return str(Path(spec.origin).parent / "litellm_core_utils" / "tokenizers")


def offline_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment plus LiteLLM's offline switches, then ``extra``."""
    env = dict(os.environ)
    # A developer's own ccproxy config or proxy key must not leak into the proxies started.
    env.pop("CCPROXY_CONFIG", None)
    env.pop("LITELLM_MASTER_KEY", None)
    env.update(
        LITELLM_OFFLINE_MODE="true",
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS="True",
        LITELLM_DISABLE_LATEST_RELEASE_CHECK="true",
        TIKTOKEN_CACHE_DIR=tokenizer_dir(),
        NO_COLOR="1",
    )
    env.update(extra or {})
    return env


def _json_object(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ProxyProcess:
    """One proxy subprocess; use as a context manager or call :meth:`stop`."""

    def __init__(
        self,
        argv: Sequence[str],
        port: int,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.port = port
        self.log_path = log_path
        self.env = offline_env(env)
        self.cwd = cwd
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def ccproxy(cls, args: Sequence[str], log_path: Path, **kwargs: object) -> ProxyProcess:
        """``ccproxy start ARGS --port P`` (the host is the command's own default)."""
        port = free_port()
        argv = [str(BIN / "ccproxy"), "start", *args, "--port", str(port)]
        return cls(argv, port, log_path, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def litellm(cls, config: Path, log_path: Path, **kwargs: object) -> ProxyProcess:
        """``litellm --config CONFIG --host 127.0.0.1 --port P``."""
        port = free_port()
        argv = [str(BIN / "litellm"), "--config", str(config), "--host", "127.0.0.1"]
        argv += ["--port", str(port)]
        return cls(argv, port, log_path, **kwargs)  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The proxy process's id, once started."""
        return None if self._process is None else self._process.pid

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start the process and wait until it answers ``/health/liveliness``."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_live(timeout)
        return self

    def stop(self) -> int | None:
        """Interrupt the process (then kill it if it lingers); returns its exit code."""
        process = self._process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_TIMEOUT)
        if self._log is not None:
            self._log.close()
        return None if process is None else process.returncode

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_text(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[str]:
        return self.log_text().splitlines()

    def wait_for_line(self, line: str, timeout: float = RECORD_TIMEOUT) -> bool:
        """Wait until the process has printed ``line``; False if it did not in time."""
        deadline = time.monotonic() + timeout
        while line not in self.log_lines():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def records(self, **match: object) -> list[dict[str, Any]]:
        """ccproxy's JSON log lines (those with an ``event``) whose fields equal ``match``."""
        found = []
        for line in self.log_lines():
            record = _json_object(line)
            if record is None or "event" not in record:
                continue
            if all(record.get(key) == value for key, value in match.items()):
                found.append(record)
        return found

    def wait_for_records(
        self, count: int = 1, timeout: float = RECORD_TIMEOUT, **match: object
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` records match (outcome events arrive after the reply)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.records(**match)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def _wait_until_live(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.returncode is not None:
                raise RuntimeError(self._failure(f"exited with code {self.returncode}"))
            try:
                if httpx.get(f"{self.base_url}/health/liveliness", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(self._failure(f"not live after {timeout:.0f} s"))

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.log_lines()[-40:])
        return f"proxy {' '.join(self.argv)} {what}; last log lines:\n{tail}"

"""The real Claude Code CLI for end-to-end tests: installed with npm, run in a sealed environment.

    claude = install()                       # cached under .cache/claude-code/<VERSION>
    env = sealed_env(tmp_path)               # no user settings, no traffic but the proxy's
    subprocess.run([str(claude), "-p", "hi"], env=env, cwd=tmp_path)

The npm package installs a native binary through an optional dependency (one per platform);
its postinstall script puts that binary behind `node_modules/.bin/claude`. Installs go to a
temporary folder first and are renamed into place, so an interrupted one is never used.
Set CCPROXY_TEST_CACHE to keep the cache elsewhere (CI caches that folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.support.proxy import free_port

PACKAGE = "@anthropic-ai/claude-code"
# The newest release when the suite was written; the captures in PRODUCT.md are from 2.1.197,
# whose requests have the same shape for everything ccproxy routes on. CCPROXY_CLAUDE_CODE_VERSION
# runs the suite against another release.
VERSION = os.environ.get("CCPROXY_CLAUDE_CODE_VERSION", "2.1.332")

CACHE_ENV = "CCPROXY_TEST_CACHE"
REPO_CACHE = Path(__file__).resolve().parents[2] / ".cache"
INSTALL_TIMEOUT = 600.0

# A key Claude Code accepts without a login; only ever sent to the local proxy.
DUMMY_API_KEY = "sk-ant-api03-ccproxy-e2e-dummy-key-000000000000"

# Switches that keep Claude Code from phoning home and from changing under the test: no
# telemetry, error reports, update checks or remote feature flags.
QUIET_SWITCHES = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_GROWTHBOOK": "1",
    "CLAUDE_CODE_DISABLE_FEATURE_FLAGS": "1",
}

# In `-p` mode Claude Code titles the session only when an Agent SDK drives it. The test wants
# that chore, so it says it is one. (CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC would turn the
# chore off too, which is why it is not among the switches above.)
TITLE_CHORE_SWITCH = {"CLAUDE_AGENT_SDK_VERSION": "0.0.0-ccproxy-e2e"}

# What the user's own environment must not leak into the test: credentials, model and
# provider choices, another proxy.
LEAKY_PREFIXES = ("ANTHROPIC_", "CLAUDE_", "AWS_", "GOOGLE_", "VERTEX_", "OTEL_")


def npm_path() -> str | None:
    return shutil.which("npm")


def install(version: str = VERSION) -> Path:
    """The `claude` executable of `version`, installed first if the cache lacks it."""
    prefix = _cache_root() / "claude-code" / version
    executable = prefix / "node_modules" / ".bin" / "claude"
    if _reports_version(executable, version):
        return executable

    with _install_lock(prefix.parent):
        if not _reports_version(executable, version):
            _npm_install(version, prefix)
    if not _reports_version(executable, version):
        raise RuntimeError(f"{executable} does not run as Claude Code {version} after install")
    return executable


def sealed_env(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for `claude` with its own home and config, and no way out but the proxy.

    Requests to anything but loopback go to a proxy address where nothing listens, so they
    fail at once (one request to api.anthropic.com is still attempted with a dummy key).
    """
    env = {
        name: value
        for name, value in (base if base is not None else os.environ).items()
        if not name.startswith(LEAKY_PREFIXES) and name.lower() not in _PROXY_VARIABLES
    }
    config_dir = home / ".claude"
    config_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        CLAUDE_CONFIG_DIR=str(config_dir),
        ANTHROPIC_API_KEY=DUMMY_API_KEY,
        HTTPS_PROXY=f"http://127.0.0.1:{free_port()}",  # free: nobody listens there
        NO_PROXY="127.0.0.1,localhost,::1",
        **QUIET_SWITCHES,
        **TITLE_CHORE_SWITCH,
    )
    return env


_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def _cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else REPO_CACHE


def _reports_version(executable: Path, version: str) -> bool:
    if not executable.exists():
        return False
    try:
        result = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.startswith(version)


@contextlib.contextmanager
def _install_lock(folder: Path) -> Iterator[None]:
    """One install at a time, across test processes sharing the cache."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm_install(version: str, prefix: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=prefix.parent))
    argv = [npm_path() or "npm", "install", "--prefix", str(staging), "--no-audit", "--no-fund"]
    argv += ["--no-update-notifier", f"{PACKAGE}@{version}"]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr}")

    shutil.rmtree(prefix, ignore_errors=True)
    staging.rename(prefix)

"""What ``ccproxy start`` runs: the LiteLLM proxy, in this process, with ccproxy's handler.

Before LiteLLM is imported it sets LiteLLM's offline switches and a longer keep-alive (unless
the user set them), the upstream base of the built-in default, and the config path the
handler reads. It binds to loopback unless a proxy key is configured, and refuses any other
address without one. With no proxy key, clients need none either: their own ``x-api-key`` or
OAuth bearer goes to the Anthropic routes that have no key of their own, which LiteLLM
forwards only when a request names its proxy key separately, so when there are such routes,
requests are marked as carrying an empty proxy key (:class:`OpenProxyAuth`). Once it
serves, LiteLLM's own log lines lose their text, which can quote requests
(:mod:`ccproxy.litellm_logs`), and every routed response names its label
(:mod:`ccproxy.route_header`).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from ccproxy.config import HANDLER_PATH, Config, load_config
from ccproxy.credentials import client_credential_routes
from ccproxy.errors import CCProxyError
from ccproxy.litellm_logs import WithheldWhileServing, withhold_litellm_text
from ccproxy.logs import configure_logging
from ccproxy.route_header import RouteHeaderMiddleware

DEFAULT_UPSTREAM_BASE = "https://api.anthropic.com"
UPSTREAM_BASE_ENV = "CCPROXY_UPSTREAM_BASE"

# LiteLLM fetches its cost map, beta-header table and release notes at import, and tiktoken
# its BPE files at first use; offline, each costs seconds of timeouts.
OFFLINE_SWITCHES = {
    "LITELLM_OFFLINE_MODE": "true",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_DISABLE_LATEST_RELEASE_CHECK": "true",
}
PERMIT_NO_KEY_ENV = "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"

# LiteLLM's run_server reads uvicorn's keep-alive from this variable (its --keepalive_timeout).
# Uvicorn's own default closes a connection idle for 5 s, racing clients that reuse it just
# then: their request dies with a read error before reaching the proxy. HTTP clients keep
# idle connections for longer, so the server holds them longer still.
KEEPALIVE_ENV = "KEEPALIVE_TIMEOUT"
DEFAULT_KEEPALIVE_SECONDS = "75"

PROXY_KEY_HEADER = b"x-litellm-api-key"

READY_TIMEOUT = 300.0

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def start(config_path: Path | None, host: str, port: int) -> int:
    """Serve until interrupted; returns the exit code: 1 for a bad config, 2 for a refused bind."""
    try:
        config = load_config(config_path)
        check_upstream_base()
    except CCProxyError as error:
        print(f"ccproxy: {error}", file=sys.stderr)
        return 1
    proxy_key = configured_proxy_key(config)
    try:
        check_bind(host, proxy_key)
    except CCProxyError as error:
        print(f"ccproxy: {error}", file=sys.stderr)
        return 2

    prepare_environment(config, proxy_key)
    configure_logging(config.settings.log.format, config.settings.log.level)
    # Only a route that takes the client's key needs it marked; elsewhere the mark costs
    # LiteLLM's credential-forwarding work on every request for nothing.
    forwards = bool(client_credential_routes(config.litellm.get("model_list")))
    return _run_litellm(config, host, port, open_auth=proxy_key is None and forwards)


def configured_proxy_key(config: Config) -> str | None:
    """The proxy key clients must present: general_settings.master_key or LITELLM_MASTER_KEY."""
    general = config.litellm.get("general_settings") or {}
    key = general.get("master_key") if isinstance(general, dict) else None
    if isinstance(key, str) and key.startswith("os.environ/"):
        key = os.environ.get(key.removeprefix("os.environ/"))
    if not key:
        key = os.environ.get("LITELLM_MASTER_KEY")
    return str(key) if key else None


def check_bind(host: str, proxy_key: str | None) -> None:
    """Refuse to listen beyond loopback when nothing stops other machines from using the proxy."""
    if proxy_key is None and not is_loopback(host):
        expected = "a loopback address such as 127.0.0.1, or a proxy key in "
        expected += "general_settings.master_key or LITELLM_MASTER_KEY"
        raise CCProxyError(f"--host: got {host!r} with no proxy key; expected {expected}")


def check_upstream_base() -> None:
    """Refuse an upstream base that LiteLLM would only fail on, request after request."""
    base = os.environ.get(UPSTREAM_BASE_ENV)
    if base is not None and not base.startswith(("http://", "https://")):
        expected = "a URL starting with http:// or https://"
        raise CCProxyError(f"{UPSTREAM_BASE_ENV}: got {base!r}; expected {expected}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def prepare_environment(config: Config, proxy_key: str | None) -> None:
    """Set what LiteLLM reads at import; a variable the user set is left alone."""
    for name, value in OFFLINE_SWITCHES.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", _bundled_tokenizers())
    os.environ.setdefault(UPSTREAM_BASE_ENV, DEFAULT_UPSTREAM_BASE)
    os.environ.setdefault(KEEPALIVE_ENV, DEFAULT_KEEPALIVE_SECONDS)
    os.environ["CCPROXY_CONFIG"] = str(config.path.resolve())
    if proxy_key is None:
        os.environ.setdefault(PERMIT_NO_KEY_ENV, "true")


class OpenProxyAuth:
    """Marks each request as authenticated to the proxy through ``x-litellm-api-key``.

    Used only when no proxy key is configured, where LiteLLM accepts any key. LiteLLM
    forwards the client's ``x-api-key`` or Anthropic OAuth bearer upstream only when the
    proxy key arrives in another header; without this, a plain Claude Code request to a
    keyless built-in route would reach Anthropic with no credential at all.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = list(scope.get("headers", []))
            if not any(name.lower() == PROXY_KEY_HEADER for name, _ in headers):
                scope = {**scope, "headers": [*headers, (PROXY_KEY_HEADER, b"none")]}
        await self.app(scope, receive, send)


def _run_litellm(config: Config, host: str, port: int, open_auth: bool) -> int:
    # Imported here: LiteLLM reads the environment prepared above when it is first imported.
    import litellm  # noqa: PLC0415
    from litellm.proxy.proxy_cli import run_server  # noqa: PLC0415
    from litellm.proxy.proxy_server import app  # noqa: PLC0415

    from ccproxy.handler import proxy_handler_instance  # noqa: PLC0415

    withheld = withhold_litellm_text()
    _announce_when_ready(host, port, on_ready=lambda: _set_serving(withheld))
    proxy_handler_instance.configure(config)
    if HANDLER_PATH not in config.callbacks:
        litellm.logging_callback_manager.add_litellm_callback(proxy_handler_instance)
    app.add_middleware(RouteHeaderMiddleware)
    if open_auth:
        app.add_middleware(OpenProxyAuth)

    argv = ["--config", str(config.path), "--host", host, "--port", str(port)]
    try:
        run_server.main(args=argv, prog_name="ccproxy start", standalone_mode=False)
    except KeyboardInterrupt:
        return 0
    except SystemExit as stop:
        # Ours are 0, 1 and 2: whatever else LiteLLM or uvicorn exits with (3 for a port in
        # use) is a failed operation.
        return 0 if stop.code in (0, None) else 1
    return 0


def _bundled_tokenizers() -> str:
    spec = importlib.util.find_spec("litellm")  # finds the package without importing it
    if spec is None or spec.origin is None:
        return ""
    return str(Path(spec.origin).parent / "litellm_core_utils" / "tokenizers")


def _set_serving(filters: list[WithheldWhileServing]) -> None:
    for withheld in filters:
        withheld.serving = True


def _announce_when_ready(host: str, port: int, on_ready: Callable[[], None]) -> None:
    """Print the address on stdout once the proxy answers, from a watcher thread."""
    probe_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    url = f"http://{_url_host(host)}:{port}"
    probe = f"http://{_url_host(probe_host)}:{port}/health/liveliness"

    # The probe goes straight to the proxy, whatever HTTP_PROXY says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def watch() -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with opener.open(probe, timeout=2) as response:
                    if response.status == 200:
                        on_ready()
                        print(f"ccproxy listening on {url}", flush=True)
                        return
            except OSError:
                time.sleep(0.2)

    threading.Thread(target=watch, name="ccproxy-ready", daemon=True).start()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

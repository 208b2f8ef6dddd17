"""`ccproxy start`: the built-in default on loopback, the switches it sets, what it refuses;
and how a config names the handler (`litellm --config` too)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccproxy import proxy
from ccproxy.config import load_config

from tests.support.fake_upstream import Answer, FakeUpstream
from tests.support.proxy import BIN, MINIMAL_CONFIG, ProxyProcess, config_file, offline_env

BILLING = "x-anthropic-billing-header: cc_version=2.1.197.abc; cc_entrypoint=cli;"
CLIENT_KEY = "sk-ant-api03-client-own-key"
OAUTH_TOKEN = "sk-ant-oat01-client-subscription"
REFUSAL_TIMEOUT = 60
# Longer than uvicorn's default keep-alive (5 s), far shorter than ccproxy's (75 s).
IDLE_SECONDS = 6.5


def claude_code_turn(**changes: Any) -> dict[str, Any]:
    body = {
        "model": "claude-opus-4-8",
        "max_tokens": 64000,
        "stream": True,
        "system": [{"type": "text", "text": BILLING}, {"type": "text", "text": "You are Claude."}],
        "tools": [{"name": "Read", "description": "Read", "input_schema": {"type": "object"}}],
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "metadata": {"user_id": '{"session_id": "3f1c"}'},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    return body | changes


def claude_code_headers(credential: dict[str, str]) -> dict[str, str]:
    return {
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        "user-agent": "claude-cli/2.1.197 (external, cli)",
        "x-app": "cli",
        **credential,
    }


@pytest.fixture(scope="module")
def default_proxy(
    upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyProcess]:
    """`ccproxy start` with no config and no host; ANTHROPIC_BASE_URL points at a decoy."""
    directory = tmp_path_factory.mktemp("default")
    env = {"CCPROXY_UPSTREAM_BASE": upstream.base_url, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    with ProxyProcess.ccproxy([], directory / "proxy.log", env=env) as started:
        yield started


def test_it_says_where_it_listens_with_an_http_proxy_in_the_environment(tmp_path: Path) -> None:
    """The readiness probe goes straight to the proxy, not through HTTP_PROXY."""
    env = {"HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    with ProxyProcess.ccproxy([], tmp_path / "proxy.log", env=env) as started:
        assert started.wait_for_line(f"ccproxy listening on http://127.0.0.1:{started.port}")


class TestBuiltInDefault:
    def test_it_says_where_it_listens_once_ready_and_that_is_loopback(
        self, default_proxy: ProxyProcess
    ) -> None:
        expected = f"ccproxy listening on http://127.0.0.1:{default_proxy.port}"

        assert default_proxy.wait_for_line(expected)
        assert (
            f"Uvicorn running on http://127.0.0.1:{default_proxy.port}" in default_proxy.log_text()
        )

    def test_a_connection_idle_for_longer_than_uvicorns_default_keep_alive_still_serves(
        self, default_proxy: ProxyProcess
    ) -> None:
        """Uvicorn closes idle connections after 5 s, racing clients that reuse one then."""
        request = b"GET /health/liveliness HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

        with socket.create_connection(("127.0.0.1", default_proxy.port), timeout=30) as conn:
            conn.sendall(request)
            first = read_http_response(conn)
            time.sleep(IDLE_SECONDS)
            conn.sendall(request)
            second = read_http_response(conn)

        assert first.startswith(b"HTTP/1.1 200")
        assert second.startswith(b"HTTP/1.1 200")

    @pytest.mark.parametrize(
        ("credential", "forwarded"),
        [
            ({"x-api-key": CLIENT_KEY}, ("x-api-key", CLIENT_KEY)),
            (
                {"authorization": f"Bearer {OAUTH_TOKEN}"},
                ("authorization", f"Bearer {OAUTH_TOKEN}"),
            ),
        ],
        ids=["api-key", "oauth"],
    )
    def test_a_claude_code_turn_reaches_the_upstream_from_the_environment_with_its_own_key(
        self,
        default_proxy: ProxyProcess,
        fresh_upstream: FakeUpstream,
        credential: dict[str, str],
        forwarded: tuple[str, str],
    ) -> None:
        """No proxy key needed on loopback; the client's key or token goes to Anthropic."""
        response = httpx.post(
            f"{default_proxy.base_url}/v1/messages?beta=true",
            json=claude_code_turn(),
            headers=claude_code_headers(credential),
            timeout=60,
        )

        assert response.status_code == 200, response.text
        assert response.headers["x-ccproxy-route"] == "default"
        assert "event: message_stop" in response.text
        [sent] = fresh_upstream.messages()
        assert sent.model == "claude-sonnet-4-5-20250929"
        header, value = forwarded
        assert sent.headers[header] == value
        assert "x-litellm-api-key" not in sent.headers

    @pytest.mark.parametrize(
        ("changes", "label", "model"),
        [
            (
                {"tools": [], "thinking": {"type": "disabled"}},
                "background",
                "claude-haiku-4-5-20251001",
            ),
            (
                {"thinking": {"type": "enabled", "budget_tokens": 31999}},
                "think",
                "claude-opus-4-1-20250805",
            ),
        ],
        ids=["chore-on-haiku", "think-on-opus"],
    )
    def test_chores_go_to_haiku_and_thinking_to_opus(
        self,
        default_proxy: ProxyProcess,
        fresh_upstream: FakeUpstream,
        changes: dict[str, Any],
        label: str,
        model: str,
    ) -> None:
        response = httpx.post(
            f"{default_proxy.base_url}/v1/messages?beta=true",
            json=claude_code_turn(**changes),
            headers=claude_code_headers({"x-api-key": CLIENT_KEY}),
            timeout=60,
        )

        assert response.status_code == 200, response.text
        assert response.headers["x-ccproxy-route"] == label
        [sent] = fresh_upstream.messages()
        assert sent.model == model
        # The client's own thinking reaches the model: off, or with the budget it gave.
        assert sent.body.get("thinking", {"type": "disabled"}) == changes.get(
            "thinking", {"type": "disabled"}
        )

    @pytest.mark.parametrize(
        "failure",
        [None, Answer.error(401, "invalid x-api-key")],
        ids=["no-key", "upstream-401"],
    )
    def test_one_clients_failing_credential_leaves_the_route_open_to_the_others(
        self, default_proxy: ProxyProcess, fresh_upstream: FakeUpstream, failure: Answer | None
    ) -> None:
        """Each client brings its own key: its failure says nothing about the route's health."""
        url = f"{default_proxy.base_url}/v1/messages?beta=true"
        credential = {} if failure is None else {"x-api-key": "sk-ant-api03-someone-else"}
        if failure is not None:
            fresh_upstream.script("*", failure, times=1)

        refused = httpx.post(
            url, json=claude_code_turn(), headers=claude_code_headers(credential), timeout=60
        )
        served = httpx.post(
            url,
            json=claude_code_turn(),
            headers=claude_code_headers({"x-api-key": CLIENT_KEY}),
            timeout=60,
        )

        assert refused.status_code == 401, refused.text
        assert refused.json()["type"] == "error"
        assert served.status_code == 200, served.text

    @pytest.mark.parametrize("model", ["claude-opus-4-8", "claude-haiku-4-5-20251001"])
    def test_count_tokens_answers_for_claude_code_model_names(
        self, default_proxy: ProxyProcess, model: str
    ) -> None:
        body = {"model": model, "messages": [{"role": "user", "content": "hello there"}]}

        response = httpx.post(
            f"{default_proxy.base_url}/v1/messages/count_tokens?beta=true",
            json=body,
            headers=claude_code_headers({"x-api-key": CLIENT_KEY}),
            timeout=60,
        )

        assert response.status_code == 200, response.text
        assert response.json()["input_tokens"] > 0


def read_http_response(conn: socket.socket) -> bytes:
    """One HTTP/1.1 response with a content-length, read whole; b"" if the server hung up."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(65536)
        if not chunk:
            return received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def run_ccproxy_start(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ccproxy"), "start", *args],
        env=offline_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=REFUSAL_TIMEOUT,
        check=False,
    )


class TestRefusals:
    def test_binding_beyond_loopback_without_a_proxy_key_is_refused(self) -> None:
        result = run_ccproxy_start("--host", "0.0.0.0", "--port", "4999")

        assert result.returncode == 2
        assert "--host: got '0.0.0.0' with no proxy key" in result.stderr
        assert "listening" not in result.stdout

    def test_a_port_in_use_is_a_failed_start(self) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            result = run_ccproxy_start("--port", str(taken.getsockname()[1]))

        assert result.returncode == 1
        assert "listening" not in result.stdout

    def test_a_port_out_of_range_is_a_bad_invocation(self) -> None:
        result = run_ccproxy_start("--port", "99999")

        assert result.returncode == 2
        assert "'--port': 99999 is not in the range 1<=x<=65535" in result.stderr

    def test_an_upstream_base_without_a_scheme_is_refused(self) -> None:
        result = run_ccproxy_start(env={"CCPROXY_UPSTREAM_BASE": "127.0.0.1:8080"})

        assert result.returncode == 1
        assert "CCPROXY_UPSTREAM_BASE: got '127.0.0.1:8080'; expected a URL starting with" in (
            result.stderr
        )

    def test_a_callbacks_entry_naming_the_handler_class_is_refused(self, tmp_path: Path) -> None:
        """Public report: a class in `callbacks:` loaded fine and was then never called."""
        text = MINIMAL_CONFIG + "litellm_settings:\n  callbacks: [ccproxy.handler.CCProxyHandler]\n"
        config = config_file(tmp_path, text)

        result = run_ccproxy_start("--config", str(config), "--port", "4999")

        assert result.returncode == 1
        assert "litellm_settings.callbacks: got 'ccproxy.handler.CCProxyHandler'" in result.stderr
        assert "'ccproxy.handler.proxy_handler_instance'" in result.stderr

    def test_litellm_itself_refuses_a_class_in_callbacks(self, tmp_path: Path) -> None:
        text = MINIMAL_CONFIG + "litellm_settings:\n  callbacks: [ccproxy.handler.CCProxyHandler]\n"
        config = config_file(tmp_path, text)
        argv = [str(BIN / "litellm"), "--config", str(config), "--host", "127.0.0.1"]

        result = subprocess.run(
            [*argv, "--port", "4999"],
            env=offline_env({"LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"}),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

        assert result.returncode != 0
        assert "ccproxy.handler.proxy_handler_instance" in result.stdout + result.stderr


CALLBACKS = "litellm_settings:\n  callbacks: [ccproxy.handler.proxy_handler_instance]\n"


class TestHandlerUnderLitellm:
    def test_a_handler_beside_the_config_finds_the_config_itself_and_reads_it_again_once_fixed(
        self, upstream: FakeUpstream, tmp_path: Path
    ) -> None:
        """LiteLLM loads `ccproxy/handler.py` beside the config before the installed one.

        That copy is a second module with its own, unconfigured instance: it must find the
        config by itself at the first request. A config that fails there must not stay
        failed until a restart: once the file is fixed, the next request is routed.
        """
        copy = tmp_path / "ccproxy"
        copy.mkdir()
        shutil.copy(Path(proxy.__file__).with_name("handler.py"), copy / "handler.py")
        fixed = MINIMAL_CONFIG + CALLBACKS
        config = config_file(tmp_path, fixed.replace("background: haiku", "background: nowhere"))
        env = {"UPSTREAM_BASE": upstream.base_url, "UPSTREAM_KEY": "sk-ant-operator"}
        env["LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"] = "true"
        upstream.reset()

        with ProxyProcess.litellm(config, tmp_path / "proxy.log", env=env) as started:
            unrouted = send_chore(started)
            config.write_text(fixed)
            routed = send_chore(started)

        assert "x-ccproxy-route" not in unrouted.headers
        assert routed.status_code == 200, routed.text
        assert routed.headers["x-ccproxy-route"] == "background"
        assert upstream.models() == ["claude-haiku-4-5-20251001"]
        [failed] = started.records(event="config_failed")
        assert failed["config_key"] == "ccproxy.routes.background"
        assert failed["error"].startswith("ccproxy.routes.background: got 'nowhere'; expected")
        assert len(started.records(event="config_loaded")) == 1


def send_chore(started: ProxyProcess) -> httpx.Response:
    """A Claude Code title chore: the background label, on haiku."""
    return httpx.post(
        f"{started.base_url}/v1/messages",
        json=claude_code_turn(model="claude-haiku-4-5-20251001", stream=False),
        headers=claude_code_headers({"x-api-key": CLIENT_KEY}),
        timeout=60,
    )


class TestStartUpChecks:
    @pytest.mark.parametrize(
        ("host", "loopback"),
        [
            ("127.0.0.1", True),
            ("127.0.0.2", True),
            ("::1", True),
            ("localhost", True),
            ("0.0.0.0", False),
            ("::", False),
            ("192.168.1.20", False),
            ("proxy.example.com", False),
        ],
    )
    def test_only_loopback_addresses_count_as_loopback(self, host: str, loopback: bool) -> None:
        assert proxy.is_loopback(host) is loopback

    def test_a_proxy_key_allows_any_address(self) -> None:
        proxy.check_bind("0.0.0.0", "sk-proxy-key")

    def test_the_proxy_key_comes_from_the_config_or_the_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MY_KEY", "sk-from-env-var")
        monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-litellm-master")
        named = MINIMAL_CONFIG + "general_settings:\n  master_key: os.environ/MY_KEY\n"

        from_config = proxy.configured_proxy_key(load_config(config_file(tmp_path, named)))
        from_env = proxy.configured_proxy_key(load_config(config_file(tmp_path, MINIMAL_CONFIG)))

        assert from_config == "sk-from-env-var"
        assert from_env == "sk-litellm-master"

    def test_offline_switches_are_set_unless_the_user_set_them(
        self, environment: pytest.MonkeyPatch
    ) -> None:
        environment.setenv("LITELLM_OFFLINE_MODE", "false")

        proxy.prepare_environment(load_config(None), proxy_key=None)

        assert proxy.os.environ["LITELLM_OFFLINE_MODE"] == "false"
        assert proxy.os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
        assert proxy.os.environ["CCPROXY_UPSTREAM_BASE"] == "https://api.anthropic.com"
        assert proxy.os.environ["KEEPALIVE_TIMEOUT"] == "75"
        assert proxy.os.environ[proxy.PERMIT_NO_KEY_ENV] == "true"
        assert proxy.os.environ["CCPROXY_CONFIG"].endswith("default_config.yaml")

    def test_a_keep_alive_the_user_set_is_kept(self, environment: pytest.MonkeyPatch) -> None:
        environment.setenv("KEEPALIVE_TIMEOUT", "20")

        proxy.prepare_environment(load_config(None), proxy_key=None)

        assert proxy.os.environ["KEEPALIVE_TIMEOUT"] == "20"

    def test_with_a_proxy_key_no_weak_key_permission_is_set(
        self, environment: pytest.MonkeyPatch
    ) -> None:
        proxy.prepare_environment(load_config(None), proxy_key="sk-proxy-key")

        assert proxy.PERMIT_NO_KEY_ENV not in proxy.os.environ


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The variables prepare_environment sets, absent for one test and restored after it.

    ``delenv`` alone forgets a variable that was absent, so what the code under test sets
    would outlive the test and reach every proxy started later: each is set first.
    """
    names = [*proxy.OFFLINE_SWITCHES, proxy.UPSTREAM_BASE_ENV, proxy.PERMIT_NO_KEY_ENV]
    names += [proxy.KEEPALIVE_ENV, "TIKTOKEN_CACHE_DIR", "CCPROXY_CONFIG"]
    for name in names:
        monkeypatch.setenv(name, "set by the test")
        monkeypatch.delenv(name)
    return monkeypatch


class TestOpenProxyAuth:
    def test_a_request_without_a_proxy_key_header_is_given_an_empty_one(self) -> None:
        seen = forwarded_headers([(b"x-api-key", b"sk-ant-client")])

        assert seen == [(b"x-api-key", b"sk-ant-client"), (b"x-litellm-api-key", b"none")]

    def test_a_proxy_key_the_client_sent_is_left_alone(self) -> None:
        seen = forwarded_headers([(b"X-LiteLLM-API-Key", b"sk-mine")])

        assert seen == [(b"X-LiteLLM-API-Key", b"sk-mine")]


def forwarded_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers an app behind OpenProxyAuth receives for a request carrying ``headers``."""
    seen: list[tuple[bytes, bytes]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.extend(scope["headers"])

    asyncio.run(proxy.OpenProxyAuth(app)({"type": "http", "headers": headers}, None, None))
    return seen

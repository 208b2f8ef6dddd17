"""Configuration reload: an edited ``ccproxy:`` section takes effect without a restart.

The watcher is exercised on its own first, then through a real proxy whose config file the
test rewrites while it serves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from ccproxy.config import Config, load_config
from ccproxy.reload import ConfigWatcher

from tests.support.fake_upstream import FakeUpstream
from tests.support.proxy import MINIMAL_CONFIG, ProxyProcess, config_file

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-1-20250805"
RELOAD_TIMEOUT = 30.0

ANTHROPIC_HEADERS = {"x-api-key": "sk-client", "anthropic-version": "2023-06-01"}


class Clock:
    """A clock the test moves by hand, so polling never depends on real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def write_config(path: Path, default_route: str) -> None:
    path.write_text(MINIMAL_CONFIG.replace("default: sonnet", f"default: {default_route}"))


def watched(tmp_path: Path, clock: Clock) -> tuple[Path, ConfigWatcher]:
    path = tmp_path / "config.yaml"
    write_config(path, "sonnet")
    return path, ConfigWatcher(load_config(path), interval=1.0, clock=clock)


def poll(watcher: ConfigWatcher) -> Config | None:
    return asyncio.run(watcher.poll())


@pytest.fixture(autouse=True)
def upstream_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """MINIMAL_CONFIG reads its upstream from the environment; loading needs no value."""
    monkeypatch.setenv("UPSTREAM_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("UPSTREAM_KEY", "sk-unused")


class TestConfigWatcher:
    def test_an_untouched_file_gives_nothing_new(self, tmp_path: Path) -> None:
        clock = Clock()
        _, watcher = watched(tmp_path, clock)
        clock.now = 5.0

        assert poll(watcher) is None

    def test_an_edited_route_comes_back_as_a_new_config(self, tmp_path: Path) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        write_config(path, "opus")
        clock.now = 1.0

        fresh = poll(watcher)

        assert fresh is not None
        assert fresh.settings.routes["default"] == "opus"
        assert poll(watcher) is None

    def test_the_file_is_not_looked_at_more_than_once_per_interval(self, tmp_path: Path) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        write_config(path, "opus")
        clock.now = 0.5

        assert poll(watcher) is None
        clock.now = 1.0
        assert poll(watcher) is not None

    def test_an_invalid_edit_is_logged_once_with_key_value_and_expectation(
        self, tmp_path: Path
    ) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        write_config(path, "nosuch")

        with capture_logs() as logs:
            clock.now = 1.0
            first = poll(watcher)
            clock.now = 2.0
            second = poll(watcher)

        assert first is None and second is None
        [entry] = logs
        assert entry["event"] == "config_reload_failed"
        assert entry["log_level"] == "error"
        assert entry["error"].startswith("ccproxy.routes.default: got 'nosuch'; expected")
        assert "sonnet" in entry["error"]

    def test_broken_yaml_is_refused(self, tmp_path: Path) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        path.write_text("ccproxy: [unclosed\n")
        clock.now = 1.0

        with capture_logs() as logs:
            assert poll(watcher) is None

        assert logs[0]["event"] == "config_reload_failed"
        assert "invalid YAML" in logs[0]["error"]

    def test_a_route_to_a_model_the_running_proxy_lacks_is_refused(self, tmp_path: Path) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        text = path.read_text().replace("ccproxy:", _extra_model("fresh") + "ccproxy:")
        path.write_text(text.replace("default: sonnet", "default: fresh"))
        clock.now = 1.0

        with capture_logs() as logs:
            assert poll(watcher) is None

        assert logs[0]["error"].startswith("ccproxy.routes.default: got 'fresh'")
        assert "model_list needs a restart" in logs[0]["error"]

    def test_an_edit_outside_the_section_is_reported_as_needing_a_restart(
        self, tmp_path: Path
    ) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        text = path.read_text().replace("ccproxy:", _extra_model("fresh") + "ccproxy:")
        path.write_text(text.replace("default: sonnet", "default: opus"))
        clock.now = 1.0

        with capture_logs() as logs:
            fresh = poll(watcher)

        assert fresh is not None
        assert [entry["event"] for entry in logs] == ["config_restart_needed", "config_reloaded"]
        assert fresh.settings.routes["default"] == "opus"

    def test_after_an_edit_outside_the_section_decisions_name_the_models_still_served(
        self, tmp_path: Path
    ) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        path.write_text(path.read_text().replace("claude-opus-4-1-20250805", "claude-opus-4-5"))
        clock.now = 1.0

        fresh = poll(watcher)

        assert fresh is not None
        assert fresh.deployments["opus"].model == "anthropic/claude-opus-4-1-20250805"
        assert "claude-opus-4-5" not in str(fresh.litellm["model_list"])

    def test_a_deleted_file_keeps_the_running_config(self, tmp_path: Path) -> None:
        clock = Clock()
        path, watcher = watched(tmp_path, clock)
        path.unlink()
        clock.now = 1.0

        with capture_logs() as logs:
            assert poll(watcher) is None

        assert logs[0]["error"].startswith("--config:")


def _extra_model(name: str) -> str:
    return (
        f"  - model_name: {name}\n"
        "    litellm_params: {model: anthropic/claude-sonnet-4-6, api_base: http://127.0.0.1:9}\n"
    )


@pytest.fixture(scope="module")
def served_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("reload")
    return config_file(directory, MINIMAL_CONFIG)


@pytest.fixture(scope="module")
def proxy(upstream: FakeUpstream, served_config: Path) -> Iterator[ProxyProcess]:
    env = {"UPSTREAM_BASE": upstream.base_url, "UPSTREAM_KEY": "sk-operator"}
    log = served_config.parent / "proxy.log"
    with ProxyProcess.ccproxy(["--config", str(served_config)], log, env=env) as running:
        yield running


def routed_model(proxy: ProxyProcess, upstream: FakeUpstream) -> str | None:
    """Send one default-label request; the model the upstream received."""
    upstream.reset()
    body = {"model": SONNET, "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    response = httpx.post(
        f"{proxy.base_url}/v1/messages", json=body, headers=ANTHROPIC_HEADERS, timeout=30
    )
    assert response.status_code == 200, response.text
    return upstream.models()[-1]


def wait_for_route(proxy: ProxyProcess, upstream: FakeUpstream, model: str) -> str | None:
    """Requests until one reaches ``model`` or the reload timeout passes; the last model seen."""
    deadline = time.monotonic() + RELOAD_TIMEOUT
    seen = routed_model(proxy, upstream)
    while seen != model and time.monotonic() < deadline:
        time.sleep(0.2)
        seen = routed_model(proxy, upstream)
    return seen


def test_the_next_requests_follow_an_edited_route_without_a_restart(
    proxy: ProxyProcess, upstream: FakeUpstream, served_config: Path
) -> None:
    assert routed_model(proxy, upstream) == SONNET

    served_config.write_text(served_config.read_text().replace("default: sonnet", "default: opus"))

    assert wait_for_route(proxy, upstream, OPUS) == OPUS
    assert proxy.wait_for_records(event="config_reloaded")


def test_an_invalid_edit_keeps_the_running_routes_and_the_log_says_why(
    proxy: ProxyProcess, upstream: FakeUpstream, served_config: Path
) -> None:
    served_config.write_text(served_config.read_text().replace("default: sonnet", "default: opus"))
    assert wait_for_route(proxy, upstream, OPUS) == OPUS
    text = served_config.read_text()

    served_config.write_text(text.replace("default: opus", "default: nosuch"))

    deadline = time.monotonic() + RELOAD_TIMEOUT
    while not proxy.records(event="config_reload_failed") and time.monotonic() < deadline:
        routed_model(proxy, upstream)
        time.sleep(0.2)
    [failure] = proxy.records(event="config_reload_failed")
    assert failure["error"].startswith("ccproxy.routes.default: got 'nosuch'; expected")
    assert failure["config"] == str(served_config)
    assert routed_model(proxy, upstream) == OPUS


def test_an_edited_log_level_takes_effect_on_the_next_requests(
    proxy: ProxyProcess, upstream: FakeUpstream, served_config: Path
) -> None:
    reloads = len(proxy.records(event="config_reloaded"))

    served_config.write_text(MINIMAL_CONFIG + "  log: {level: WARNING}\n")

    assert wait_for_route(proxy, upstream, SONNET) == SONNET
    assert proxy.wait_for_records(event="config_reloaded", count=reloads + 1)
    response = httpx.post(
        f"{proxy.base_url}/v1/messages",
        json={"model": SONNET, "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]},
        headers=ANTHROPIC_HEADERS,
        timeout=30,
    )
    assert response.status_code == 200
    call_id = response.headers["x-litellm-call-id"]
    assert proxy.wait_for_records(litellm_call_id=call_id, timeout=2.0) == []

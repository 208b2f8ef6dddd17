"""`ccproxy run -- CMD`: the command's environment, exit code, signals, and the proxy it starts."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ccproxy.runner import client_base_url

from tests.support.fake_upstream import FakeUpstream
from tests.support.proxy import free_port, offline_env

SONNET = "claude-sonnet-4-5-20250929"

# A command that prints the environment variables it was given as JSON.
PRINT_ENV = """
import json, os, sys
names = ["ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_CUSTOM_HEADERS"]
print(json.dumps({name: os.environ.get(name) for name in names}))
"""

# A command that reports the signals it receives. It counts them from the wakeup fd, one byte per
# delivery, because Python runs a handler once for deliveries that come close together; and it
# waits a moment after the first, so that a duplicate (a Ctrl-C relayed twice) shows up.
REPORT_SIGNALS = """
import signal, socket, sys
reader, writer = socket.socketpair()
writer.setblocking(False)
signal.set_wakeup_fd(writer.fileno())
for signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(signum, lambda signum, frame: None)
print("ready", flush=True)
received = [reader.recv(1)[0]]
reader.settimeout(0.5)
try:
    while True:
        received.append(reader.recv(1)[0])
except TimeoutError:
    pass
print("received " + ",".join(signal.Signals(n).name for n in received), flush=True)
sys.exit(42)
"""

# A command that asks the proxy for one message, as a client would, and prints the answer.
ASK_PROXY = """
import json, os, urllib.request
request = urllib.request.Request(
    os.environ["ANTHROPIC_BASE_URL"] + "/v1/messages",
    data=json.dumps({"model": "claude-sonnet-4-5", "max_tokens": 16,
                     "messages": [{"role": "user", "content": "hi"}]}).encode(),
    headers={"content-type": "application/json", "x-api-key": "dummy"},
)
with urllib.request.urlopen(request, timeout=60) as response:
    print(json.load(response)["content"][0]["text"])
"""


class _Liveness(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health/liveliness" else 404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: no access log in the test output."""


@pytest.fixture
def live_port() -> Iterator[int]:
    """A port where something answers the proxy's liveness probe, as a running ccproxy does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Liveness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "ccproxy.yaml"
    path.write_text(_config("http://127.0.0.1:9"))
    return path


def _config(upstream: str, extra: str = "") -> str:
    return (
        "model_list:\n"
        "  - model_name: sonnet\n"
        f"    litellm_params: {{model: anthropic/{SONNET}, api_base: '{upstream}',"
        " api_key: upstream-key}\n"
        "ccproxy:\n"
        "  routes: {default: sonnet}\n"
        f"{extra}"
    )


def ccproxy_run(port: int, *command: str, config: Path | None = None) -> list[str]:
    argv = [sys.executable, "-m", "ccproxy", "run", "--port", str(port)]
    if config is not None:
        argv += ["--config", str(config)]
    return [*argv, "--", *command]


def run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=180, check=False)


def test_command_gets_the_proxy_address_in_anthropic_base_url(live_port: int) -> None:
    result = run(ccproxy_run(live_port, sys.executable, "-c", PRINT_ENV))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{live_port}"
    assert "starting a proxy" not in result.stderr


def test_exit_code_of_the_command_is_passed_through(live_port: int) -> None:
    result = run(ccproxy_run(live_port, sys.executable, "-c", "raise SystemExit(7)"))

    assert result.returncode == 7


def test_command_killed_by_a_signal_exits_with_128_plus_the_signal(live_port: int) -> None:
    suicide = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    result = run(ccproxy_run(live_port, sys.executable, "-c", suicide))

    assert result.returncode == 128 + signal.SIGKILL


def test_master_key_goes_in_custom_headers_and_the_users_key_stays(
    live_port: int, tmp_path: Path
) -> None:
    config = tmp_path / "keyed.yaml"
    config.write_text(
        _config(
            "http://127.0.0.1:9", "general_settings:\n  master_key: os.environ/TEST_PROXY_KEY\n"
        )
    )
    env = {
        **os.environ,
        "TEST_PROXY_KEY": "sk-proxy-123",
        "ANTHROPIC_API_KEY": "sk-user-456",
        "ANTHROPIC_CUSTOM_HEADERS": "x-team: blue\nx-litellm-api-key: stale",
    }

    result = run(ccproxy_run(live_port, sys.executable, "-c", PRINT_ENV, config=config), env)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["ANTHROPIC_API_KEY"] == "sk-user-456"
    assert seen["ANTHROPIC_CUSTOM_HEADERS"] == "x-team: blue\nx-litellm-api-key: sk-proxy-123"


def test_without_a_master_key_the_environment_keeps_its_custom_headers(
    live_port: int, config_file: Path
) -> None:
    env = {**os.environ, "ANTHROPIC_CUSTOM_HEADERS": "x-team: blue"}
    env.pop("LITELLM_MASTER_KEY", None)

    result = run(ccproxy_run(live_port, sys.executable, "-c", PRINT_ENV, config=config_file), env)

    assert json.loads(result.stdout)["ANTHROPIC_CUSTOM_HEADERS"] == "x-team: blue"


def test_no_command_is_a_bad_invocation() -> None:
    result = run([sys.executable, "-m", "ccproxy", "run", "--port", "1"])

    assert result.returncode == 2
    assert "COMMAND" in result.stderr


def test_a_command_that_does_not_exist_fails_with_exit_1_before_any_proxy_starts() -> None:
    port = free_port()
    result = run(ccproxy_run(port, "no-such-command-for-ccproxy"))

    assert result.returncode == 1
    assert "no-such-command-for-ccproxy" in result.stderr
    assert "starting a proxy" not in result.stderr


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:4000"),
        ("0.0.0.0", "http://127.0.0.1:4000"),
        ("::", "http://[::1]:4000"),
        ("::1", "http://[::1]:4000"),
        ("localhost", "http://localhost:4000"),
    ],
)
def test_client_reaches_a_wildcard_bind_address_on_loopback(host: str, url: str) -> None:
    assert client_base_url(host, 4000) == url


def test_sigterm_to_ccproxy_run_reaches_the_command(live_port: int) -> None:
    assert _signal_ccproxy_run(live_port, signal.SIGTERM) == (42, "received SIGTERM")


def test_sigint_sent_to_ccproxy_run_outside_a_terminal_reaches_the_command(
    live_port: int,
) -> None:
    assert _signal_ccproxy_run(live_port, signal.SIGINT) == (42, "received SIGINT")


def _signal_ccproxy_run(port: int, signum: int) -> tuple[int, str]:
    """Send `signum` to `ccproxy run` alone once its command is ready; its exit code, report."""
    argv = ccproxy_run(port, sys.executable, "-c", REPORT_SIGNALS)
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as runner:
        assert runner.stdout is not None
        assert runner.stdout.readline().strip() == "ready"

        runner.send_signal(signum)

        report = runner.stdout.read().strip()
        return runner.wait(30), report


def test_ctrl_c_on_a_terminal_reaches_the_command_once(live_port: int) -> None:
    terminal = _Terminal(ccproxy_run(live_port, sys.executable, "-c", REPORT_SIGNALS))
    terminal.read_until("ready")

    terminal.type(b"\x03")

    assert "received SIGINT\r\n" in terminal.read_until("received")
    assert terminal.wait() == 42


class _Terminal:
    """Runs a command as the session leader of a new pseudo-terminal, as a shell would."""

    # Makes the pty the controlling terminal (the command's group its foreground), then execs.
    LAUNCH = (
        "import os, sys; os.login_tty(os.open(sys.argv[1], os.O_RDWR));"
        " os.execv(sys.argv[2], sys.argv[2:])"
    )

    def __init__(self, argv: list[str]) -> None:
        # Holding the replica open keeps the master readable before the command opens it.
        self.master, self.replica = os.openpty()
        launch = [sys.executable, "-c", self.LAUNCH, os.ttyname(self.replica), *argv]
        self.process = subprocess.Popen(launch, stdin=subprocess.DEVNULL)
        self.output = ""

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def read_until(self, marker: str, timeout: float = 30.0) -> str:
        """Everything shown so far, once a whole line holding `marker` has been shown."""
        deadline = time.monotonic() + timeout
        while not self._shows_line_with(marker) and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            self.output += os.read(self.master, 4096).decode(errors="replace")
        assert self._shows_line_with(marker), f"no {marker!r} line on the terminal: {self.output!r}"
        return self.output

    def wait(self) -> int:
        code = self.process.wait(30)
        os.close(self.master)
        os.close(self.replica)
        return code

    def _shows_line_with(self, marker: str) -> bool:
        return marker in self.output and "\n" in self.output[self.output.index(marker) :]


def test_starts_a_proxy_when_none_answers_and_stops_it_after(tmp_path: Path) -> None:
    port = free_port()
    with FakeUpstream(completion_text="answer through the started proxy") as upstream:
        config = tmp_path / "ccproxy.yaml"
        config.write_text(_config(upstream.base_url))

        env = offline_env({"TMPDIR": str(tmp_path)})  # where the started proxy logs
        result = run(ccproxy_run(port, sys.executable, "-c", ASK_PROXY, config=config), env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "answer through the started proxy"
    assert upstream.models() == [SONNET]
    assert f"starting a proxy on http://127.0.0.1:{port}" in result.stderr
    assert f"(log: {tmp_path}/ccproxy-run-{port}-" in result.stderr
    assert list(tmp_path.glob(f"ccproxy-run-{port}-*.log")) == []  # it served: no log is kept
    assert not _accepts_connections(port)
    assert _processes_mentioning(f"--port {port}") == []


def test_options_after_the_command_are_the_commands_own(live_port: int) -> None:
    argv = ccproxy_run(live_port, sys.executable, "-c", "import sys; print(sys.argv[1:])")
    argv += ["--help", "--port", "1"]

    result = run(argv, offline_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['--help', '--port', '1']"


def test_a_proxy_already_listening_is_used_and_named(live_port: int, config_file: Path) -> None:
    argv = ccproxy_run(live_port, sys.executable, "-c", "pass", config=config_file)

    result = run(argv, offline_env())

    assert result.returncode == 0, result.stderr
    assert f"using the proxy that answers on http://127.0.0.1:{live_port}" in result.stderr
    assert "starting a proxy" not in result.stderr


def test_the_command_and_the_proxy_of_a_killed_ccproxy_run_stop_too(tmp_path: Path) -> None:
    port = free_port()
    marker = f"ccproxy-killed-run-{port}"  # in the command's own arguments, to find it by
    with FakeUpstream() as upstream:
        config = tmp_path / "ccproxy.yaml"
        config.write_text(_config(upstream.base_url))
        sleeper = [sys.executable, "-c", "import time; time.sleep(60)", marker]
        argv = ccproxy_run(port, *sleeper, config=config)
        runner = subprocess.Popen(argv, env=offline_env({"TMPDIR": str(tmp_path)}))
        try:
            _wait_until(lambda: _processes_mentioning(marker) != [], timeout=120)
        finally:
            runner.kill()
            runner.wait()

        _wait_until(lambda: _processes_mentioning(f"--port {port}") == [], timeout=30)
        _wait_until(lambda: _processes_mentioning(marker) == [], timeout=30)


def test_a_proxy_that_cannot_start_fails_with_exit_1_and_says_why(
    config_file: Path, tmp_path: Path
) -> None:
    port = free_port()  # ccproxy start refuses a wildcard address without a proxy key
    argv = ccproxy_run(port, sys.executable, "-c", "print('ran')", config=config_file)
    argv[argv.index("--port") : argv.index("--port")] = ["--host", "0.0.0.0"]

    env = offline_env({"TMPDIR": str(tmp_path)})
    env.pop("LITELLM_MASTER_KEY", None)
    result = run(argv, env)

    assert result.returncode == 1
    assert "the proxy did not start" in result.stderr
    assert "'0.0.0.0' with no proxy key" in result.stderr
    assert "ran" not in result.stdout


def _wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not true within {timeout:g} s"
        time.sleep(0.2)


def _accepts_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _processes_mentioning(fragment: str) -> list[str]:
    """Command lines of this machine's processes that contain `fragment` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        line = " ".join(part.decode(errors="replace") for part in argv if part)
        if fragment in line and "ccproxy" in line:
            found.append(line)
    return found

"""`ccproxy run`: run a client command against the proxy, starting one for its lifetime if needed.

The command gets `ANTHROPIC_BASE_URL` pointing at the proxy and, when the proxy has a master
key, that key in `ANTHROPIC_CUSTOM_HEADERS` (so the user's own API key or OAuth token stays
free to be forwarded upstream). Its exit code becomes ours.

A proxy this module starts runs in its own session, so the terminal's Ctrl-C does not reach
it; it is stopped with its whole process group once the command has exited.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

import click

from ccproxy.config import load_config
from ccproxy.errors import CCProxyError
from ccproxy.proxy import configured_proxy_key

LIVENESS_PATH = "/health/liveliness"
PROXY_KEY_HEADER = "x-litellm-api-key"

PROBE_TIMEOUT = 1.0
# Importing LiteLLM alone takes seconds; a busy two-core machine can take far longer.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
POLL_INTERVAL = 0.2

RELAYED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
KEYBOARD_SIGNALS = (signal.SIGINT, signal.SIGQUIT)

# Addresses a server binds to mean "every interface"; a client reaches them on loopback.
WILDCARD_HOSTS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}

EXIT_FAILED = 1
EXIT_USAGE = 2

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def run_command(config_path: Path | None, host: str, port: int, command: list[str]) -> int:
    """Run `command` with the proxy at host:port; returns its exit code (1 or 2 for our own)."""
    if not command:
        _say("no command to run; usage: ccproxy run [OPTIONS] -- COMMAND [ARGS]...")
        return EXIT_USAGE
    if shutil.which(command[0]) is None:
        _say(f"cannot run {command[0]!r}: no such executable file (searched PATH)")
        return EXIT_FAILED
    try:
        # The key `ccproxy start` will demand is the one the command must present.
        proxy_key = configured_proxy_key(load_config(config_path))
    except CCProxyError as error:
        _say(str(error))
        return EXIT_FAILED

    env = client_env(os.environ, client_base_url(host, port), proxy_key)

    with SignalRelay() as relay:
        proxy = None
        if proxy_is_live(host, port):
            # Its own config serves, whatever --config says: tell the user which proxy it is.
            _say(f"using the proxy that answers on {client_base_url(host, port)}")
        else:
            proxy = StartedProxy.launch(config_path, host, port)
            if not proxy.wait_until_live(host, port, relay):
                proxy.stop()
                return relay.exit_code_for_interrupt() or proxy.report_failure()
        try:
            code = relay.run(command, env)
        finally:
            if proxy is not None:
                proxy.stop()
        # The log of a proxy behind a command that failed may tell why: it stays.
        if proxy is not None and code == 0:
            proxy.discard_log()
        return code


def client_base_url(host: str, port: int) -> str:
    """The URL a client on this machine uses to reach a proxy bound to host:port."""
    address = connect_host(host)
    return f"http://[{address}]:{port}" if ":" in address else f"http://{address}:{port}"


def connect_host(host: str) -> str:
    """The address to connect to for a proxy bound to `host`."""
    return WILDCARD_HOSTS.get(host, host)


def client_env(environ: Mapping[str, str], base_url: str, proxy_key: str | None) -> dict[str, str]:
    """The command's environment: ours, pointed at the proxy, carrying its key if it has one."""
    env = dict(environ)
    env["ANTHROPIC_BASE_URL"] = base_url
    if proxy_key is None:
        return env

    # Claude Code reads one "Name: value" header per line; ours replaces any stale one.
    lines = env.get("ANTHROPIC_CUSTOM_HEADERS", "").splitlines()
    kept = [line for line in lines if line.strip() and not _names_header(line, PROXY_KEY_HEADER)]
    env["ANTHROPIC_CUSTOM_HEADERS"] = "\n".join([*kept, f"{PROXY_KEY_HEADER}: {proxy_key}"])
    return env


def proxy_is_live(host: str, port: int) -> bool:
    """Whether a proxy bound to host:port answers its liveness probe."""
    connection = http.client.HTTPConnection(connect_host(host), port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", LIVENESS_PATH)
        return connection.getresponse().status == http.HTTPStatus.OK
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class SignalRelay:
    """Passes the signals sent to `ccproxy run` on to the command, and survives them itself.

    The command shares our process group, so it stays in the terminal's foreground and can
    read it. The keyboard's Ctrl-C (or Ctrl-\\) then already reaches the command directly;
    relaying it as well would deliver it twice (Claude Code quits on a second Ctrl-C). So a
    keyboard signal is relayed only when our group is not the terminal's foreground group,
    i.e. when it can only have come from `kill`. Other signals are always relayed.
    """

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalRelay:
        for signum in RELAYED_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def run(self, command: list[str], env: dict[str, str]) -> int:
        """Run the command in the foreground; returns its exit code, shell style for signals."""
        # Killed, we cannot relay anything: the kernel then stops the command (on Linux).
        self.child = subprocess.Popen(command, env=env, preexec_fn=_stop_with_parent)  # noqa: PLW1509
        returncode = self.child.wait()
        return 128 - returncode if returncode < 0 else returncode

    def exit_code_for_interrupt(self) -> int | None:
        """128 + the signal that interrupted us before the command started, if one did."""
        return None if self.received is None else 128 + self.received

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if self.child is None:
            return
        if signum in KEYBOARD_SIGNALS and _in_terminal_foreground():
            return
        self.child.send_signal(signum)


class StartedProxy:
    """A `ccproxy start` subprocess, in its own session, logging to a file."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @classmethod
    def launch(cls, config_path: Path | None, host: str, port: int) -> StartedProxy:
        argv = [sys.executable, "-m", "ccproxy", "start", "--host", host, "--port", str(port)]
        if config_path is not None:
            argv += ["--config", str(config_path)]
        log = _new_log_file(port)

        # Its own session: the terminal's Ctrl-C is the command's, and stop() ends the group.
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_stop_with_parent,  # noqa: PLW1509 - ccproxy run runs no threads
        )
        log.close()
        _say(
            f"starting a proxy on {client_base_url(host, port)} for this command (log: {log.name})"
        )
        return cls(process, Path(log.name))

    def wait_until_live(self, host: str, port: int, relay: SignalRelay) -> bool:
        """Poll the liveness probe until it answers, the process exits, or we are signalled."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and relay.received is None:
            if self.process.poll() is not None:
                return False
            if proxy_is_live(host, port):
                return True
            time.sleep(POLL_INTERVAL)
        return False

    def report_failure(self) -> int:
        """Say why the proxy is not serving, with the end of its log; returns the exit code."""
        code = self.process.returncode
        why = f"exited with code {code}" if code is not None else f"not live in {START_TIMEOUT:g} s"
        tail = self.log_path.read_text(errors="replace").splitlines()[-20:]
        _say(f"the proxy did not start ({why}); last lines of {self.log_path}:")
        for line in tail:
            _say(f"  {line}")
        return EXIT_FAILED

    def discard_log(self) -> None:
        """Remove the log of a proxy that served and stopped: nothing in it is needed."""
        self.log_path.unlink(missing_ok=True)

    def stop(self) -> None:
        """Ask the proxy's process group to stop, then kill whatever is left of it."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT)
        # Children of the proxy may outlive it; the group id is still the proxy's pid.
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _stop_with_parent() -> None:
    """In a child of `ccproxy run` (the command, the proxy), before it runs: be sent SIGTERM
    if `ccproxy run` dies.

    A killed `ccproxy run` (SIGKILL) cannot stop its children itself; on Linux the kernel can.
    Elsewhere they outlive it, as any child would.
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _in_terminal_foreground() -> bool:
    """Whether our process group is the foreground group of our controlling terminal."""
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(tty) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(tty)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _new_log_file(port: int) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(prefix=f"ccproxy-run-{port}-", suffix=".log", delete=False)


def _names_header(line: str, name: str) -> bool:
    return line.partition(":")[0].strip().lower() == name


def _say(message: str) -> None:
    click.echo(f"ccproxy run: {message}", err=True)

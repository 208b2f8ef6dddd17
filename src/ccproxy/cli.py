"""The `ccproxy` command: start the proxy, run a client through it, explain, check a config.

Exit codes: 0 success, 1 the operation failed, 2 bad invocation (click's usage errors).
Data goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ccproxy.config import Config, load_config
from ccproxy.decider import Decider
from ccproxy.errors import CCProxyError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4000

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    envvar="CCPROXY_CONFIG",
    help="Config file (LiteLLM proxy YAML with a ccproxy: section). Default: built-in.",
)
host_option = click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address.")
port_option = click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535)
)


@click.group()
@click.version_option(package_name="ccproxy")
def main() -> None:
    """Route each Claude Code request to the model that should serve it."""


@main.command()
@config_option
@host_option
@port_option
def start(config_path: Path | None, host: str, port: int) -> None:
    """Run the LiteLLM proxy with ccproxy's routing, in the foreground."""
    _load(config_path)

    # The proxy module imports LiteLLM, which takes seconds: only the commands that serve pay.
    from ccproxy.proxy import start as start_proxy  # noqa: PLC0415

    sys.exit(start_proxy(config_path, host, port))


# Options after COMMAND are its own: `ccproxy run claude --help` asks claude for help.
@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@config_option
@host_option
@port_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run(config_path: Path | None, host: str, port: int, command: tuple[str, ...]) -> None:
    """Run COMMAND (e.g. claude) with ANTHROPIC_BASE_URL pointing at the proxy.

    Starts a proxy for the command's lifetime when none is listening there.
    """
    _load(config_path)

    from ccproxy.runner import run_command  # noqa: PLC0415 - see start

    sys.exit(run_command(config_path, host, port, list(command)))


@main.command()
@config_option
@click.argument("request_file", type=click.File("rb"))
def explain(config_path: Path | None, request_file: Any) -> None:
    """Print the routing decision for REQUEST_FILE as JSON ('-' reads stdin).

    The file holds a Messages API (or chat completions) body, or {"path", "headers", "body"}.
    """
    decider = Decider.from_config(_load(config_path))
    body, headers = _read_request(request_file)

    decision = decider.decide(body, headers, count_all=True)
    click.echo(json.dumps(decision.log_fields(), indent=2))


@main.command()
@config_option
def check(config_path: Path | None) -> None:
    """Validate the config and print what it routes where."""
    config = _load(config_path)

    click.echo(f"{config.path}: ok")
    for label, name in config.settings.routes.items():
        click.echo(f"  {label:<13} -> {name} ({config.deployments[name].model})")
    for label in config.unreachable_routes:
        click.echo(f"Warning: ccproxy.routes.{label}: no rule in ccproxy.rules gives it", err=True)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except CCProxyError as error:
        raise click.ClickException(str(error)) from error


def _read_request(request_file: Any) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        document = json.loads(request_file.read())
    except ValueError as error:
        raise click.ClickException(f"{request_file.name}: not JSON ({error})") from error
    if not isinstance(document, dict):
        raise click.ClickException(f"{request_file.name}: expected a JSON object")

    if isinstance(document.get("body"), dict):
        headers = document.get("headers")
        return document["body"], _headers(headers) if isinstance(headers, dict) else {}
    return document, {}


def _headers(headers: dict[Any, Any]) -> dict[str, str]:
    # HTTP header values are text; a number in a hand-written file means its digits.
    return {str(name): str(value) for name, value in headers.items() if value is not None}

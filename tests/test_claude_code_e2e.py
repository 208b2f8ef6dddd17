"""The real Claude Code CLI, run through `ccproxy run`, has each of its requests routed by label.

One ccproxy proxy serves every scenario. Each label routes to its own upstream model on one
local fake Anthropic upstream, so the model a request reached the upstream with tells which
route served it. The fake upstream answers the first main turn with a `tool_use` of WebSearch
or Agent when a scenario asks for it, so that Claude Code itself sends the web-search request
and the subagent's requests. Requests are told apart by what Claude Code puts in them (see
`kind_of`), never by what ccproxy decided.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import claude_code
from tests.support.fake_upstream import Answer, FakeUpstream, Recorded
from tests.support.proxy import ProxyProcess

if claude_code.npm_path() is None:
    pytest.skip("npm is not installed: cannot install the Claude Code CLI", allow_module_level=True)

# Real model names, so LiteLLM treats each request as it would in production (it drops
# adaptive thinking for models it does not know); one distinct model per label.
UPSTREAM_MODELS = {
    "default": "claude-sonnet-4-6",
    "background": "claude-haiku-4-5-20251001",
    "think": "claude-opus-4-8",
    "long_context": "claude-sonnet-5",
    "web_search": "claude-sonnet-4-5-20250929",
    "subagent": "claude-opus-4-6",
}
THRESHOLD = 60_000
# About 100,000 tokens: past the threshold, within the long_context model's window.
LONG_INPUT_BYTES = 300_000

SYLLABLES = ("ka", "ro", "ten", "ul", "mi", "dax", "por", "ve", "sin", "qua", "lo", "bre")

PROMPT = "Explain in one line what the ccproxy router does."
RUN_TIMEOUT = 120.0


def answer_text(model: str | None) -> str:
    return f"Routed answer from {model}."


@dataclass
class ClaudeRun:
    """One `ccproxy run -- claude -p ...`: what it printed, and what reached the upstream."""

    result: subprocess.CompletedProcess[str]
    requests: list[Recorded]

    def of_kind(self, kind: str) -> list[Recorded]:
        return [request for request in self.requests if kind_of(request.body) == kind]

    def models_of(self, kind: str) -> set[str | None]:
        return {request.model for request in self.of_kind(kind)}


class ScriptedAnswers:
    """Answers like the API: a title as JSON, a tool call when the scenario wants one."""

    def __init__(self) -> None:
        self.tool_call: tuple[str, dict[str, Any]] | None = None

    def __call__(self, request: Recorded) -> Answer:
        body = request.body if isinstance(request.body, dict) else {}
        kind = kind_of(body)

        if kind == "title":
            return Answer.text('{"title": "ccproxy router"}')
        if kind == "main" and self.tool_call is not None and not _has_tool_result(body):
            return Answer.tool_use(*self.tool_call)
        return Answer.text(answer_text(request.model))


def kind_of(body: Any) -> str:
    """What Claude Code sent this request for, read from the request itself."""
    tools = body.get("tools") or []
    if any(str(tool.get("type", "")).startswith("web_search_") for tool in tools):
        return "web_search"
    if "cc_is_subagent=true" in _first_system_text(body):
        return "subagent"
    if tools:
        return "main"
    schema = ((body.get("output_config") or {}).get("format") or {}).get("schema") or {}
    return "title" if "title" in (schema.get("properties") or {}) else "chore"


def _first_system_text(body: dict[str, Any]) -> str:
    system = body.get("system")
    if isinstance(system, list) and system and isinstance(system[0], dict):
        return str(system[0].get("text", ""))
    return system if isinstance(system, str) else ""


def _has_tool_result(body: dict[str, Any]) -> bool:
    return any(
        isinstance(block, dict) and block.get("type") == "tool_result"
        for message in body.get("messages") or []
        if isinstance(message.get("content"), list)
        for block in message["content"]
    )


@pytest.fixture(scope="module")
def claude() -> Path:
    return claude_code.install()


@pytest.fixture(scope="module")
def answers() -> ScriptedAnswers:
    return ScriptedAnswers()


@pytest.fixture(scope="module")
def upstream(answers: ScriptedAnswers) -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        fake.script("*", answers)
        yield fake


@pytest.fixture(scope="module")
def config_path(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model_list = [
        {
            "model_name": f"e2e-{label}",
            "litellm_params": {
                "model": f"anthropic/{model}",
                "api_base": upstream.base_url,
                "api_key": "fake-upstream-key",
            },
        }
        for label, model in UPSTREAM_MODELS.items()
    ]
    rules: list[Any] = [{"long_context": {"threshold": THRESHOLD}}]
    rules += ["web_search", "subagent", "background", "think"]
    config = {
        "model_list": model_list,
        "ccproxy": {"routes": {label: f"e2e-{label}" for label in UPSTREAM_MODELS}, "rules": rules},
    }
    path = tmp_path_factory.mktemp("config") / "ccproxy.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def proxy(config_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyProcess]:
    log_path = tmp_path_factory.mktemp("proxy") / "proxy.log"
    with ProxyProcess.ccproxy(["--config", str(config_path)], log_path=log_path) as running:
        yield running


@dataclass
class ClaudeThroughCCProxy:
    """Runs `ccproxy run -- claude ARGS` against the shared proxy, each time in a fresh home."""

    argv: list[str]
    upstream: FakeUpstream
    answers: ScriptedAnswers
    workdirs: pytest.TempPathFactory

    def run(
        self, *args: str, stdin: str = "", tool_call: tuple[str, dict[str, Any]] | None = None
    ) -> ClaudeRun:
        self.answers.tool_call = tool_call
        before = len(self.upstream.messages())
        workdir = self.workdirs.mktemp("claude")

        result = subprocess.run(
            [*self.argv, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=claude_code.sealed_env(workdir / "home"),
            cwd=workdir,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        return ClaudeRun(result, self.upstream.messages()[before:])


@pytest.fixture(scope="module")
def ccproxy_run_claude(claude: Path, proxy: ProxyProcess, config_path: Path) -> list[str]:
    """`ccproxy run -- claude`, pointed at the shared proxy."""
    argv = [sys.executable, "-m", "ccproxy", "run", "--config", str(config_path)]
    return [*argv, "--port", str(proxy.port), "--", str(claude)]


@pytest.fixture(scope="module")
def cli(
    ccproxy_run_claude: list[str],
    upstream: FakeUpstream,
    answers: ScriptedAnswers,
    tmp_path_factory: pytest.TempPathFactory,
) -> ClaudeThroughCCProxy:
    return ClaudeThroughCCProxy(ccproxy_run_claude, upstream, answers, tmp_path_factory)


@pytest.fixture(scope="module")
def plain_run(cli: ClaudeThroughCCProxy) -> ClaudeRun:
    return cli.run("-p", PROMPT)


def assert_printed_answer_of(run: ClaudeRun, label: str) -> None:
    assert run.result.returncode == 0, run.result.stderr
    assert run.result.stdout.strip() == answer_text(UPSTREAM_MODELS[label])


def test_main_turn_reaches_the_default_route_and_its_answer_is_printed(
    plain_run: ClaudeRun,
) -> None:
    assert_printed_answer_of(plain_run, "default")
    assert plain_run.models_of("main") == {UPSTREAM_MODELS["default"]}
    assert "starting a proxy" not in plain_run.result.stderr  # the shared proxy served it


def test_title_chore_reaches_the_background_route(plain_run: ClaudeRun) -> None:
    assert len(plain_run.of_kind("title")) == 1
    assert plain_run.models_of("title") == {UPSTREAM_MODELS["background"]}


def test_web_search_tool_request_reaches_the_web_search_route(cli: ClaudeThroughCCProxy) -> None:
    search = ("WebSearch", {"query": "what does ccproxy route"})
    run = cli.run("-p", PROMPT, "--allowedTools", "WebSearch", tool_call=search)

    assert_printed_answer_of(run, "default")
    assert len(run.of_kind("web_search")) == 1
    assert run.models_of("web_search") == {UPSTREAM_MODELS["web_search"]}
    assert run.models_of("main") == {UPSTREAM_MODELS["default"]}


def test_subagent_requests_reach_the_subagent_route(cli: ClaudeThroughCCProxy) -> None:
    delegate = (
        "Agent",
        {
            "description": "Summarise the router",
            "prompt": "Say what it does.",
            "subagent_type": "general-purpose",
        },
    )
    run = cli.run("-p", PROMPT, "--allowedTools", "Agent", tool_call=delegate)

    # Newer releases run the agent in the background and answer again when it is done.
    assert run.result.returncode == 0, run.result.stderr
    assert answer_text(UPSTREAM_MODELS["default"]) in run.result.stdout
    assert run.of_kind("subagent")
    assert run.models_of("subagent") == {UPSTREAM_MODELS["subagent"]}
    assert run.models_of("main") == {UPSTREAM_MODELS["default"]}


def test_large_piped_input_reaches_the_long_context_route(cli: ClaudeThroughCCProxy) -> None:
    run = cli.run("-p", PROMPT, stdin=_long_text(LONG_INPUT_BYTES))

    assert_printed_answer_of(run, "long_context")
    assert run.models_of("main") == {UPSTREAM_MODELS["long_context"]}
    # The title chore carries the whole input too: the window is checked before the chore.
    assert run.models_of("title") == {UPSTREAM_MODELS["long_context"]}


def test_effort_max_reaches_the_think_route(cli: ClaudeThroughCCProxy) -> None:
    run = cli.run("-p", PROMPT, "--effort", "max")

    assert_printed_answer_of(run, "think")
    [main_turn] = run.of_kind("main")
    assert main_turn.model == UPSTREAM_MODELS["think"]
    assert main_turn.body["output_config"]["effort"] == "max"


def _long_text(size: int) -> str:
    """Made-up words: about three bytes a token, as in source code, so well past the threshold."""
    rng = random.Random(size)
    words = []
    length = 0
    while length < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
        words.append(word)
        length += len(word) + 1
    return " ".join(words)

"""`ccproxy explain` and `ccproxy check` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import claude_requests as cc

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "claude-code-2.1.197"

# The label each capture's README row implies.
FIXTURE_LABELS = {
    "print_main_opus.json": "default",
    "main_after_read_tool_result.json": "default",
    "main_haiku_model.json": "background",
    "title_generation_interactive.json": "background",
    "subagent_general_purpose.json": "subagent",
    "websearch_server_tool.json": "web_search",
}


def ccproxy(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ccproxy", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"no captures at {FIXTURES}")
@pytest.mark.parametrize("name", sorted(FIXTURE_LABELS))
def test_explain_prints_the_label_each_capture_implies(name: str) -> None:
    result = ccproxy("explain", str(FIXTURES / name))

    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["label"] == FIXTURE_LABELS[name]
    assert decision["route"] in ("sonnet", "haiku", "opus")
    assert decision["model"].startswith("anthropic/claude-")
    assert decision["reasons"] and decision["tokens"] > 0


def test_explain_reads_a_bare_body_from_stdin() -> None:
    result = ccproxy("explain", "-", stdin=json.dumps(cc.web_search_request()))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] == "web_search"


def test_explain_on_a_file_that_is_not_json_fails_with_exit_1(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text("{not json")

    result = ccproxy("explain", str(request))

    assert result.returncode == 1
    assert result.stdout == ""
    assert "request.json: not JSON" in result.stderr


def test_explain_without_a_request_is_a_bad_invocation() -> None:
    result = ccproxy("explain")
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


def test_check_on_a_route_to_a_missing_model_exits_1_naming_both(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: sonnet\n    litellm_params: {model: anthropic/x}\n"
        "ccproxy:\n  routes: {default: sonnet, think: opus}\n"
    )

    result = ccproxy("check", "--config", str(config))

    assert result.returncode == 1
    assert "ccproxy.routes.think: got 'opus'; expected a model_name of: sonnet" in result.stderr


def test_check_on_a_good_config_exits_0() -> None:
    result = ccproxy("check")

    assert result.returncode == 0, result.stderr
    assert "default       -> sonnet (anthropic/claude-sonnet-4-5-20250929)" in result.stdout
    assert result.stderr == ""


def test_check_warns_of_a_route_no_rule_leads_to(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: sonnet\n    litellm_params: {model: anthropic/x}\n"
        "ccproxy:\n  routes: {default: sonnet, think: sonnet}\n  rules: [long_context]\n"
    )

    result = ccproxy("check", "--config", str(config))

    assert result.returncode == 0
    assert result.stderr == "Warning: ccproxy.routes.think: no rule in ccproxy.rules gives it\n"


def test_explain_reads_header_values_that_are_not_strings(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    body = cc.main_turn()
    request.write_text(json.dumps({"headers": {"x-ccproxy-tags": 5}, "body": body}))

    result = ccproxy("explain", str(request))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] == "default"


def test_the_readmes_explain_example_prints_what_the_readme_shows() -> None:
    repo = Path(__file__).resolve().parents[1]
    command = "$ .venv/bin/ccproxy explain examples/title_chore.json\n"
    readme = (repo / "README.md").read_text()
    shown = readme[readme.index(command) + len(command) :].split("```", 1)[0]

    result = ccproxy("explain", str(repo / "examples" / "title_chore.json"))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(shown)


def test_a_config_file_that_does_not_exist_is_a_bad_invocation(tmp_path: Path) -> None:
    result = ccproxy("check", "--config", str(tmp_path / "nope.yaml"))

    assert result.returncode == 2
    assert "nope.yaml' does not exist" in result.stderr

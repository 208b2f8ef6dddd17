"""Config errors name the key, the bad value and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccproxy.config import load_config
from ccproxy.errors import ConfigError

MODELS = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929}
  - model_name: haiku
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001}
  - model_name: opus
    litellm_params: {model: anthropic/claude-opus-4-1-20250805}
"""

MINIMAL = (
    MODELS
    + """\
ccproxy:
  routes:
    default: sonnet
    background: haiku
    think: opus
"""
)


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(config_file(tmp_path, text))
    return str(caught.value)


def test_the_minimal_config_of_the_product_brief_loads(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, MINIMAL))

    assert config.settings.routes == {"default": "sonnet", "background": "haiku", "think": "opus"}
    assert config.deployments["haiku"].model == "anthropic/claude-haiku-4-5-20251001"
    assert [label for label, _ in config.build_rules()] == [
        "long_context", "web_search", "subagent", "background", "think",
    ]  # fmt: skip


def test_the_builtin_default_routes_every_label() -> None:
    routes = load_config(None).settings.routes
    assert set(routes) == {"default", "background", "think", "long_context", "web_search",
                           "subagent"}  # fmt: skip
    assert (routes["background"], routes["think"], routes["default"]) == ("haiku", "opus", "sonnet")


def test_a_route_to_a_missing_model_names_the_route_and_the_model(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL.replace("think: opus", "think: gpt-9"))
    assert message == (
        "ccproxy.routes.think: got 'gpt-9'; expected a model_name of: sonnet, haiku, opus"
    )


def test_an_unknown_label_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + "    thinking_hard: opus\n")
    assert message.startswith("ccproxy.routes.thinking_hard: got 'thinking_hard'; expected a label")


def test_a_missing_default_route_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL.replace("    default: sonnet\n", ""))
    assert message.startswith("ccproxy.routes.default:")


def test_a_custom_rule_that_does_not_import_names_the_rule(tmp_path: Path) -> None:
    text = MINIMAL + "  rules:\n    - cheap: {rule: 'no_such_package.rules:Cheap'}\n"
    message = error_for(tmp_path, text)
    assert message.startswith("ccproxy.rules[0].cheap: got 'no_such_package.rules:Cheap'")
    assert "importable module" in message


def test_a_bad_rule_option_names_the_option_and_value(tmp_path: Path) -> None:
    text = MINIMAL + "  rules:\n    - long_context: {threshold: -5}\n"
    message = error_for(tmp_path, text)
    assert message == "ccproxy.rules[0].long_context.threshold: got -5; expected greater than 0"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("long_context: {threshold: true}", "threshold: got True; expected an integer"),
        ("long_context: {threshold: '9'}", "threshold: got '9'; expected an integer"),
        ("background: {chores: 1}", "chores: got 1; expected true or false"),
        ("web_search: {tool_types: web_*}", "tool_types: got 'web_*'; expected a list"),
    ],
)
def test_a_rule_option_of_the_wrong_type_is_refused_not_coerced(
    tmp_path: Path, options: str, message: str
) -> None:
    assert error_for(tmp_path, MINIMAL + f"  rules:\n    - {options}\n").endswith(message)


def test_an_unknown_rule_option_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + "  rules:\n    - think: {effort: max}\n")
    assert message.startswith("ccproxy.rules[0].think.effort: got 'max'")


def test_an_unknown_key_in_the_section_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + "  route: {}\n")
    expected = "one of the keys routes, rules, fallbacks, log"
    assert message == f"ccproxy.route: got {{}}; expected {expected}"


def test_an_unknown_key_in_a_nested_section_lists_the_keys_it_takes(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + "  log: {colour: blue}\n")
    assert message == "ccproxy.log.colour: got 'blue'; expected one of the keys format, level"


def test_log_settings_take_any_case_and_a_bad_one_lists_what_is_expected(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, MINIMAL + "  log: {level: warning, format: JSON}\n"))
    assert (config.settings.log.level, config.settings.log.format) == ("WARNING", "json")

    message = error_for(tmp_path, MINIMAL + "  log: {level: verbose}\n")
    assert message == (
        "ccproxy.log.level: got 'VERBOSE'; expected 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"
    )


def test_a_missing_section_is_refused(tmp_path: Path) -> None:
    assert error_for(tmp_path, MODELS).startswith("ccproxy: got None; expected a mapping")


def test_a_fallback_to_a_missing_model_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + "  fallbacks:\n    think: [sonnet, gpt-9]\n")
    assert message.startswith("ccproxy.fallbacks.think[1]: got 'gpt-9'")


def test_a_custom_rule_loads_by_import_path_like_the_builtins(tmp_path: Path) -> None:
    text = MINIMAL.replace("think: opus", "think: opus\n    cheap: haiku") + (
        "  rules:\n    - cheap: {rule: 'ccproxy.rules:WebSearchRule', tool_types: ['x*']}\n"
    )
    ((label, rule),) = load_config(config_file(tmp_path, text)).build_rules()
    assert label == "cheap"
    assert type(rule).__name__ == "WebSearchRule"


@pytest.mark.parametrize(
    ("source", "raised"),
    [
        ("def broken(:\n", "SyntaxError at "),
        ("raise RuntimeError('sk-secret-canary')\n", "RuntimeError at "),
        (
            "class Rule:\n    def __init__(self):\n        raise ValueError('sk-secret-canary')\n",
            "ValueError at ",
        ),
    ],
    ids=["syntax error", "raises on import", "constructor raises"],
)
def test_a_custom_rule_that_fails_is_named_with_its_error_class_and_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, raised: str
) -> None:
    module = f"failing_rule_{tmp_path.name}"  # a name of its own: imports are cached
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    text = MINIMAL.replace("think: opus", "think: opus\n    cheap: haiku")
    text += f"  rules:\n    - cheap: {{rule: '{module}:Rule'}}\n"

    message = error_for(tmp_path, text)

    assert message.startswith("ccproxy.rules[0].cheap: got ")
    assert f"({raised}{tmp_path / module}.py:" in message
    assert "sk-secret-canary" not in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--config: got '.*nope\.yaml'; expected a readable"):
        load_config(tmp_path / "nope.yaml")


def test_a_mis_shaped_model_list_is_described_not_printed(tmp_path: Path) -> None:
    """The list holds API keys, and the message reaches terminals and log lines."""
    text = "model_list: {model: x, api_key: sk-secret-canary}\nccproxy: {routes: {default: x}}\n"
    message = error_for(tmp_path, text)
    assert message == (
        "model_list: got a mapping with keys model, api_key; expected a non-empty list of models"
    )
    assert "sk-secret-canary" not in message


def test_invalid_yaml_says_where_without_quoting_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, MODELS + "  api_key: sk-secret-canary: [\n")
    assert message.endswith("(expected <block end>, but found '?' at line 8, column 3)")
    assert "sk-secret-canary" not in message


def test_a_callbacks_entry_naming_the_handler_class_is_refused(tmp_path: Path) -> None:
    """Public report: a class in `callbacks:` loaded fine and was then never called."""
    text = MINIMAL + "litellm_settings:\n  callbacks: [ccproxy.handler.CCProxyHandler]\n"
    assert error_for(tmp_path, text) == (
        "litellm_settings.callbacks: got 'ccproxy.handler.CCProxyHandler'; "
        "expected the instance 'ccproxy.handler.proxy_handler_instance'"
    )


def test_a_context_window_that_is_not_a_positive_integer_is_refused(tmp_path: Path) -> None:
    haiku = "{model: anthropic/claude-haiku-4-5-20251001}"
    text = MINIMAL.replace(haiku, haiku + "\n    model_info: {max_input_tokens: '200000'}")
    assert error_for(tmp_path, text) == (
        "model_list[1].model_info.max_input_tokens: got '200000'; expected a positive integer"
    )


CREDENTIAL_MODELS = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929}
  - model_name: haiku
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001}
  - model_name: keyed
    litellm_params: {model: anthropic/claude-opus-4-1-20250805, api_key: sk-operator}
  - model_name: gpt
    litellm_params: {model: openai/gpt-4o, api_key: sk-openai}
ccproxy:
  routes: {default: sonnet, background: keyed}
"""


@pytest.mark.parametrize("fallback", ["keyed", "gpt"])
def test_a_route_taking_the_clients_key_may_not_fall_back_where_that_key_would_leak(
    tmp_path: Path, fallback: str
) -> None:
    text = CREDENTIAL_MODELS + f"  fallbacks: {{default: [haiku, {fallback}]}}\n"
    assert error_for(tmp_path, text) == (
        f"ccproxy.fallbacks.default[1]: got '{fallback}'; expected a route that takes the "
        "client's own key, as sonnet does (the client's key would reach it)"
    )


def test_a_route_with_its_own_key_may_not_fall_back_to_one_needing_the_clients(
    tmp_path: Path,
) -> None:
    text = CREDENTIAL_MODELS + "  fallbacks: {background: [gpt, sonnet]}\n"
    assert error_for(tmp_path, text) == (
        "ccproxy.fallbacks.background[1]: got 'sonnet'; expected a route with a key of its "
        "own, as keyed has (the client's key is withheld from its requests)"
    )


def test_fallbacks_that_keep_each_key_where_it_belongs_load(tmp_path: Path) -> None:
    text = CREDENTIAL_MODELS + "  fallbacks: {default: [haiku], background: [gpt]}\n"
    config = load_config(config_file(tmp_path, text))
    assert config.settings.fallbacks == {"default": ["haiku"], "background": ["gpt"]}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "litellm_settings: [1, 2]\n",
            "litellm_settings: got a list of 2 items; expected a mapping",
        ),
        ("general_settings: [1]\n", "general_settings: got a list of 1 items; expected a mapping"),
        (
            "litellm_settings: {callbacks: 5}\n",
            "litellm_settings.callbacks: got 5; expected a list of import paths",
        ),
        (
            "litellm_settings: {callbacks: {a: 1}}\n",
            "litellm_settings.callbacks: got a mapping with keys a; expected a list of",
        ),
    ],
)
def test_a_litellm_section_of_the_wrong_shape_is_refused_before_litellm_meets_it(
    tmp_path: Path, section: str, message: str
) -> None:
    assert error_for(tmp_path, MINIMAL + section).startswith(message)


def test_an_empty_file_is_named_as_one(tmp_path: Path) -> None:
    assert error_for(tmp_path, "").endswith(
        "got 'an empty file'; expected a YAML mapping at the top level"
    )


def test_a_missing_key_is_told_as_nothing_written(tmp_path: Path) -> None:
    assert error_for(tmp_path, MODELS + "ccproxy:\n  route: {default: sonnet}\n") == (
        "ccproxy.routes: got nothing; expected a value: the key is required"
    )

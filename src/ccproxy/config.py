"""The config file: a LiteLLM proxy config with a `ccproxy:` section, validated when it loads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ccproxy.credentials import client_credential_routes
from ccproxy.errors import ConfigError, validation_error
from ccproxy.router import Deployment
from ccproxy.rules import BUILTIN_RULES, DEFAULT_LABEL, DEFAULT_ORDER, Rule, load_rule

BUILTIN_CONFIG_PATH = Path(__file__).with_name("default_config.yaml")

# LiteLLM's own top-level sections, each a mapping.
LITELLM_SECTIONS = (
    "litellm_settings",
    "general_settings",
    "router_settings",
    "environment_variables",
)

# What `litellm_settings.callbacks` names: LiteLLM calls the hooks of an instance only.
HANDLER_PATH = "ccproxy.handler.proxy_handler_instance"
HANDLER_CLASS_PATH = "ccproxy.handler.CCProxyHandler"

BUILTIN_LABELS = (DEFAULT_LABEL, *DEFAULT_ORDER)


class RuleSpec(BaseModel):
    """One entry of `ccproxy.rules`: the label it gives, the rule class, and its options."""

    model_config = ConfigDict(frozen=True)

    label: str
    rule: str
    options: dict[str, Any] = Field(default_factory=dict)


class LogSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["auto", "json", "console"] = "auto"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("format", "level", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "level" else value.lower()


class CCProxySettings(BaseModel):
    """The `ccproxy:` section."""

    model_config = ConfigDict(extra="forbid")

    routes: dict[str, str]
    rules: list[RuleSpec] = Field(default_factory=list)
    fallbacks: dict[str, list[str]] = Field(default_factory=dict)
    log: LogSettings = Field(default_factory=LogSettings)

    @model_validator(mode="before")
    @classmethod
    def _default_rules(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("rules") is None:
            return {**data, "rules": list(DEFAULT_ORDER)}
        return data

    @field_validator("rules", mode="before")
    @classmethod
    def _read_rules(cls, value: object) -> object:
        if not isinstance(value, list):
            raise ConfigError("ccproxy.rules", value, "a list of rules")
        return [_rule_spec(index, item) for index, item in enumerate(value)]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a route may name: the built-in ones plus those the rules give."""
        return tuple(dict.fromkeys([*BUILTIN_LABELS, *(spec.label for spec in self.rules)]))


@dataclass(frozen=True)
class Config:
    """A loaded, validated config."""

    path: Path
    litellm: dict[str, Any]
    settings: CCProxySettings
    deployments: dict[str, Deployment]

    @property
    def unreachable_routes(self) -> list[str]:
        """Routed labels that no rule gives, so no request reaches their route."""
        given = {spec.label for spec in self.settings.rules}
        return [label for label in self.settings.routes if label not in given | {DEFAULT_LABEL}]

    @property
    def callbacks(self) -> list[str]:
        """The import paths in `litellm_settings.callbacks`."""
        settings = self.litellm.get("litellm_settings") or {}
        callbacks = settings.get("callbacks") if isinstance(settings, dict) else None
        if isinstance(callbacks, str):
            return [callbacks]
        return [entry for entry in callbacks or [] if isinstance(entry, str)]

    def build_rules(self) -> list[tuple[str, Rule]]:
        return [
            (spec.label, load_rule(f"ccproxy.rules[{index}].{spec.label}", spec.rule, spec.options))
            for index, spec in enumerate(self.settings.rules)
        ]


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file; None reads the built-in default."""
    config_path = Path(path) if path is not None else BUILTIN_CONFIG_PATH
    raw = _read_yaml(config_path)

    _check_litellm_sections(raw)
    deployments = _deployments(raw.get("model_list"))
    settings = _settings(raw.get("ccproxy"))
    _check_routes(settings, deployments, raw.get("model_list"))
    config = Config(config_path, raw, settings, deployments)
    config.build_rules()
    _check_callbacks(config)

    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError("--config", str(path), f"a readable file ({error.strerror})") from error
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(str(path), "invalid YAML", f"valid YAML ({_where(error)})") from error
    if raw is None:
        raise ConfigError(str(path), "an empty file", "a YAML mapping at the top level")
    if not isinstance(raw, dict):
        raise ConfigError(str(path), type(raw).__name__, "a YAML mapping at the top level")
    return raw


def _where(error: yaml.YAMLError) -> str:
    # PyYAML's own message quotes the offending line, which may hold a key: say where only.
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "unreadable"
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


def _deployments(model_list: object) -> dict[str, Deployment]:
    if not isinstance(model_list, list) or not model_list:
        raise ConfigError("model_list", model_list, "a non-empty list of models")

    deployments: dict[str, Deployment] = {}
    for index, entry in enumerate(model_list):
        name = entry.get("model_name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise ConfigError(f"model_list[{index}].model_name", name, "a string")
        params = entry.get("litellm_params") or {}
        # LiteLLM balances load over entries sharing a model_name; the first describes them.
        deployments.setdefault(
            name,
            Deployment(
                name=name,
                model=str(params.get("model", name)) if isinstance(params, dict) else name,
                max_input_tokens=_window(index, entry.get("model_info")),
            ),
        )
    return deployments


def _window(index: int, info: object) -> int | None:
    window = info.get("max_input_tokens") if isinstance(info, dict) else None
    if window is None:
        return None
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        key = f"model_list[{index}].model_info.max_input_tokens"
        raise ConfigError(key, window, "a positive integer")
    return window


def _settings(section: object) -> CCProxySettings:
    if not isinstance(section, dict):
        raise ConfigError("ccproxy", section, "a mapping with at least routes.default")
    try:
        return CCProxySettings.model_validate(section)
    except ValidationError as error:
        raise validation_error("ccproxy", error, CCProxySettings) from error


def _check_routes(
    settings: CCProxySettings, deployments: dict[str, Deployment], model_list: object
) -> None:
    known = ", ".join(deployments)
    if DEFAULT_LABEL not in settings.routes:
        raise ConfigError("ccproxy.routes.default", None, "a model_name from model_list")

    for label, name in settings.routes.items():
        if label not in settings.labels:
            expected = f"one of {', '.join(settings.labels)}"
            raise ConfigError(f"ccproxy.routes.{label}", label, f"a label: {expected}")
        if name not in deployments:
            raise ConfigError(f"ccproxy.routes.{label}", name, f"a model_name of: {known}")

    for label, names in settings.fallbacks.items():
        if label not in settings.routes:
            raise ConfigError(f"ccproxy.fallbacks.{label}", label, "a label with a route")
        for index, name in enumerate(names):
            if name not in deployments:
                key = f"ccproxy.fallbacks.{label}[{index}]"
                raise ConfigError(key, name, f"a model_name of: {known}")
    _check_fallback_credentials(settings, model_list)


def _check_fallback_credentials(settings: CCProxySettings, model_list: object) -> None:
    """A route falls back only to routes that take the same credential: the client's, or one
    of their own.

    LiteLLM sends the request's credentials to each fallback as they are: the client's key
    would reach another provider, or replace the key the config gives a deployment; and a
    request withheld the client's key has none for a route that needs it.
    """
    takes_client_key = client_credential_routes(model_list)
    for label, names in settings.fallbacks.items():
        route = settings.routes[label]
        client_key = route in takes_client_key
        for index, name in enumerate(names):
            if (name in takes_client_key) == client_key:
                continue
            if client_key:
                expected = f"a route that takes the client's own key, as {route} does"
                expected += " (the client's key would reach it)"
            else:
                expected = f"a route with a key of its own, as {route} has"
                expected += " (the client's key is withheld from its requests)"
            raise ConfigError(f"ccproxy.fallbacks.{label}[{index}]", name, expected)


def _check_litellm_sections(raw: dict[str, Any]) -> None:
    """The shapes of LiteLLM's own sections, which LiteLLM would meet with a traceback."""
    for section in LITELLM_SECTIONS:
        value = raw.get(section)
        if value is not None and not isinstance(value, dict):
            raise ConfigError(section, value, "a mapping")

    settings = raw.get("litellm_settings") or {}
    callbacks = settings.get("callbacks")
    listed = isinstance(callbacks, list) and all(isinstance(entry, str) for entry in callbacks)
    if callbacks is not None and not (listed or isinstance(callbacks, str)):
        expected = "a list of import paths, such as [ccproxy.handler.proxy_handler_instance]"
        raise ConfigError("litellm_settings.callbacks", callbacks, expected)


def _check_callbacks(config: Config) -> None:
    # A class loads without complaint and is then never called: a silent loss of routing.
    if HANDLER_CLASS_PATH in config.callbacks:
        expected = f"the instance {HANDLER_PATH!r}"
        raise ConfigError("litellm_settings.callbacks", HANDLER_CLASS_PATH, expected)


def _rule_spec(index: int, item: object) -> RuleSpec:
    """Read `- think`, `- think: {efforts: [max]}` or `- mine: {rule: pkg.mod:Cls, ...}`."""
    key = f"ccproxy.rules[{index}]"
    label: object = item
    options: object = {}
    if isinstance(item, dict) and len(item) == 1:
        label, options = next(iter(item.items()))
        options = options if options is not None else {}

    if not isinstance(label, str) or not isinstance(options, dict):
        raise ConfigError(key, item, "a label, or a mapping of one label to its options")
    options = dict(options)
    path = options.pop("rule", None) or BUILTIN_RULES.get(label)
    if path is None:
        expected = f"a built-in label ({', '.join(BUILTIN_RULES)}) or a 'rule:' import path"
        raise ConfigError(f"{key}.{label}", label, expected)

    return RuleSpec(label=label, rule=str(path), options=options)

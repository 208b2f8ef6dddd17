"""Rules: each decides whether a request carries its label, and says why.

A rule is any class whose instances have `match(request) -> str | None`, returning the reason
when the request carries the rule's label. Built-in rules are named by import path in
`BUILTIN_RULES` and load through `load_rule`, the same path a user's own rule takes. A rule that
is a pydantic model gets its options validated, with errors that name the option.
"""

from __future__ import annotations

import importlib
import traceback
from fnmatch import fnmatchcase
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ccproxy.errors import ConfigError, validation_error
from ccproxy.features import RequestFeatures


@runtime_checkable
class Rule(Protocol):
    def match(self, request: RequestFeatures) -> str | None:
        """The reason the request carries this rule's label, or None when it doesn't."""


class _BuiltinRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LongContextRule(_BuiltinRule):
    """More input than the default model should take: everything the model reads is counted."""

    threshold: int = Field(default=60_000, gt=0, strict=True)

    @property
    def token_limit(self) -> int:
        return self.threshold

    def match(self, request: RequestFeatures) -> str | None:
        if not request.tokens.exceeds(self.threshold):
            return None
        return f"about {request.tokens.approximate():,} input tokens > {self.threshold:,}"


class WebSearchRule(_BuiltinRule):
    """A server-side web search tool is declared (not Claude Code's client tool `WebSearch`)."""

    tool_types: tuple[str, ...] = ("web_search_*",)

    def match(self, request: RequestFeatures) -> str | None:
        for kind in sorted(request.tool_types):
            if any(fnmatchcase(kind, pattern) for pattern in self.tool_types):
                return f"declares the server tool {kind}"
        return None


class SubagentRule(_BuiltinRule):
    """Claude Code marks the request as a subagent's, or the caller tagged it."""

    tag: str = "subagent"

    def match(self, request: RequestFeatures) -> str | None:
        if request.is_subagent:
            return "Claude Code marks it as a subagent's (cc_is_subagent=true)"
        if self.tag in request.tags:
            return f"tagged {self.tag!r}"
        return None


class BackgroundRule(_BuiltinRule):
    """Chores: a haiku-class model asked for, or Claude Code's tool-less, thinking-less calls."""

    models: tuple[str, ...] = ("*haiku*",)
    chores: bool = Field(default=True, strict=True)

    def match(self, request: RequestFeatures) -> str | None:
        model = request.model.lower()
        for pattern in self.models:
            if fnmatchcase(model, pattern.lower()):
                return f"model {request.model} matches {pattern!r}"

        # Claude Code 2.x sends title and summary chores to the main turn's big model.
        quiet = request.thinking in (None, "disabled")
        if self.chores and request.from_claude_code and request.tool_count == 0 and quiet:
            return "Claude Code chore: no tools, no thinking"
        return None


class ThinkRule(_BuiltinRule):
    """The client asked for deeper reasoning: a thinking budget or a high effort level."""

    efforts: tuple[str, ...] = ("xhigh", "max")
    min_budget: int = Field(default=1, gt=0, strict=True)

    def match(self, request: RequestFeatures) -> str | None:
        budget = request.thinking_budget
        if request.thinking == "enabled" and budget is not None and budget >= self.min_budget:
            return f"thinking enabled with a budget of {budget:,} tokens"
        if request.effort in self.efforts:
            return f"effort {request.effort}"
        return None


BUILTIN_RULES: dict[str, str] = {
    "long_context": "ccproxy.rules:LongContextRule",
    "web_search": "ccproxy.rules:WebSearchRule",
    "subagent": "ccproxy.rules:SubagentRule",
    "background": "ccproxy.rules:BackgroundRule",
    "think": "ccproxy.rules:ThinkRule",
}

DEFAULT_ORDER = tuple(BUILTIN_RULES)
DEFAULT_LABEL = "default"


def load_rule(key: str, path: str, options: dict[str, Any]) -> Rule:
    """Import the rule class at `path` ("module:Class") and build it from `options`."""
    rule_class = _import(key, path)

    if isinstance(rule_class, type) and issubclass(rule_class, BaseModel):
        try:
            rule = rule_class.model_validate(options)
        except ValidationError as error:
            raise validation_error(key, error, rule_class) from error
    else:
        try:
            rule = rule_class(**options)
        except TypeError as error:
            raise ConfigError(key, options, f"options {path} accepts ({error})") from error
        except Exception as error:
            # The class only, and where: the message of a user's code is not ours to print.
            expected = f"options {path} accepts ({raised(error)})"
            raise ConfigError(key, options, expected) from error

    if not isinstance(rule, Rule):
        raise ConfigError(key, path, "a class whose instances have match(request)")
    return rule


def _import(key: str, path: str) -> Any:
    module_name, _, attribute = path.replace(":", ".").rpartition(".")
    if not module_name:
        raise ConfigError(key, path, "an import path such as 'package.module:RuleClass'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(key, path, f"an importable module ({error})") from error
    except Exception as error:  # a user's module may fail to compile or raise as it runs
        raise ConfigError(key, path, f"a module that imports ({raised(error)})") from error
    try:
        return getattr(module, attribute)
    except AttributeError as error:
        raise ConfigError(key, path, f"a class {attribute!r} in module {module_name}") from error


def raised(error: BaseException) -> str:
    """An exception's class and where it was raised, without its message."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{type(error).__name__} at {error.filename}:{error.lineno}"
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    return f"{type(error).__name__} at {frames[-1].filename}:{frames[-1].lineno}"

"""The errors ccproxy raises on purpose; the CLI turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


class _Nothing:
    """The value of a key that is not there, as an error message shows it."""

    def __repr__(self) -> str:
        return "nothing"


NOTHING = _Nothing()

# Pydantic's words for types, in the words of a YAML file.
_TYPE_WORDS = {
    "a valid tuple": "a list",
    "a valid list": "a list",
    "a valid dictionary": "a mapping",
    "a valid string": "a string",
    "a valid integer": "an integer",
    "a valid boolean": "true or false",
}


class CCProxyError(Exception):
    """Base of every error ccproxy raises on purpose."""


class ConfigError(CCProxyError):
    """The configuration is wrong; the message names the key, the value and what was expected."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(f"{key}: got {describe(value)}; expected {expected}")


class RequestError(CCProxyError):
    """A request body that cannot be read; the message names the field and what was expected."""


def describe(value: object, limit: int = 80) -> str:
    """A short rendering of a config value for an error message.

    Containers are described, not printed: a mis-shaped `model_list` holds API keys, and the
    message reaches terminals and log lines.
    """
    if isinstance(value, dict | list | tuple) and not value:
        return repr(value)
    if isinstance(value, dict):
        return f"a mapping with keys {', '.join(map(str, list(value)[:8]))}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validation_error(
    key: str, error: ValidationError, model: type[BaseModel] | None = None
) -> ConfigError:
    """The first problem pydantic found in the section at `key` (read into `model`)."""
    problem = error.errors()[0]
    location = [str(part) for part in problem["loc"]]

    expected = _expected(problem, _fields_at(model, location[:-1]))
    # Pydantic gives a missing key's parent as its input: the key itself was not written.
    found = NOTHING if problem["type"] == "missing" else problem.get("input")
    return ConfigError(".".join([key, *location]), found, expected)


def _expected(problem: Any, fields: Sequence[str]) -> str:
    if problem["type"] == "extra_forbidden" and fields:
        return f"one of the keys {', '.join(fields)}"
    if problem["type"] == "missing":
        return "a value: the key is required"

    wanted = str(problem["msg"]).removeprefix("Input should be ")
    for word, plain in _TYPE_WORDS.items():
        wanted = wanted.replace(word, plain)
    return wanted


def _fields_at(model: type[BaseModel] | None, path: Sequence[str]) -> list[str]:
    """The keys the model nested at `path` in `model` takes, when it is a pydantic model."""
    for part in path:
        field = model.model_fields.get(part) if model is not None else None
        annotation = field.annotation if field is not None else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            model = None
    return list(model.model_fields) if model is not None else []

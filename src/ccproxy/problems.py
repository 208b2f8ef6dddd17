"""How a problem with a request body is told: the field, what was expected, what was found.

A number or boolean found is shown as it is; anything else only by its kind, never its
value: strings, lists and objects may be request content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

# Integers shown in full up to this size; a longer one would only clutter the message.
_SHOWN_INTEGER_LIMIT = 10**15


def expected(field: str, what: str, found: object) -> str:
    return f"{field}: expected {what}, got {_kind(found)}"


def one_of(field: str, names: tuple[str, ...], found: object, noun: str) -> str:
    return unknown(field, "one of " + ", ".join(names), found, noun)


def unknown(field: str, what: str, found: object, noun: str) -> str:
    # A name outside the list is still the client's string: told as unknown, not shown.
    if is_name(found):
        return f"{field}: expected {what}, got an unknown {noun}"
    return expected(field, what, found)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _number(value: bool | int | float) -> str:
    # Numbers and booleans are not request content: "got 0" says more than "got an integer".
    if isinstance(value, int) and abs(value) >= _SHOWN_INTEGER_LIMIT:
        return "an integer too large to show"
    return json.dumps(value)


def _string(value: str) -> str:
    # A string may be a prompt: only its emptiness is told.
    if not value:
        return "an empty string"
    if not value.strip():
        return "a string of only whitespace"
    return "a string"


def is_name(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())

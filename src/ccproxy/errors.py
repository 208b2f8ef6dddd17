"""The errors ccproxy raises on purpose; the CLI turns them into messages and exit codes."""


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

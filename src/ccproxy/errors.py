"""The errors ccproxy raises on purpose; the CLI turns them into messages and exit codes."""


class CCProxyError(Exception):
    """Base of every error ccproxy raises on purpose."""


class ConfigError(CCProxyError):
    """The configuration is wrong; the message names the key, the value and what was expected."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(f"{key}: got {value!r}; expected {expected}")


class RequestError(CCProxyError):
    """A request body that cannot be read; the message names the field and what was expected."""

"""ccproxy: routes each Claude Code request to the model that should serve it."""

__version__ = "0.1.0"

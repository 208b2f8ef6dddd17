"""The tools of a request body, checked as far as LiteLLM reads them.

On ``/v1/messages`` a custom tool needs a name LiteLLM can read; a typed one is a server tool
(``web_search_20250305``, ...), which the upstream judges. A chat tool is turned into
Anthropic's by LiteLLM: OpenAI's function tools, the Anthropic tools it maps from a chat
body, and tools already in Anthropic's form, which it sends on as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccproxy.problems import expected, is_name, unknown

# Chat tool types: OpenAI's, then the Anthropic tools LiteLLM 1.110.2 maps from a chat body
# (AnthropicConfig._map_tool_helper). The hosted ones need a name; LiteLLM raises without it.
_CHAT_FUNCTION_TOOLS = ("function", "custom")
_HOSTED_TOOL_PREFIXES = (
    "web_search",
    "web_fetch",
    "bash",
    "text_editor",
    "code_execution",
    "memory",
    "tool_search_tool",
)
_OTHER_ANTHROPIC_TOOLS = ("mcp", "url", "namespace", "advisor_20260301")
_CHAT_TOOL_TYPES = "function, custom or an Anthropic tool type such as web_search_20250305"


def tools_problem(body: Mapping[str, Any], anthropic: bool) -> str | None:
    tools = body.get("tools")
    if tools is None:
        return None
    if not isinstance(tools, list):
        return expected("tools", "a list of tools", tools)

    check = _anthropic_tool if anthropic else _chat_tool
    for index, tool in enumerate(tools):
        problem = check(f"tools[{index}]", tool)
        if problem is not None:
            return problem
    return None


def _anthropic_tool(where: str, tool: object) -> str | None:
    """A custom tool (no type, or ``custom``) needs a name; a typed one is a server tool
    (``web_search_20250305``, ...), which the upstream judges."""
    if not isinstance(tool, Mapping):
        return expected(where, "a tool object", tool)
    kind = tool.get("type")
    if kind is not None and not is_name(kind):
        return expected(f"{where}.type", "a tool type", kind)
    if kind not in (None, "custom"):
        return None

    return _name_and_schema(where, tool, "input_schema")


def _chat_tool(where: str, tool: object) -> str | None:
    if not isinstance(tool, Mapping):
        return expected(where, "a tool object", tool)
    if "input_schema" in tool:
        return _chat_tool_in_anthropics_form(where, tool)

    kind = tool.get("type")
    if kind in _CHAT_FUNCTION_TOOLS:
        return _function(f"{where}.function", tool.get("function"))
    if kind in _OTHER_ANTHROPIC_TOOLS:
        return None
    return _mapped_by_prefix(where, tool, kind)


def _mapped_by_prefix(where: str, tool: Mapping[str, Any], kind: object) -> str | None:
    """The Anthropic tools LiteLLM knows by their type's prefix: computer_20250124, ..."""
    if isinstance(kind, str) and kind.startswith("computer_"):
        return _computer_tool(where, tool)
    if isinstance(kind, str) and kind.startswith(_HOSTED_TOOL_PREFIXES):
        return _hosted_tool(where, tool)
    return unknown(f"{where}.type", _CHAT_TOOL_TYPES, kind, "tool type")


def _chat_tool_in_anthropics_form(where: str, tool: Mapping[str, Any]) -> str | None:
    # LiteLLM sends it on as it is, but reads its type as a string: a null one was a traceback
    # in a 400. Anthropic's API declares a custom tool's type nullable: /v1/messages takes it.
    if "type" in tool and tool["type"] is None:
        return expected(f"{where}.type", "a tool type", None)
    return _anthropic_tool(where, tool)


def _function(where: str, function: object) -> str | None:
    if not isinstance(function, Mapping):
        return expected(where, "an object with a name", function)
    return _name_and_schema(where, function, "parameters")


def _name_and_schema(where: str, tool: Mapping[str, Any], schema_field: str) -> str | None:
    if not is_name(tool.get("name")):
        return expected(f"{where}.name", "a tool name", tool.get("name"))
    schema = tool.get(schema_field)
    if schema is not None and not isinstance(schema, Mapping):
        return expected(f"{where}.{schema_field}", "a JSON schema object", schema)
    return None


def _hosted_tool(where: str, tool: Mapping[str, Any]) -> str | None:
    # LiteLLM takes the name from the tool, else from its function.
    function = tool.get("function")
    if "name" not in tool and isinstance(function, Mapping):
        where, tool = f"{where}.function", function
    if not is_name(tool.get("name")):
        return expected(f"{where}.name", "the tool's name", tool.get("name"))
    return None


def _computer_tool(where: str, tool: Mapping[str, Any]) -> str | None:
    """LiteLLM's chat form of it: the display's size in ``function.parameters``.

    LiteLLM reads nothing else, and answered a 500 for Anthropic's own form (the size beside
    the type) or a size left out.
    """
    function = tool.get("function")
    what = "an object with parameters display_width_px and display_height_px"
    if not isinstance(function, Mapping):
        return expected(f"{where}.function", what, function)

    parameters = function.get("parameters")
    if not isinstance(parameters, Mapping):
        where = f"{where}.function.parameters"
        return expected(where, "an object with display_width_px and display_height_px", parameters)

    for name in ("display_width_px", "display_height_px"):
        size = parameters.get(name)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            return expected(f"{where}.function.parameters.{name}", "a positive integer", size)
    return None

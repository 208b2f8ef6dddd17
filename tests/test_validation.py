"""find_problem: which bodies the proxy cannot serve, and what the client is told."""

from __future__ import annotations

from typing import Any

import pytest

from ccproxy.validation import find_problem

from tests.support import claude_requests as cc

MESSAGES = "anthropic_messages"
CHAT = "acompletion"

CLAUDE_CODE_TURN: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 64000,
    "stream": True,
    "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.197;"}],
    "tools": [{"name": "Read", "input_schema": {"type": "object"}}],
    "thinking": {"type": "adaptive"},
    "output_config": {"effort": "high"},
    "metadata": {"user_id": '{"session_id": "s"}'},
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "read it"}]},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t", "name": "Read", "input": {"path": "a"}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t", "content": "file text"}],
        },
        {"role": "system", "content": "mid-conversation system text"},
    ],
}

CHAT_TURN: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function"}]},
        {"role": "tool", "tool_call_id": "c", "content": "42"},
    ],
    "max_completion_tokens": None,
}


def test_a_claude_code_turn_is_servable() -> None:
    assert find_problem(CLAUDE_CODE_TURN, MESSAGES) is None


def test_a_chat_turn_with_a_tool_call_and_no_content_is_servable() -> None:
    assert find_problem(CHAT_TURN, CHAT) is None


def test_chat_needs_no_max_tokens() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}

    assert find_problem(body, CHAT) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"model": None}, "model: expected a model name, got null"),
        ({"model": "  "}, "model: expected a model name, got a string of only whitespace"),
        ({"model": 4}, "model: expected a model name, got 4"),
        ({"messages": "hi"}, "messages: expected a non-empty list of messages, got a string"),
        ({"messages": []}, "messages: expected a non-empty list of messages, got an empty list"),
        (
            {"messages": [3]},
            "messages[0]: expected an object with role and content, got 3",
        ),
        (
            {"messages": [{"content": "x"}]},
            "messages[0].role: expected one of user, assistant, system, got null",
        ),
        ({"max_tokens": "9"}, "max_tokens: expected a positive integer, got a string"),
        ({"max_tokens": 1.0}, "max_tokens: expected a positive integer, got 1.0"),
        ({"max_tokens": False}, "max_tokens: expected a positive integer, got false"),
        ({"max_tokens": -1}, "max_tokens: expected a positive integer, got -1"),
        ({"stream": 1}, "stream: expected true or false, got 1"),
        ({"tools": {}}, "tools: expected a list of tools, got an object"),
        ({"system": 5}, "system: expected a string or a list of text blocks, got 5"),
        ({"system": ["text"]}, "system[0]: expected a content block with a type, got a string"),
        ({"thinking": "on"}, "thinking: expected an object, got a string"),
        ({"metadata": []}, "metadata: expected an object, got an empty list"),
        ({"metadata": {"user_id": 5}}, "metadata.user_id: expected a string, got 5"),
        ({"metadata": {"user_id": [1]}}, "metadata.user_id: expected a string, got a list"),
    ],
)
def test_an_unservable_messages_body_names_the_field_and_the_type_found(
    change: dict[str, Any], expected: str
) -> None:
    assert find_problem({**CLAUDE_CODE_TURN, **change}, MESSAGES) == expected


def test_the_first_problem_in_a_message_list_is_reported_with_its_position() -> None:
    messages = [
        {"role": "user", "content": "fine"},
        {"role": "user", "content": [{"type": "text", "text": "ok"}, "loose text"]},
    ]

    problem = find_problem({**CLAUDE_CODE_TURN, "messages": messages}, MESSAGES)

    assert problem == "messages[1].content[1]: expected a content block with a type, got a string"


@pytest.mark.parametrize("call_type", [MESSAGES, CHAT])
def test_a_body_with_neither_model_nor_messages_is_told_it_is_not_a_request(call_type: str) -> None:
    # What the hook gets for a body LiteLLM could not parse: its own keys, none of the client's.
    unparsed = {"litellm_call_id": "c", "model": None, "proxy_server_request": {"body": {}}}

    problem = find_problem(unparsed, call_type)

    assert problem == "body: expected a JSON object with model and messages, got neither"


def test_a_body_missing_only_the_model_is_told_about_the_model() -> None:
    body = {key: value for key, value in CLAUDE_CODE_TURN.items() if key != "model"}

    assert find_problem(body, MESSAGES) == "model: expected a model name, got null"


@pytest.mark.parametrize("role", ["system", "developer", "user", "assistant", "tool", "function"])
def test_every_role_openai_chat_defines_is_servable(role: str) -> None:
    message = {"role": role, "content": "text", "tool_call_id": "c", "name": "f"}
    body = {**CHAT_TURN, "messages": [{"role": "user", "content": "hi"}, message]}

    assert find_problem(body, CHAT) is None


@pytest.mark.parametrize("role", ["user", "assistant", "system"])
def test_anthropic_roles_and_claude_codes_mid_conversation_system_are_servable(role: str) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": role, "content": "text"}]

    assert find_problem({**CLAUDE_CODE_TURN, "messages": messages}, MESSAGES) is None


@pytest.mark.parametrize(
    ("call_type", "good", "expected"),
    [
        (
            CHAT,
            CHAT_TURN,
            "messages[1].role: expected one of system, developer, user, assistant, tool, "
            "function, got an unknown role",
        ),
        (
            MESSAGES,
            CLAUDE_CODE_TURN,
            "messages[1].role: expected one of user, assistant, system, got an unknown role",
        ),
    ],
)
def test_an_unknown_role_is_named_by_position_never_by_value(
    call_type: str, good: dict[str, Any], expected: str
) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "wizard", "content": "secret"}]

    problem = find_problem({**good, "messages": messages}, call_type)

    assert problem == expected


@pytest.mark.parametrize("metadata", [None, {}, {"user_id": None}, {"user_id": "u"}])
def test_anthropic_metadata_without_a_user_id_or_with_a_string_one_is_servable(
    metadata: object,
) -> None:
    assert find_problem({**CLAUDE_CODE_TURN, "metadata": metadata}, MESSAGES) is None


def test_messages_needs_max_tokens() -> None:
    body = {key: value for key, value in CLAUDE_CODE_TURN.items() if key != "max_tokens"}

    assert find_problem(body, MESSAGES) == "max_tokens: expected a positive integer, got null"


def test_anthropic_content_may_not_be_null() -> None:
    body = {**CLAUDE_CODE_TURN, "messages": [{"role": "user", "content": None}]}

    problem = find_problem(body, MESSAGES)

    assert problem == "messages[0].content: expected a string or a list of content blocks, got null"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"max_tokens": 0}, "max_tokens: expected a positive integer, got 0"),
        ({"max_tokens": True}, "max_tokens: expected a positive integer, got true"),
        ({"max_tokens": 2.5}, "max_tokens: expected a positive integer, got 2.5"),
        ({"stream": 0}, "stream: expected true or false, got 0"),
    ],
)
def test_a_number_or_boolean_found_is_shown_as_it_is(change: dict[str, Any], expected: str) -> None:
    assert find_problem({**CLAUDE_CODE_TURN, **change}, MESSAGES) == expected


def test_an_empty_string_is_told_apart_from_other_strings() -> None:
    problem = find_problem({**CLAUDE_CODE_TURN, "model": ""}, MESSAGES)

    assert problem == "model: expected a model name, got an empty string"


def test_an_integer_too_long_to_read_is_described_not_shown() -> None:
    problem = find_problem({**CLAUDE_CODE_TURN, "max_tokens": -(10**40)}, MESSAGES)

    assert problem == "max_tokens: expected a positive integer, got an integer too large to show"


def test_a_problem_never_quotes_the_value() -> None:
    prompt = "my secret prompt"

    problem = find_problem({**CLAUDE_CODE_TURN, "messages": prompt}, MESSAGES)

    assert problem is not None
    assert prompt not in problem


@pytest.mark.parametrize(("name", "body"), cc.every_shape().items())
def test_every_body_shape_claude_code_sends_is_servable(name: str, body: dict[str, Any]) -> None:
    assert find_problem(body, MESSAGES) is None


def chat_user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": list(blocks)}]}


@pytest.mark.parametrize(
    "block",
    [
        {"type": "text", "text": ""},
        {"type": "image_url", "image_url": "https://example.com/a.png"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk=", "detail": "low"}},
        {"type": "input_audio", "input_audio": {"data": "aGk=", "format": "wav"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,aGk="}},
        {"type": "file", "file": {"file_id": "file-1", "file_data": None}},
        {"type": "document", "source": {"type": "text", "data": "x", "media_type": "text/plain"}},
    ],
    ids=lambda block: str(block["type"]),
)
def test_each_chat_block_type_litellm_turns_into_anthropics_is_servable(
    block: dict[str, Any],
) -> None:
    assert find_problem(chat_user(block), CHAT) is None


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"type": "image", "source": 5},
            "messages[0].content[0].type: expected one of text, image_url, input_audio, file, "
            "document, got an unknown block type",
        ),
        (
            {"type": ""},
            "messages[0].content[0].type: expected one of text, image_url, input_audio, "
            "file, document, got an empty string",
        ),
        ({"type": "text", "text": 5}, "messages[0].content[0].text: expected a string, got 5"),
        ({"type": "text"}, "messages[0].content[0].text: expected a string, got null"),
        (
            {"type": "image_url", "image_url": 5},
            "messages[0].content[0].image_url: expected a URL or an object with a url, got 5",
        ),
        (
            {"type": "image_url", "image_url": {}},
            "messages[0].content[0].image_url.url: expected a URL, got null",
        ),
        (
            {"type": "image_url", "image_url": "a cat on a mat"},
            "messages[0].content[0].image_url: expected a URL (scheme://... or a base64 data: "
            "URL), got another string",
        ),
        (
            {"type": "input_audio", "input_audio": "aGk="},
            "messages[0].content[0].input_audio: expected an object with data and format, "
            "got a string",
        ),
        (
            {"type": "input_audio", "input_audio": {"data": "aGk="}},
            "messages[0].content[0].input_audio.format: expected a string, got null",
        ),
        (
            {"type": "file", "file": 5},
            "messages[0].content[0].file: expected an object with file_data or file_id, got 5",
        ),
        (
            {"type": "file", "file": {}},
            "messages[0].content[0].file: expected an object with file_data or file_id, "
            "got an object with neither",
        ),
        (
            {"type": "file", "file": {"file_id": 5}},
            "messages[0].content[0].file.file_id: expected a string, got 5",
        ),
        (
            {"type": "document", "source": 5},
            "messages[0].content[0].source: expected an object, got 5",
        ),
    ],
)
def test_a_chat_block_litellm_cannot_turn_into_anthropics_names_the_field(
    block: dict[str, Any], expected: str
) -> None:
    assert find_problem(chat_user(block), CHAT) == expected


def test_a_chat_block_problem_never_quotes_the_prompt() -> None:
    prompt = "my secret prompt"
    body = chat_user({"type": "text", "text": prompt}, {"type": "image_url", "image_url": prompt})

    problem = find_problem(body, CHAT)

    assert problem is not None
    assert prompt not in problem


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {"role": "system", "content": [{"type": "image_url", "image_url": "https://x/a.png"}]},
            "messages[1].content[0].type: expected one of text, got an unknown block type",
        ),
        (
            {"role": "developer", "content": [{"type": "text", "text": 5}]},
            "messages[1].content[0].text: expected a string, got 5",
        ),
        (
            {"role": "assistant", "content": [{"type": "weird"}]},
            "messages[1].content[0].type: expected one of text, refusal, thinking, "
            "redacted_thinking, server_tool_use, *_tool_result, got an unknown block type",
        ),
        (
            {"role": "tool", "tool_call_id": "c", "content": [{"type": "input_audio"}]},
            "messages[1].content[0].type: expected one of text, image_url, file, tool_reference, "
            "got an unknown block type",
        ),
        (
            {"role": "tool", "content": "42"},
            "messages[1].tool_call_id: expected the id of the tool call answered, got null",
        ),
        (
            {"role": "tool", "tool_call_id": 5, "content": "42"},
            "messages[1].tool_call_id: expected the id of the tool call answered, got 5",
        ),
    ],
)
def test_each_chat_role_holds_only_the_blocks_litellm_reads_for_it(
    message: dict[str, Any], expected: str
) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}, message]}

    assert find_problem(body, CHAT) == expected


@pytest.mark.parametrize(
    "message",
    [
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "ok"}, {"type": "refusal", "refusal": "no"}],
        },
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": "s"}]},
        {"role": "assistant", "content": [{"type": "web_search_tool_result", "tool_use_id": "s"}]},
        {
            "role": "tool",
            "tool_call_id": "c",
            "content": [{"type": "tool_reference", "tool_name": "f"}],
        },
        {"role": "developer", "content": [{"type": "text", "text": "be brief"}]},
    ],
    ids=[
        "assistant text and refusal",
        "assistant thinking",
        "server tool result",
        "tool reference",
        "developer",
    ],
)
def test_the_blocks_litellm_reads_for_each_chat_role_are_servable(message: dict[str, Any]) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}, message]}

    assert find_problem(body, CHAT) is None


def chat_tools(*tools: object) -> dict[str, Any]:
    return {**CHAT_TURN, "tools": list(tools)}


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "f", "description": "d"}},
        {"type": "custom", "function": {"name": "f"}},
        {"name": "Read", "description": "d", "input_schema": {"type": "object"}},
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 8},
        {"type": "bash_20250124", "function": {"name": "bash"}},
        {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
        {
            "type": "computer_20250124",
            "function": {
                "name": "computer",
                "parameters": {"display_width_px": 1024, "display_height_px": 768},
            },
        },
        {"type": "mcp", "server_label": "s", "server_url": "https://mcp.example.com"},
    ],
    ids=lambda tool: str(tool.get("type", "anthropic form")),
)
def test_chat_tools_openai_defines_or_litellm_maps_to_anthropics_are_servable(
    tool: dict[str, Any],
) -> None:
    assert find_problem(chat_tools(tool), CHAT) is None


CHAT_TOOL_TYPES = "function, custom or an Anthropic tool type such as web_search_20250305"


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({}, f"tools[0].type: expected {CHAT_TOOL_TYPES}, got null"),
        ({"type": 5}, f"tools[0].type: expected {CHAT_TOOL_TYPES}, got 5"),
        ({"type": "weird"}, f"tools[0].type: expected {CHAT_TOOL_TYPES}, got an unknown tool type"),
        (5, "tools[0]: expected a tool object, got 5"),
        ({"type": "function"}, "tools[0].function: expected an object with a name, got null"),
        (
            {"type": "function", "function": {"parameters": {}}},
            "tools[0].function.name: expected a tool name, got null",
        ),
        (
            {"type": "function", "function": {"name": 5}},
            "tools[0].function.name: expected a tool name, got 5",
        ),
        (
            {"type": "function", "function": {"name": "f", "parameters": "{}"}},
            "tools[0].function.parameters: expected a JSON schema object, got a string",
        ),
        ({"type": "web_search_20250305"}, "tools[0].name: expected the tool's name, got null"),
        (
            {"type": "bash_20250124", "function": {}},
            "tools[0].function.name: expected the tool's name, got null",
        ),
        (
            {"name": "f", "input_schema": 5},
            "tools[0].input_schema: expected a JSON schema object, got 5",
        ),
        (
            {"type": None, "name": "x", "input_schema": {"type": "object"}},
            "tools[0].type: expected a tool type, got null",
        ),
        (
            {
                "type": "computer_20250124",
                "name": "computer",
                "display_width_px": 1024,
                "display_height_px": 768,
            },
            "tools[0].function: expected an object with parameters display_width_px and "
            "display_height_px, got null",
        ),
        (
            {"type": "computer_20250124", "function": {"name": "computer"}},
            "tools[0].function.parameters: expected an object with display_width_px and "
            "display_height_px, got null",
        ),
        (
            {"type": "computer_20241022", "function": {"parameters": {"display_width_px": 1024}}},
            "tools[0].function.parameters.display_height_px: expected a positive integer, got null",
        ),
        (
            {
                "type": "computer_20250124",
                "function": {"parameters": {"display_width_px": "1024", "display_height_px": 768}},
            },
            "tools[0].function.parameters.display_width_px: expected a positive integer, "
            "got a string",
        ),
        (
            {"type": 5, "name": "x", "input_schema": {"type": "object"}},
            "tools[0].type: expected a tool type, got 5",
        ),
    ],
)
def test_a_chat_tool_litellm_cannot_map_names_the_field(tool: object, expected: str) -> None:
    assert find_problem(chat_tools(tool), CHAT) == expected


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "bash_20250124", "name": "bash"},
        {"type": "mcp_toolset", "mcp_server_name": "docs"},
        {"type": "custom", "name": "f", "input_schema": {"type": "object"}},
    ],
    ids=lambda tool: str(tool["type"]),
)
def test_anthropic_server_tools_are_left_to_the_upstream(tool: dict[str, Any]) -> None:
    assert find_problem({**CLAUDE_CODE_TURN, "tools": [tool]}, MESSAGES) is None


def test_a_null_tool_type_on_messages_is_a_custom_tool_as_anthropic_defines_it() -> None:
    tool = {"type": None, "name": "x", "input_schema": {"type": "object"}}

    assert find_problem({**CLAUDE_CODE_TURN, "tools": [tool]}, MESSAGES) is None


@pytest.mark.parametrize(
    "response_format",
    [None, {"type": "json_object"}, {"type": "json_schema", "json_schema": {"name": "x"}}],
)
def test_a_chat_response_format_object_is_servable(response_format: object) -> None:
    assert find_problem({**CHAT_TURN, "response_format": response_format}, CHAT) is None


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        ("json", "response_format: expected an object, got a string"),
        (["json_object"], "response_format: expected an object, got a list"),
    ],
)
def test_a_chat_response_format_that_is_no_object_is_named(
    response_format: object, expected: str
) -> None:
    assert find_problem({**CHAT_TURN, "response_format": response_format}, CHAT) == expected


@pytest.mark.parametrize("stop", [None, "\n", [], ["\n", "END"]])
def test_a_chat_stop_of_a_string_or_strings_is_servable(stop: object) -> None:
    assert find_problem({**CHAT_TURN, "stop": stop}, CHAT) is None


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        ([5], "stop[0]: expected a string, got 5"),
        (["\n", None], "stop[1]: expected a string, got null"),
        (5, "stop: expected a string or a list of strings, got 5"),
        ({"a": 1}, "stop: expected a string or a list of strings, got an object"),
    ],
)
def test_a_chat_stop_litellm_cannot_read_names_the_sequence(stop: object, expected: str) -> None:
    assert find_problem({**CHAT_TURN, "stop": stop}, CHAT) == expected


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({}, "tools[0].name: expected a tool name, got null"),
        ({"name": 5, "input_schema": {}}, "tools[0].name: expected a tool name, got 5"),
        (
            {"type": "custom", "name": ""},
            "tools[0].name: expected a tool name, got an empty string",
        ),
        (
            {"name": "f", "input_schema": []},
            "tools[0].input_schema: expected a JSON schema object, got an empty list",
        ),
        ({"type": 5, "name": "f"}, "tools[0].type: expected a tool type, got 5"),
        ("Read", "tools[0]: expected a tool object, got a string"),
    ],
)
def test_an_anthropic_custom_tool_needs_a_name(tool: object, expected: str) -> None:
    assert find_problem({**CLAUDE_CODE_TURN, "tools": [tool]}, MESSAGES) == expected


BOTH = pytest.mark.parametrize(
    ("call_type", "good"), [(MESSAGES, CLAUDE_CODE_TURN), (CHAT, CHAT_TURN)]
)


@BOTH
@pytest.mark.parametrize(
    "settings",
    [
        {"timeout": 30},
        {"timeout": 0.5, "stream_timeout": 10, "request_timeout": 60.0},
        {"max_retries": 0},
        {"max_retries": 3},
        {"tags": []},
        {"tags": ["team-a", "batch"]},
        {"timeout": None, "max_retries": None, "tags": None},
    ],
)
def test_litellms_own_settings_a_client_may_give_are_servable(
    call_type: str, good: dict[str, Any], settings: dict[str, Any]
) -> None:
    assert find_problem({**good, **settings}, call_type) is None


@BOTH
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"timeout": "x"}, "timeout: expected a positive number of seconds, got a string"),
        ({"timeout": {}}, "timeout: expected a positive number of seconds, got an object"),
        ({"timeout": -1}, "timeout: expected a positive number of seconds, got -1"),
        ({"timeout": 0}, "timeout: expected a positive number of seconds, got 0"),
        ({"timeout": True}, "timeout: expected a positive number of seconds, got true"),
        (
            {"timeout": float("inf")},
            "timeout: expected a positive number of seconds, got Infinity",
        ),
        (
            {"stream_timeout": "x"},
            "stream_timeout: expected a positive number of seconds, got a string",
        ),
        (
            {"request_timeout": []},
            "request_timeout: expected a positive number of seconds, got an empty list",
        ),
        ({"max_retries": "x"}, "max_retries: expected a non-negative integer, got a string"),
        ({"max_retries": -1}, "max_retries: expected a non-negative integer, got -1"),
        ({"max_retries": 1.5}, "max_retries: expected a non-negative integer, got 1.5"),
        ({"max_retries": False}, "max_retries: expected a non-negative integer, got false"),
        ({"tags": "x"}, "tags: expected a list of strings, got a string"),
        ({"tags": ["a", 5]}, "tags[1]: expected a string, got 5"),
    ],
)
def test_a_litellm_setting_it_cannot_read_names_the_field(
    call_type: str, good: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    assert find_problem({**good, **change}, call_type) == expected


@BOTH
@pytest.mark.parametrize(
    "sampling",
    [{"temperature": 0}, {"temperature": 0.7, "top_p": 1, "top_k": 40}, {"temperature": None}],
)
def test_finite_sampling_numbers_are_servable(
    call_type: str, good: dict[str, Any], sampling: dict[str, Any]
) -> None:
    assert find_problem({**good, **sampling}, call_type) is None


@BOTH
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"temperature": float("inf")}, "temperature: expected a finite number, got Infinity"),
        ({"top_p": float("nan")}, "top_p: expected a finite number, got NaN"),
        ({"top_k": float("-inf")}, "top_k: expected a finite number, got -Infinity"),
        ({"temperature": "0.5"}, "temperature: expected a finite number, got a string"),
        ({"temperature": True}, "temperature: expected a finite number, got true"),
    ],
)
def test_a_sampling_number_that_is_not_finite_is_named(
    call_type: str, good: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    assert find_problem({**good, **change}, call_type) == expected

"""find_problem: which bodies the proxy cannot serve, and what the client is told."""

from __future__ import annotations

from typing import Any

import pytest

from ccproxy.validation import find_problem

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

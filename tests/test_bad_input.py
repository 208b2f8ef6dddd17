"""Bodies the proxy cannot serve get a 4xx in the client's own error shape, reach no
upstream, and leave the proxy serving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest

from tests.support import claude_requests as cc
from tests.support.fake_upstream import FakeUpstream
from tests.support.proxy import ProxyProcess

GOOD_MESSAGES: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 1000,
    "messages": [{"role": "user", "content": "hello"}],
}
GOOD_CHAT: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "messages": [{"role": "user", "content": "hello"}],
}


class Sent(NamedTuple):
    """A body sent with a content type other than JSON's."""

    content: bytes
    content_type: str


Payload = bytes | Sent

FORM = "application/x-www-form-urlencoded"

# Deeper than LiteLLM's JSON parsers go (orjson stops at 1024 levels, json at the recursion limit).
TOO_DEEP = b"[" * 5000 + b"]" * 5000


def changed(good: dict[str, Any], **fields: Any) -> bytes:
    """``good`` with ``fields`` replaced (a field set to ... is removed), as JSON."""
    body = {**good, **fields}
    return json.dumps({key: value for key, value in body.items() if value is not ...}).encode()


def both(**fields: Any) -> dict[str, bytes]:
    return {
        "/v1/messages": changed(GOOD_MESSAGES, **fields),
        "/v1/chat/completions": changed(GOOD_CHAT, **fields),
    }


def raw(payload: Payload) -> dict[str, Payload]:
    return {"/v1/messages": payload, "/v1/chat/completions": payload}


def messages_only(**fields: Any) -> dict[str, bytes]:
    return {"/v1/messages": changed(GOOD_MESSAGES, **fields)}


def chat_only(**fields: Any) -> dict[str, bytes]:
    return {"/v1/chat/completions": changed(GOOD_CHAT, **fields)}


def chat_user(*blocks: dict[str, Any]) -> dict[str, bytes]:
    return chat_only(messages=[{"role": "user", "content": list(blocks)}])


# A chat conversation up to an assistant turn that calls a tool; each case adds the answer.
CALLED = [
    {"role": "user", "content": "hello"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    },
]


MALFORMED: dict[str, dict[str, Payload]] = {
    "invalid JSON": raw(b'{"model": "claude-opus-4-8", "messages": '),
    "empty body": raw(b""),
    "a JSON array": raw(b"[]"),
    "a JSON string": raw(b'"hello"'),
    "JSON null": raw(b"null"),
    "a JSON number": raw(b"42"),
    "invalid UTF-8": raw(b'{"model": "claude-opus-4-8", "max_tokens": 9, "messages": "\xff\xfe"}'),
    "JSON nested too deep": raw(b'{"model": "claude-opus-4-8", "messages": ' + TOO_DEEP + b"}"),
    "a JSON body sent form-encoded": raw(Sent(changed(GOOD_MESSAGES), FORM)),
    "a form-encoded body": raw(Sent(b"model=claude-opus-4-8&max_tokens=9&messages=hello", FORM)),
    "messages missing": both(messages=...),
    "messages a string": both(messages="hello"),
    "messages an object": both(messages={"role": "user", "content": "hello"}),
    "messages null": both(messages=None),
    "messages empty": both(messages=[]),
    "messages of numbers": both(messages=[1, 2]),
    "a message without role": both(messages=[{"content": "hello"}]),
    "an unknown role": both(messages=[{"role": "wizard", "content": "hello"}]),
    "a content of a number": both(messages=[{"role": "user", "content": 7}]),
    "a content block without type": both(messages=[{"role": "user", "content": [{"t": 1}]}]),
    "model missing": both(model=...),
    "model null": both(model=None),
    "model a number": both(model=42),
    "model empty": both(model=""),
    "max_tokens a string": both(max_tokens="1000"),
    "max_tokens a float": both(max_tokens=10.5),
    "max_tokens a boolean": both(max_tokens=True),
    "max_tokens zero": both(max_tokens=0),
    "stream a string": both(stream="yes"),
    "tools a string": both(tools="Read"),
    "a tool of an empty object": both(tools=[{}]),
    "a tool type of a number": both(tools=[{"type": 5}]),
    "a function tool without its function": chat_only(tools=[{"type": "function"}]),
    "a tool of an unknown type": chat_only(tools=[{"type": "weird"}]),
    "an Anthropic image block on chat": chat_user({"type": "image", "source": 5}),
    "a block of an unknown type on chat": chat_user({"type": "weird"}),
    "a text block holding a number": chat_user({"type": "text", "text": 5}),
    "an image_url of a number": chat_user({"type": "image_url", "image_url": 5}),
    "an image_url that is no URL": chat_user({"type": "image_url", "image_url": "a cat"}),
    "a file block without its file": chat_user({"type": "file", "file": {}}),
    "a chat tool in Anthropic's form of a null type": chat_only(
        tools=[{"type": None, "name": "x", "input_schema": {"type": "object"}}]
    ),
    "a computer tool in Anthropic's form on chat": chat_only(
        tools=[{"type": "computer_20250124", "display_width_px": 1024, "display_height_px": 768}]
    ),
    "a computer tool without its display on chat": chat_only(
        tools=[{"type": "computer_20250124", "function": {"name": "computer", "parameters": {}}}]
    ),
    "stop a list of numbers": chat_only(stop=[5]),
    "stop a number": chat_only(stop=5),
    "response_format a string": chat_only(response_format="json"),
    "a tool result without its call id": chat_only(
        messages=[*CALLED, {"role": "tool", "content": "42"}]
    ),
    "api_base set by the client": both(api_base="https://elsewhere.example"),
    "base_url set by the client": both(base_url="https://elsewhere.example"),
    "user_config set by the client": both(user_config={"model_list": []}),
    "a workload identity field set by the client": both(anthropic_identity_token="t"),
    "a secret reference as the key": both(api_key="os.environ/UPSTREAM_KEY"),
    "custom_llm_provider set by the client": both(custom_llm_provider="openai"),
    "deployment_id set by the client": both(deployment_id="x"),
    "specific_deployment set by the client": both(specific_deployment=True),
    "use_litellm_proxy set by the client": both(use_litellm_proxy=True),
    "api_version set by the client": both(api_version="2024-10-21"),
    "api_key set by the client": both(api_key="sk-ant-someone-else"),
    "litellm_credential_name set by the client": both(litellm_credential_name="prod"),
    "organization set by the client": both(organization="org-x"),
    "extra_headers set by the client": both(extra_headers={"x-api-key": "sk-ant-other"}),
    "headers set by the client": both(headers={"x-api-key": "sk-ant-other"}),
    "provider_specific_header set by the client": both(
        provider_specific_header={"custom_llm_provider": "anthropic", "extra_headers": {}}
    ),
    "timeout a string": both(timeout="x"),
    "timeout an object": both(timeout={}),
    "timeout negative": both(timeout=-1),
    "max_retries a string": both(max_retries="x"),
    "tags a string": both(tags="x"),
    # Python's JSON parser, LiteLLM's, takes Infinity, which is not JSON.
    "temperature infinite": both(temperature=float("inf")),
    "top_p not a number": both(top_p=float("nan")),
    "max_tokens missing": messages_only(max_tokens=...),
    "system a number": messages_only(system=42),
    "thinking a string": messages_only(thinking="enabled"),
    "metadata a string": messages_only(metadata="user"),
    "metadata.user_id a number": messages_only(metadata={"user_id": 5}),
    "metadata.user_id a list": messages_only(metadata={"user_id": ["u"]}),
}

BODIES = [
    (f"{path} {name}", path, payload)
    for name, payloads in MALFORMED.items()
    for path, payload in payloads.items()
]
CASES = [pytest.param(path, payload, id=case) for case, path, payload in BODIES]


@pytest.fixture
def client(routing_proxy: ProxyProcess) -> Iterator[httpx.Client]:
    headers = {"content-type": "application/json", "x-api-key": "sk-ant-client"}
    with httpx.Client(base_url=routing_proxy.base_url, timeout=60, headers=headers) as http:
        yield http


def test_at_least_fifteen_kinds_of_malformed_body_are_covered() -> None:
    assert len(MALFORMED) >= 15


@pytest.mark.parametrize(("path", "payload"), CASES)
def test_a_malformed_body_is_a_4xx_in_the_clients_shape(
    client: httpx.Client, fresh_upstream: FakeUpstream, path: str, payload: Payload
) -> None:
    response = post(client, path, payload)

    assert 400 <= response.status_code < 500, response.text
    if path == "/v1/messages":
        assert_anthropic_error(response.json())
    else:
        assert_openai_error(response.json())
    # LiteLLM's own answers to some of these quote the messages back, or a traceback.
    assert "Received Messages" not in response.text
    assert "Traceback" not in response.text
    # Any path: a body that switches LiteLLM to another API calls that API's path.
    assert fresh_upstream.requests == []


def test_the_proxy_still_serves_after_every_malformed_body(
    client: httpx.Client, fresh_upstream: FakeUpstream
) -> None:
    for _, path, payload in BODIES:
        post(client, path, payload)

    messages = client.post("/v1/messages", json={**GOOD_MESSAGES, "stream": True})
    chat = client.post("/v1/chat/completions", json=GOOD_CHAT)

    assert messages.status_code == 200
    assert "event: message_stop" in messages.text
    assert chat.status_code == 200
    assert len(fresh_upstream.messages()) == 2


def test_the_error_names_the_field_but_never_echoes_its_value(client: httpx.Client) -> None:
    secret = "the text of a prompt"

    response = client.post("/v1/messages", content=changed(GOOD_MESSAGES, messages=secret))

    message = response.json()["error"]["message"]
    assert "messages" in message
    assert secret not in message


def test_a_chat_block_litellm_cannot_transform_is_refused_without_quoting_the_prompt(
    client: httpx.Client, routing_proxy: ProxyProcess
) -> None:
    secret = "the text of a prompt beside a bad image"
    blocks = [{"type": "text", "text": secret}, {"type": "image_url", "image_url": 5}]

    response = post(client, "/v1/chat/completions", chat_user(*blocks)["/v1/chat/completions"])

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert (
        message == "messages[0].content[1].image_url: expected a URL or an object with a url, got 5"
    )
    assert secret not in routing_proxy.log_text()


@pytest.mark.parametrize(("name", "body"), cc.every_shape().items())
def test_every_body_shape_claude_code_sends_is_served(
    client: httpx.Client, fresh_upstream: FakeUpstream, name: str, body: dict[str, Any]
) -> None:
    response = client.post("/v1/messages?beta=true", json=body, headers=cc.claude_code_headers())

    assert response.status_code == 200, response.text
    assert "event: message_stop" in response.text
    assert len(fresh_upstream.messages()) == 1


def test_a_chat_body_with_each_block_and_tool_kind_litellm_maps_is_served(
    client: httpx.Client, fresh_upstream: FakeUpstream
) -> None:
    blocks = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}},
        {"type": "image_url", "image_url": "https://example.com/a.png"},
        {"type": "input_audio", "input_audio": {"data": "aGk=", "format": "wav"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,aGk="}},
    ]
    tools = [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 2},
    ]
    messages = [
        {"role": "developer", "content": [{"type": "text", "text": "be brief"}]},
        {"role": "user", "content": blocks},
        *CALLED[1:],
        {"role": "tool", "tool_call_id": "c", "content": [{"type": "text", "text": "42"}]},
    ]

    response = client.post(
        "/v1/chat/completions", json={**GOOD_CHAT, "messages": messages, "tools": tools}
    )

    assert response.status_code == 200, response.text
    assert len(fresh_upstream.messages()) == 1


# LiteLLM's own settings of the right kind, which a client may give, and sampling numbers.
SETTINGS = {
    "timeout": 30,
    "stream_timeout": 30.5,
    "max_retries": 0,
    "tags": ["team-a"],
    "temperature": 0.5,
    "top_p": 0.9,
}


@pytest.mark.parametrize(
    ("path", "good"), [("/v1/messages", GOOD_MESSAGES), ("/v1/chat/completions", GOOD_CHAT)]
)
def test_a_body_with_litellms_settings_and_sampling_numbers_of_the_right_kind_is_served(
    client: httpx.Client, fresh_upstream: FakeUpstream, path: str, good: dict[str, Any]
) -> None:
    response = client.post(path, json={**good, **SETTINGS})

    assert response.status_code == 200, response.text
    assert len(fresh_upstream.messages()) == 1


def test_a_chat_computer_tool_in_litellms_form_reaches_the_upstream_as_anthropics(
    client: httpx.Client, fresh_upstream: FakeUpstream
) -> None:
    display = {"display_width_px": 1024, "display_height_px": 768}
    tool = {"type": "computer_20250124", "function": {"name": "computer", "parameters": display}}

    response = client.post("/v1/chat/completions", json={**GOOD_CHAT, "tools": [tool]})

    assert response.status_code == 200, response.text
    (sent,) = fresh_upstream.messages()
    assert sent.body["tools"] == [{"type": "computer_20250124", "name": "computer", **display}]


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
def test_an_unknown_role_is_refused_without_quoting_the_messages(
    client: httpx.Client, routing_proxy: ProxyProcess, path: str
) -> None:
    secret = f"the text of a prompt sent to {path}"
    messages = [{"role": "user", "content": "hi"}, {"role": "wizard", "content": secret}]

    response = client.post(path, content=changed(GOOD_MESSAGES, messages=messages))

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("messages[1].role: expected one of")
    assert secret not in response.text
    assert secret not in routing_proxy.log_text()


@pytest.mark.parametrize(
    "case", ["invalid UTF-8", "JSON nested too deep", "a JSON body sent form-encoded"]
)
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
def test_a_body_litellm_could_not_parse_is_told_it_is_not_a_request(
    client: httpx.Client, case: str, path: str
) -> None:
    response = post(client, path, MALFORMED[case][path])

    message = response.json()["error"]["message"]
    assert message == "body: expected a JSON object with model and messages, got neither"


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("api_base set by the client", "api_base"),
        ("base_url set by the client", "base_url"),
        ("user_config set by the client", "user_config"),
        ("a workload identity field set by the client", "anthropic_identity_token"),
        ("a secret reference as the key", "api_key"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
def test_a_field_litellm_refuses_from_clients_is_a_400_naming_it(
    client: httpx.Client, case: str, field: str, path: str
) -> None:
    response = post(client, path, MALFORMED[case][path])

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message == f"{field}: not accepted from a client; the proxy's config sets it"


@pytest.mark.parametrize(
    ("field", "why"),
    [
        ("custom_llm_provider", "the proxy's config decides where a request goes"),
        ("specific_deployment", "the proxy's config decides where a request goes"),
        ("api_key", "the proxy's config decides which credential a request carries"),
        ("extra_headers", "the proxy's config decides which headers reach the upstream"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
def test_a_control_of_litellms_own_is_a_400_naming_it_and_why(
    client: httpx.Client, field: str, why: str, path: str
) -> None:
    response = post(client, path, MALFORMED[f"{field} set by the client"][path])

    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"{field}: not accepted from a client; {why}"


def test_a_number_found_is_shown_in_the_error(client: httpx.Client) -> None:
    response = client.post("/v1/messages", content=changed(GOOD_MESSAGES, max_tokens=0))

    assert response.json()["error"]["message"] == "max_tokens: expected a positive integer, got 0"


def post(client: httpx.Client, path: str, payload: Payload) -> httpx.Response:
    if isinstance(payload, Sent):
        return client.post(
            path, content=payload.content, headers={"content-type": payload.content_type}
        )
    return client.post(path, content=payload)


def assert_anthropic_error(body: object) -> None:
    assert isinstance(body, dict)
    assert body["type"] == "error"
    assert isinstance(body["error"]["type"], str)
    assert isinstance(body["error"]["message"], str)


def assert_openai_error(body: object) -> None:
    assert isinstance(body, dict)
    assert "type" not in body
    assert isinstance(body["error"]["message"], str)
    assert isinstance(body["error"]["type"], str)

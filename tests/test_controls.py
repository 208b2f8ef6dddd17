"""LiteLLM's own controls of provider, deployment, credential and upstream headers are refused
from a client's body; what LiteLLM forwards into them from the request itself passes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litellm.proxy.auth.auth_utils import _BANNED_REQUEST_BODY_PARAMS
from litellm.types import litellm_params
from litellm.types.router import CredentialLiteLLMParams
from litellm.types.utils import server_owned_wif_litellm_params

from ccproxy.controls import REFUSED_CONTROLS, Allowances, control_problem, refused_field_problem

from tests.support import claude_requests as cc
from tests.support.fake_upstream import FakeUpstream
from tests.support.proxy import ProxyProcess, config_file

BODY: dict[str, Any] = {
    "model": "claude-opus-4-8",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "hello"}],
}

WHERE = "the proxy's config decides where a request goes"
OPERATOR_KEY = "sk-ant-operator-key-of-the-config"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("custom_llm_provider", "openai"),
        ("deployment_id", "x"),
        ("azure", True),
        ("use_litellm_proxy", True),
        ("specific_deployment", True),
        ("api_version", "2024-01-01"),
        ("vertex_project", "someone-elses"),
        ("aws_region_name", "eu-west-1"),
    ],
)
def test_a_body_choosing_the_provider_or_deployment_is_refused(field: str, value: object) -> None:
    problem = control_problem({**BODY, field: value})

    assert problem == f"{field}: not accepted from a client; {WHERE}"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("api_key", "sk-someone-else"),
        ("litellm_credential_name", "prod"),
        ("organization", "org-x"),
        ("aws_access_key_id", "AKIA"),
    ],
)
def test_a_body_choosing_the_credential_is_refused(field: str, value: object) -> None:
    problem = control_problem({**BODY, field: value})

    assert problem == (
        f"{field}: not accepted from a client; "
        "the proxy's config decides which credential a request carries"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("extra_headers", {"x-api-key": "sk-mine"}),
        ("headers", {"x-api-key": "sk-mine"}),
        ("provider_specific_header", {"custom_llm_provider": "anthropic", "extra_headers": {}}),
    ],
)
def test_a_body_setting_upstream_headers_is_refused(field: str, value: object) -> None:
    problem = control_problem({**BODY, field: value})

    assert problem == (
        f"{field}: not accepted from a client; "
        "the proxy's config decides which headers reach the upstream"
    )


def test_a_body_switching_off_tls_verification_is_refused() -> None:
    problem = control_problem({**BODY, "ssl_verify": False})

    assert problem == (
        "ssl_verify: not accepted from a client; the proxy's config decides how the upstream is "
        "reached"
    )


def test_the_refusal_never_quotes_the_value() -> None:
    problem = control_problem({**BODY, "api_key": "sk-secret-value"})

    assert problem is not None
    assert "sk-secret-value" not in problem


def litellm_request(body: dict[str, Any], **proxy_side: Any) -> dict[str, Any]:
    """``body`` as the hook gets it: with what LiteLLM's proxy adds to it."""
    raw_headers = proxy_side.pop("raw_headers", {})
    request = {"url": proxy_side.pop("url", "http://127.0.0.1/v1/chat/completions")}
    request["credential_fields"] = proxy_side.pop("credential_fields", ())
    return {
        **body,
        **proxy_side,
        "proxy_server_request": request,
        "secret_fields": {"raw_headers": raw_headers},
    }


def test_the_clients_x_api_key_litellm_forwards_as_api_key_passes() -> None:
    data = litellm_request(
        BODY, api_key="sk-ant-client", raw_headers={"x-api-key": "sk-ant-client"}
    )

    assert control_problem(data) is None


def test_an_api_key_in_the_body_other_than_the_clients_header_is_refused() -> None:
    data = litellm_request(BODY, api_key="sk-other", raw_headers={"x-api-key": "sk-ant-client"})

    assert control_problem(data) == (
        "api_key: not accepted from a client; "
        "the proxy's config decides which credential a request carries"
    )


@pytest.mark.parametrize("field", ["headers", "provider_specific_header"])
def test_headers_litellm_forwards_pass_but_the_bodys_own_are_refused(field: str) -> None:
    forwarded = litellm_request(BODY, **{field: {"anthropic-beta": "x"}})
    sent = litellm_request(BODY, **{field: {"x-api-key": "k"}, "credential_fields": (field,)})

    assert control_problem(forwarded) is None
    assert control_problem(sent) is not None


def test_without_litellms_record_headers_count_as_the_clients() -> None:
    data = {**BODY, "provider_specific_header": {"extra_headers": {"x-api-key": "k"}}}

    assert control_problem(data) is not None


def test_an_organization_passes_only_as_the_header_the_config_forwards() -> None:
    data = litellm_request(BODY, organization="org-1", raw_headers={"openai-organization": "org-1"})

    assert control_problem(data, Allowances(forwarded_org_id=True)) is None
    assert control_problem(data, Allowances(forwarded_org_id=False)) is not None


def test_litellms_opt_in_for_client_credentials_lets_only_the_key_through() -> None:
    allowed = Allowances(client_credentials=True)
    data = {**BODY, "api_key": "sk-ant-mine"}

    assert control_problem(data, allowed) is None
    assert control_problem({**data, "custom_llm_provider": "openai"}, allowed) is not None


def test_what_clients_may_set_is_read_from_general_settings() -> None:
    settings = {"forward_openai_org_id": True, "allow_client_side_credentials": True}

    allowed = Allowances.from_litellm_config({"general_settings": settings})

    assert allowed == Allowances(forwarded_org_id=True, client_credentials=True)
    assert Allowances.from_litellm_config({}) == Allowances()


def test_a_forwarded_traceparent_passes_but_other_extra_headers_are_refused() -> None:
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    forwarded = litellm_request(
        BODY, extra_headers={"traceparent": trace}, raw_headers={"traceparent": trace}
    )
    added = litellm_request(
        BODY,
        extra_headers={"traceparent": trace, "x-api-key": "k"},
        raw_headers={"traceparent": trace},
    )

    assert control_problem(forwarded) is None
    assert control_problem(added) is not None


def test_an_api_version_from_the_query_passes_but_one_in_the_body_is_refused() -> None:
    url = "http://127.0.0.1/v1/chat/completions?api-version=2024-10-21"
    queried = litellm_request(BODY, api_version="2024-10-21", url=url)
    sent = litellm_request(BODY, api_version="2099-01-01", url=url)

    assert control_problem(queried) is None
    assert control_problem(sent) is not None


def test_a_null_is_no_copy_of_a_missing_header() -> None:
    data = litellm_request(BODY, api_key=None)

    assert control_problem(data) is not None


@pytest.mark.parametrize(("name", "body"), cc.every_shape().items())
def test_no_body_claude_code_sends_sets_a_control(name: str, body: dict[str, Any]) -> None:
    assert control_problem(body) is None


def test_ordinary_openai_chat_parameters_are_no_controls() -> None:
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": ["\n"],
        "n": 1,
        "user": "u",
        "seed": 7,
        "response_format": {"type": "json_object"},
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_completion_tokens": 100,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "logit_bias": {},
        "logprobs": False,
        "reasoning_effort": "low",
        "service_tier": "auto",
        "metadata": {"k": "v"},
        "timeout": 30,
        "max_retries": 2,
    }

    assert control_problem({**BODY, **params}) is None


# Connection settings that say how long and how often, not where or with which credential.
ACCEPTED = {
    "request_timeout",
    "force_timeout",
    "stream_timeout",
    "timeout_by_service_tier",
    "stream_timeout_by_service_tier",
    "max_retries",
    # Lets more of the client's own parameters through to the same provider.
    "allowed_openai_params",
}


def test_every_credential_and_connection_field_litellm_defines_is_refused() -> None:
    """A LiteLLM upgrade that adds one fails here until it is refused or accepted on purpose."""
    defined = {
        *CredentialLiteLLMParams.model_fields,
        *litellm_params.wire_names(litellm_params.ProviderConnection),
        *litellm_params.wire_names(litellm_params.BedrockBatchConnection),
        *litellm_params.wire_names(litellm_params.DispatchOptions),
    }
    refused_by_litellm = {*_BANNED_REQUEST_BODY_PARAMS, *server_owned_wif_litellm_params}

    assert defined - refused_by_litellm - ACCEPTED - set(REFUSED_CONTROLS) == set()


def test_ccproxy_refuses_nothing_litellm_refuses_itself() -> None:
    """LiteLLM's refusal comes first, while it authenticates: a second list would drift."""
    refused_by_litellm = {*_BANNED_REQUEST_BODY_PARAMS, *server_owned_wif_litellm_params}

    assert set(REFUSED_CONTROLS) & refused_by_litellm == set()


# LiteLLM 1.110.2's own wording, from proxy/auth/auth_utils.py and types/router.py.
LITELLM_REFUSAL = (
    "Rejected Request: {} is not allowed in request body. Clientside passthrough requires "
    "explicit admin opt-in via either `general_settings.allow_client_side_credentials = true`"
)
FEDERATION_REFUSAL = (
    "Rejected Request: {} is a server-owned workload identity federation or OAuth token exchange "
    "parameter and cannot be set in a request body."
)
SECRET_REFUSAL = (
    "Rejected Request: {} holds a secret reference, which only a deployment or credential a "
    "proxy admin configures can carry."
)
CREDENTIAL_NAME_REFUSAL = (
    "Rejected Request: litellm_credential_name='prod' names a credential configured for "
    "workload identity federation or OAuth token exchange"
)


@pytest.mark.parametrize(
    ("error", "field"),
    [
        (LITELLM_REFUSAL.format("api_base"), "api_base"),
        (LITELLM_REFUSAL.format("base_url"), "base_url"),
        (LITELLM_REFUSAL.format("user_config"), "user_config"),
        (LITELLM_REFUSAL.format("aws_profile_name"), "aws_profile_name"),
        (FEDERATION_REFUSAL.format("anthropic_identity_token"), "anthropic_identity_token"),
        (FEDERATION_REFUSAL.format("chatgpt_auth_file"), "chatgpt_auth_file"),
        (SECRET_REFUSAL.format("api_key"), "api_key"),
        (CREDENTIAL_NAME_REFUSAL, "litellm_credential_name"),
    ],
)
def test_a_field_litellm_refuses_from_clients_is_named_as_the_configs_to_set(
    error: str, field: str
) -> None:
    problem = refused_field_problem(ValueError(error))

    assert problem == f"{field}: not accepted from a client; the proxy's config sets it"


def test_a_model_list_in_the_body_is_refused_as_the_configs_too() -> None:
    error = ValueError("Rejected Request: model_list is not allowed in the request body.")

    assert refused_field_problem(error) == (
        "model_list: not accepted from a client; the proxy's config sets it"
    )


@pytest.mark.parametrize(
    "error",
    [
        ValueError("Rejected Request: fallback nesting exceeds the allowed validation depth."),
        ValueError("Rejected Request: URL-valued fallback destination 'x' is not allowed."),
        RuntimeError(LITELLM_REFUSAL.format("api_base")),
        ValueError("invalid literal for int()"),
    ],
)
def test_other_errors_are_not_taken_for_a_refused_field(error: Exception) -> None:
    assert refused_field_problem(error) is None


# A config whose routes name no api_base: LiteLLM takes each provider's base from the
# environment, as it would take OpenAI's public API when none is set.
KEYED_CONFIG = """\
model_list:
  - model_name: sonnet
    litellm_params: {model: anthropic/claude-sonnet-4-5-20250929, api_key: os.environ/UPSTREAM_KEY}
litellm_settings:
  callbacks: [ccproxy.handler.proxy_handler_instance]
router_settings:
  num_retries: 0
  disable_cooldowns: true
general_settings:
  forward_openai_org_id: true
ccproxy:
  routes:
    default: sonnet
"""


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[FakeUpstream]:
    """Another provider's API, and another LiteLLM proxy's: where the key must never go."""
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture(scope="module")
def keyed_proxy(
    upstream: FakeUpstream, elsewhere: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyProcess]:
    directory = tmp_path_factory.mktemp("controls")
    config = config_file(directory, KEYED_CONFIG)
    env = {
        "UPSTREAM_KEY": OPERATOR_KEY,
        "ANTHROPIC_API_BASE": upstream.base_url,
        "OPENAI_BASE_URL": f"{elsewhere.base_url}/v1",
        "LITELLM_PROXY_API_BASE": elsewhere.base_url,
        "AZURE_API_BASE": elsewhere.base_url,
        "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true",
    }
    proxy = ProxyProcess.litellm(config, directory / "proxy.log", env=env, cwd=directory)
    with proxy:
        yield proxy


@pytest.fixture
def keyed_client(keyed_proxy: ProxyProcess, elsewhere: FakeUpstream) -> Iterator[httpx.Client]:
    elsewhere.reset()
    with httpx.Client(base_url=keyed_proxy.base_url, timeout=60) as client:
        yield client


# Each sent the operator's key to `elsewhere` before the handler refused it: to OpenAI's chat
# completions, another LiteLLM proxy's, an Azure deployment's.
STEERING = [
    ("/v1/chat/completions", {"custom_llm_provider": "openai"}),
    ("/v1/chat/completions", {"use_litellm_proxy": True}),
    ("/v1/chat/completions", {"azure": True}),
    ("/v1/chat/completions", {"deployment_id": "x"}),
]


@pytest.mark.parametrize(
    ("path", "steer"), STEERING, ids=[f"{path} {next(iter(s))}" for path, s in STEERING]
)
def test_the_operators_key_never_reaches_another_upstream_a_body_names(
    keyed_client: httpx.Client,
    fresh_upstream: FakeUpstream,
    elsewhere: FakeUpstream,
    path: str,
    steer: dict[str, Any],
) -> None:
    response = keyed_client.post(path, json={**BODY, **steer})

    assert response.status_code == 400
    field = next(iter(steer))
    assert response.json()["error"]["message"] == f"{field}: not accepted from a client; {WHERE}"
    assert elsewhere.requests == []
    assert fresh_upstream.requests == []


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions"])
def test_the_operators_key_reaches_its_own_upstream(
    keyed_client: httpx.Client, fresh_upstream: FakeUpstream, elsewhere: FakeUpstream, path: str
) -> None:
    """The refusals above mean something only if the key would have gone somewhere."""
    response = keyed_client.post(path, json=BODY)

    assert response.status_code == 200, response.text
    assert [r.headers.get("x-api-key") for r in fresh_upstream.messages()] == [OPERATOR_KEY]
    assert elsewhere.requests == []


def test_an_organization_litellm_forwards_from_its_header_is_served(
    keyed_client: httpx.Client, fresh_upstream: FakeUpstream
) -> None:
    headers = {"openai-organization": "org-1"}

    forwarded = keyed_client.post("/v1/chat/completions", json=BODY, headers=headers)
    sent = keyed_client.post("/v1/chat/completions", json={**BODY, "organization": "org-2"})

    assert forwarded.status_code == 200, forwarded.text
    assert sent.status_code == 400
    assert len(fresh_upstream.messages()) == 1


def test_an_api_version_in_the_query_is_litellms_own_and_served(
    keyed_client: httpx.Client, fresh_upstream: FakeUpstream
) -> None:
    response = keyed_client.post("/v1/chat/completions?api-version=2024-10-21", json=BODY)

    assert response.status_code == 200, response.text
    assert len(fresh_upstream.messages()) == 1

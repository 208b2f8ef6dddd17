"""LiteLLM's own per-request controls of where a request goes and with which credential: a
client may not set them from its body.

LiteLLM lays the body over the deployment's ``litellm_params`` in the call it makes, so a
body field of LiteLLM's overrides the operator's config: ``custom_llm_provider: openai`` sent
the operator's Anthropic key to OpenAI's API, ``deployment_id`` or ``azure`` switch to its
Azure path, ``use_litellm_proxy`` to another LiteLLM proxy, ``extra_headers`` replace the
upstream's ``x-api-key``. LiteLLM refuses some such fields itself while it authenticates the
request (``api_base``, ``base_url``, the AWS and Azure identity fields, workload identity
federation): :func:`refused_field_problem` words its refusal. :func:`control_problem` refuses
the rest before routing. They are LiteLLM 1.110.2's deployment credentials
(``CredentialLiteLLMParams`` in litellm/types/router.py), its connection and dispatch options
(``ProviderConnection``, ``BedrockBatchConnection``, ``DispatchOptions`` in
litellm/types/litellm_params.py), the provider credentials ``completion`` reads by name
(litellm/main.py) and the router's ``specific_deployment``. Timeouts and retry counts are
left to the client: they say how long and how often, not where or as whom.

LiteLLM's proxy fills some of these fields in itself, from the request, before the hook: the
client's x-api-key as ``api_key`` (``forward_llm_provider_auth_headers``), its headers as
``headers`` and ``provider_specific_header``, its openai-organization header as
``organization`` (``forward_openai_org_id``), a traceparent in ``extra_headers``, the
api-version query parameter as ``api_version``. That is LiteLLM's forwarding, set up by the
operator, and it passes, as does a body's ``api_key`` under LiteLLM's own opt-in
``allow_client_side_credentials``; :mod:`ccproxy.credentials` decides which routes keep a
client's key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

_WHERE = "the proxy's config decides where a request goes"
_CREDENTIAL = "the proxy's config decides which credential a request carries"
_HEADERS = "the proxy's config decides which headers reach the upstream"
_TRANSPORT = "the proxy's config decides how the upstream is reached"

# Each field refused from a body, with why. LiteLLM's own refusals are not repeated here.
REFUSED_CONTROLS: Mapping[str, str] = {
    # The provider, its API and the deployment LiteLLM calls.
    **dict.fromkeys(
        (
            "custom_llm_provider",
            "deployment_id",
            "azure",
            "use_litellm_proxy",
            "use_chat_completions_api",
            "use_in_pass_through",
            "specific_deployment",
            "api_version",
            "responses_api_version",
            "region_name",
            "aws_region_name",
            "vertex_project",
            "vertex_location",
            "vertex_ai_project",
            "vertex_ai_location",
            "watsonx_region_name",
            "predibase_tenant_id",
            "gigachat_auth_url",
            "bucket_name",
            "s3_region_name",
            "s3_bucket_owner",
        ),
        _WHERE,
    ),
    # Credentials, and the names that pick one.
    **dict.fromkeys(
        (
            "api_key",
            "litellm_credential_name",
            "organization",
            "configurable_clientside_auth_params",
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "aws_batch_role_arn",
            "s3_access_key_id",
            "s3_secret_access_key",
            "s3_encryption_key_id",
            "azure_ad_token_provider",
            "use_xai_oauth",
            "watsonx_credentials",
            "gigachat_access_token",
            "gigachat_scope",
        ),
        _CREDENTIAL,
    ),
    **dict.fromkeys(("extra_headers", "headers", "provider_specific_header"), _HEADERS),
    # Switching off TLS verification would hand the operator's key to whoever answers.
    **dict.fromkeys(("ssl_verify", "client", "shared_session"), _TRANSPORT),
}

# How LiteLLM 1.110.2 words its refusal of a field only the proxy's config may set
# (proxy/auth/auth_utils.py, types/router.py, types/utils.py). model_list has its own sentence.
_REFUSED_FIELD = re.compile(
    r"Rejected Request: (\w+)(?: is not allowed in| is a server-owned| holds an? (?:oidc/ )?secret"
    r" reference|=)"
)

# The fields LiteLLM records as the client's own before it adds its own to them.
_RECORDED_FIELDS = ("headers", "provider_specific_header")


@dataclass(frozen=True)
class Allowances:
    """What the proxy's config lets a client set through LiteLLM, beyond what LiteLLM always
    forwards: its openai-organization header as ``organization``, and its own ``api_key``."""

    forwarded_org_id: bool = False
    client_credentials: bool = False

    @classmethod
    def from_litellm_config(cls, litellm: Mapping[str, Any]) -> Allowances:
        settings = litellm.get("general_settings")
        if not isinstance(settings, Mapping):
            return cls()
        return cls(
            forwarded_org_id=settings.get("forward_openai_org_id") is True,
            client_credentials=settings.get("allow_client_side_credentials") is True,
        )


def control_problem(data: Mapping[str, Any], allowed: Allowances = Allowances()) -> str | None:
    """The problem to answer for a control of LiteLLM's the client set, or None."""
    for field, why in REFUSED_CONTROLS.items():
        if field in data and not _allowed(data, field, allowed):
            return f"{field}: not accepted from a client; {why}"
    return None


def refused_field_problem(error: object) -> str | None:
    """The problem to answer for a field LiteLLM refused from the client, or None.

    LiteLLM refuses ``api_base``, ``base_url``, ``user_config``, workload identity fields and
    secret references while it authenticates the request, before the pre-call hook sees the
    body (``is_request_body_safe``). Its error handler then imports prisma, which is not
    installed, and the client gets a plain-text 500. The field name comes from LiteLLM's
    own list, never from the request.
    """
    found = _REFUSED_FIELD.match(str(error)) if isinstance(error, ValueError) else None
    if found is None:
        return None
    return f"{found.group(1)}: not accepted from a client; the proxy's config sets it"


def _allowed(data: Mapping[str, Any], field: str, allowed: Allowances) -> bool:
    """Whether LiteLLM put ``field`` there itself, from the request, as it is set up to, or
    the config lets clients set it."""
    if field == "api_key" and allowed.client_credentials:
        # LiteLLM's own opt-in for client credentials; ccproxy.credentials still keeps the
        # key off routes with a key of their own and off other providers.
        return True
    if field in _RECORDED_FIELDS:
        return field not in _client_credential_fields(data)
    copy = _COPIED.get(field)
    copied = None if copy is None else copy(data, allowed)
    return copied is not None and copied == data[field]


def _client_credential_fields(data: Mapping[str, Any]) -> tuple[str, ...] | list[str]:
    """The credential fields LiteLLM found in the body, before adding its own to them.

    Without its record, every such field present counts as the client's.
    """
    request = data.get("proxy_server_request")
    recorded = request.get("credential_fields") if isinstance(request, Mapping) else None
    return recorded if isinstance(recorded, tuple | list) else _RECORDED_FIELDS


def _header(data: Mapping[str, Any], name: str) -> str | None:
    # The raw headers, which LiteLLM keeps aside: those it logs have their keys masked.
    secret = data.get("secret_fields")
    headers = secret.get("raw_headers") if isinstance(secret, Mapping) else None
    if not isinstance(headers, Mapping):
        return None
    return next((str(v) for k, v in headers.items() if str(k).lower() == name), None)


def _query(data: Mapping[str, Any], name: str) -> str | None:
    request = data.get("proxy_server_request")
    url = request.get("url") if isinstance(request, Mapping) else None
    values = parse_qs(urlsplit(url).query).get(name) if isinstance(url, str) else None
    return values[-1] if values else None


def _api_key(data: Mapping[str, Any], allowed: Allowances) -> str | None:
    # Copied when forward_llm_provider_auth_headers is on. The client's own key either way:
    # whether a route keeps it is ccproxy.credentials' to decide.
    return _header(data, "x-api-key")


def _organization(data: Mapping[str, Any], allowed: Allowances) -> str | None:
    return _header(data, "openai-organization") if allowed.forwarded_org_id else None


def _traceparent(data: Mapping[str, Any], allowed: Allowances) -> dict[str, str] | None:
    # Copied when LiteLLM traces with OpenTelemetry and forwards the trace: a trace id only.
    header = _header(data, "traceparent")
    return None if header is None else {"traceparent": header}


def _api_version(data: Mapping[str, Any], allowed: Allowances) -> str | None:
    # Azure OpenAI clients name the API version in the URL.
    return _query(data, "api-version")


# What LiteLLM copies into each field from the request; None when it copies nothing.
_COPIED: dict[str, Callable[[Mapping[str, Any], Allowances], object]] = {
    "api_key": _api_key,
    "organization": _organization,
    "extra_headers": _traceparent,
    "api_version": _api_version,
}

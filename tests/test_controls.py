"""A field LiteLLM refuses from a client's body is named as the config's to set."""

from __future__ import annotations

import pytest

from ccproxy.controls import refused_field_problem

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

"""Which routes may receive the client's own Anthropic key or OAuth token, and removing them.

LiteLLM forwards a client's ``x-api-key`` (as ``api_key``) and OAuth bearer (as an
``authorization`` extra header) to whatever deployment serves the request. Only Anthropic
deployments with no key of their own may get them: the client's Anthropic credential must
never reach another provider, nor replace an operator's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def client_credential_routes(model_list: object) -> frozenset[str]:
    """The model_names that may receive the client's own key or OAuth token."""
    listed = model_list if isinstance(model_list, list) else []
    entries = [entry for entry in listed if isinstance(entry, Mapping)]
    names = {str(entry.get("model_name")) for entry in entries}
    refused = {str(entry.get("model_name")) for entry in entries if not _takes_client_key(entry)}
    return frozenset(names - refused)


def drop_client_credentials(data: dict[str, Any]) -> None:
    """Remove the client's forwarded key and OAuth bearer from the request LiteLLM sends."""
    data.pop("api_key", None)
    scoped = data.get("provider_specific_header")
    if scoped is None:
        return
    entries = scoped if isinstance(scoped, list) else [scoped]
    kept = [entry for entry in map(_without_authorization, entries) if entry is not None]
    if kept:
        data["provider_specific_header"] = kept[0] if len(kept) == 1 else kept
    else:
        del data["provider_specific_header"]


def _takes_client_key(entry: Mapping[str, Any]) -> bool:
    params = entry.get("litellm_params")
    if not isinstance(params, Mapping):
        return False
    provider = params.get("custom_llm_provider") or str(params.get("model", "")).split("/")[0]
    return provider == "anthropic" and not params.get("api_key")


def _without_authorization(entry: object) -> object | None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("extra_headers"), Mapping):
        return entry
    headers = {k: v for k, v in entry["extra_headers"].items() if k.lower() != "authorization"}
    return {**entry, "extra_headers": headers} if headers else None

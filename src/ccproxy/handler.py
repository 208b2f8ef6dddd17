"""CCProxyHandler: the LiteLLM callback that routes each request and logs what became of it.

Name the instance in the proxy config (``ccproxy start`` registers it by itself)::

    litellm_settings:
      callbacks: [ccproxy.handler.proxy_handler_instance]

Per request on ``/v1/messages`` and ``/v1/chat/completions``, streaming or not, the handler
rejects a body the proxy cannot serve with a 400, asks the decider for a route, rewrites
``model`` to it, keeps the decision in LiteLLM's metadata for the outcome events, and adds
``x-ccproxy-route: <label>`` to the response. A decider that raises sends the request to the
default route. Each decision and each outcome is one allowlisted log line (:mod:`ccproxy.logs`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import ProxyException

from ccproxy.config import Config, load_config
from ccproxy.decider import Decider, Decision
from ccproxy.fallbacks import FallbackPlan
from ccproxy.logs import configure_logging
from ccproxy.reload import ConfigWatcher
from ccproxy.thinking import keep_thinking_off
from ccproxy.validation import find_problem

ROUTE_HEADER = "x-ccproxy-route"
CONFIG_ENV = "CCPROXY_CONFIG"

# Where the decision travels from the hook to the outcome events, inside LiteLLM's metadata.
METADATA_KEY = "ccproxy"

# The call types the handler routes, with the endpoint each one serves.
ENDPOINTS = {"anthropic_messages": "/v1/messages", "acompletion": "/v1/chat/completions"}

# On /v1/messages `metadata` is Anthropic's own field; LiteLLM's bucket is litellm_metadata.
_BUCKETS = {"anthropic_messages": "litellm_metadata", "acompletion": "metadata"}

# LiteLLM looks these up in the leaf class's own __dict__ and skips inherited ones.
_OWN_HOOKS = ("async_pre_call_hook", "async_post_call_response_headers_hook")

logger = structlog.get_logger("ccproxy.handler")


class CCProxyHandler(CustomLogger):
    """Routes each request to the ``model_list`` entry its label names."""

    def __init__(self, config: Config | None = None) -> None:
        super().__init__()
        self._decider: Decider | None = None
        self._credential_routes: frozenset[str] = frozenset()
        self._fallbacks = FallbackPlan()
        self._watcher: ConfigWatcher | None = None
        self._config_failed = False
        self._outcomes_logged = _RecentKeys(capacity=4096)
        if config is not None:
            self.configure(config)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Pin the hooks on every subclass: LiteLLM calls only those a class defines itself."""
        super().__init_subclass__(**kwargs)
        for name in _OWN_HOOKS:
            if name not in cls.__dict__:
                setattr(cls, name, getattr(cls, name))

    def configure(self, config: Config, decider: Decider | None = None) -> None:
        """Route with ``config`` (and ``decider``, by default the config's own) from now on."""
        self._decider = decider if decider is not None else Decider.from_config(config)
        self._credential_routes = client_credential_routes(config.litellm.get("model_list"))
        self._fallbacks = FallbackPlan.from_config(config)
        if self._watcher is None or self._watcher.path != config.path:
            self._watcher = ConfigWatcher(config)

    # Defined on this class on purpose: LiteLLM skips an inherited async_pre_call_hook.
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: str
    ) -> dict[str, Any] | None:
        """Reject an unservable body, else route the request; returns the rewritten data."""
        endpoint = ENDPOINTS.get(call_type)
        if endpoint is None:
            return None
        _reject_unservable(data, call_type, endpoint)

        decider = await self._ready_decider()
        if decider is None:
            return None
        decision = await _decide(decider, data, endpoint)

        try:
            self._route(data, decision, call_type, endpoint)
        except Exception as error:  # noqa: BLE001 - the hook boundary: the request still goes out
            _log_fault("routing_failed", data, endpoint, error)
            self._route_to_default(data, decider)
        return data

    async def async_post_call_response_headers_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: Any,
        response: object,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: dict[str, object] | None = None,
    ) -> dict[str, str] | None:
        """Name the label that served the request in ``x-ccproxy-route``."""
        carried = _carried_from(data.get("litellm_metadata")) or _carried_from(data.get("metadata"))
        if carried is None:
            return None
        return {ROUTE_HEADER: str(carried["label"])}

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: object, start_time: Any, end_time: Any
    ) -> None:
        """Log one ``success`` (or ``stream_completed``) line per request."""
        event = "stream_completed" if kwargs.get("stream") is True else "success"
        self._log_outcome(event, kwargs, start_time, end_time)

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: object, start_time: Any, end_time: Any
    ) -> None:
        """Log one ``failure`` line per request, with the error's class, never its message."""
        self._log_outcome("failure", kwargs, start_time, end_time)

    def _route(
        self, data: dict[str, Any], decision: Decision, call_type: str, endpoint: str
    ) -> None:
        data["model"] = decision.route
        keep_thinking_off(data, decision.model)
        self._fallbacks.apply(data, decision)
        if decision.route not in self._credential_routes:
            drop_client_credentials(data)

        _bucket(data, call_type)[METADATA_KEY] = _carried(decision, endpoint, data)
        logger.info("decision", **_decision_fields(decision, endpoint, data))

    def _route_to_default(self, data: dict[str, Any], decider: Decider) -> None:
        default = decider.router.default.name
        data["model"] = default
        data.pop("fallbacks", None)
        if default not in self._credential_routes:
            drop_client_credentials(data)

    async def _ready_decider(self) -> Decider | None:
        if self._decider is None and not self._config_failed:
            # Under `litellm --config` nothing configured us: read the config the proxy runs.
            try:
                config = await asyncio.to_thread(load_config, configured_path())
            except Exception as error:  # noqa: BLE001 - a bad config must not break serving
                self._config_failed = True
                logger.error("config_failed", error_class=type(error).__name__)
                return None
            self.configure(config)
            _configure_logging_once(config)
        fresh = await self._watcher.poll() if self._watcher is not None else None
        if fresh is not None:
            self.configure(fresh)
        return self._decider

    def _log_outcome(self, event: str, kwargs: dict[str, Any], start: Any, end: Any) -> None:
        call_id = kwargs.get("litellm_call_id")
        # Some LiteLLM paths report one outcome twice; a request gets one line per outcome.
        if not self._outcomes_logged.add(f"{event}:{call_id}"):
            return
        fields = outcome_fields(kwargs, start, end)
        if event == "failure":
            logger.warning(event, **fields)
        else:
            logger.info(event, **fields)


def configured_path() -> Path | None:
    """The config the running proxy was given: ccproxy's variable, else LiteLLM's own."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    proxy_server = sys.modules.get("litellm.proxy.proxy_server")
    path = getattr(proxy_server, "user_config_file_path", None)
    return Path(path) if isinstance(path, str) and path else None


def client_credential_routes(model_list: object) -> frozenset[str]:
    """The model_names that may receive the client's own key or OAuth token.

    Only Anthropic deployments with no key of their own do: the client's Anthropic
    credential must never reach another provider, nor replace an operator's key.
    """
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


def outcome_fields(kwargs: Mapping[str, Any], start: Any, end: Any) -> dict[str, Any]:
    """The allowlisted fields of a success or failure event."""
    payload = kwargs.get("standard_logging_object") or {}
    metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    carried = _carried_from(metadata) or {}
    exception = kwargs.get("exception")

    fields: dict[str, Any] = {
        "litellm_call_id": kwargs.get("litellm_call_id"),
        "label": carried.get("label"),
        "route": carried.get("route"),
        "endpoint": carried.get("endpoint"),
        "stream": kwargs.get("stream") is True,
        "served_route": payload.get("model_group"),
        "served_model": payload.get("model") or kwargs.get("model"),
        "duration_ms": _milliseconds(start, end),
        "input_tokens": payload.get("prompt_tokens"),
        "output_tokens": payload.get("completion_tokens"),
    }
    if exception is not None:
        fields["error_class"] = type(exception).__name__
        fields["status"] = _status_code(exception)
    else:
        fields["status"] = 200
    return {key: value for key, value in fields.items() if value is not None}


async def _decide(decider: Decider, data: dict[str, Any], endpoint: str) -> Decision:
    try:
        return await decider.adecide(data, _request_headers(data))
    except Exception as error:  # noqa: BLE001 - the hook boundary: the request still goes out
        _log_fault("decision_failed", data, endpoint, error)
        return decider.default_decision(f"decider failed: {type(error).__name__}")


def _log_fault(event: str, data: Mapping[str, Any], endpoint: str, error: Exception) -> None:
    # The class only: an exception's message can quote the request it failed on.
    logger.error(
        event,
        litellm_call_id=data.get("litellm_call_id"),
        endpoint=endpoint,
        error_class=type(error).__name__,
    )


def _reject_unservable(data: Mapping[str, Any], call_type: str, endpoint: str) -> None:
    problem = find_problem(data, call_type)
    if problem is None:
        return
    logger.info(
        "rejected", litellm_call_id=data.get("litellm_call_id"), endpoint=endpoint, status=400
    )
    # LiteLLM renders this in each endpoint's own shape: Anthropic's or OpenAI's error JSON.
    raise ProxyException(message=problem, type="invalid_request_error", param=None, code=400)


def _request_headers(data: Mapping[str, Any]) -> dict[str, str]:
    request = data.get("proxy_server_request") or {}
    headers = request.get("headers") if isinstance(request, Mapping) else None
    return dict(headers) if isinstance(headers, Mapping) else {}


def _bucket(data: dict[str, Any], call_type: str) -> dict[str, Any]:
    name = _BUCKETS[call_type]
    bucket = data.get(name)
    if not isinstance(bucket, dict):
        bucket = data[name] = {}
    return bucket


def _carried(decision: Decision, endpoint: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "label": decision.label,
        "route": decision.route,
        "model": decision.model,
        "endpoint": endpoint,
        "stream": data.get("stream") is True,
    }


def _carried_from(metadata: object) -> Mapping[str, Any] | None:
    carried = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    return carried if isinstance(carried, Mapping) and "label" in carried else None


def _decision_fields(decision: Decision, endpoint: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "litellm_call_id": data.get("litellm_call_id"),
        **decision.log_fields(),
        "stream": data.get("stream") is True,
        "endpoint": endpoint,
    }


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


def _milliseconds(start: Any, end: Any) -> float | None:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return round((end - start).total_seconds() * 1000, 1)
    return None


def _status_code(exception: object) -> int | None:
    for attribute in ("status_code", "code"):
        value = getattr(exception, attribute, None)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    return None


def _configure_logging_once(config: Config) -> None:
    if not structlog.is_configured():
        configure_logging(config.settings.log.format, config.settings.log.level)


class _RecentKeys:
    """A bounded set of recently seen keys; ``add`` says whether a key is new."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> bool:
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return True


proxy_handler_instance = CCProxyHandler()

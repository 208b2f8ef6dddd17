"""CCProxyHandler: the LiteLLM callback that routes each request and logs what became of it.

Name the instance in the proxy config (``ccproxy start`` registers it by itself)::

    litellm_settings:
      callbacks: [ccproxy.handler.proxy_handler_instance]

Per request on ``/v1/messages`` and ``/v1/chat/completions``, streaming or not, the handler
rejects a body the proxy cannot serve with a 400, asks the decider for a route, rewrites
``model`` to it, keeps the decision in LiteLLM's metadata for the outcome events, and adds
``x-ccproxy-route: <label>`` to the response. A body that sets LiteLLM's own controls of
provider, deployment, credential or upstream headers (``custom_llm_provider``,
``extra_headers``, ...) gets a 400 naming the field (:mod:`ccproxy.controls`), and so does one
LiteLLM refuses itself before any hook runs (``api_base``, ``base_url``, ...), where LiteLLM
would answer a plain-text 500. A decider that raises sends the request to the default route.
Each decision and each outcome is one allowlisted log line (:mod:`ccproxy.logs`,
:mod:`ccproxy.outcomes`), and so is each failed try of a route on the way to the outcome. On
``/v1/messages`` a client answered with an upstream error gets the upstream's own error
(:mod:`ccproxy.upstream_error`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog
from fastapi import HTTPException
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import ProxyException

from ccproxy.config import Config, LogSettings, load_config
from ccproxy.controls import Allowances, control_problem, refused_field_problem
from ccproxy.credentials import client_credential_routes, drop_client_credentials
from ccproxy.decider import Decider, Decision
from ccproxy.errors import ConfigError
from ccproxy.fallbacks import FallbackPlan
from ccproxy.logs import configure_logging
from ccproxy.outcomes import (
    METADATA_KEY,
    attempt_fields,
    attempt_fields_from_event,
    failure_fields,
    request_carried,
    success_fields,
)
from ccproxy.reload import ConfigWatcher
from ccproxy.route_header import ROUTE_HEADER, remember_label
from ccproxy.rules import DEFAULT_LABEL
from ccproxy.thinking import keep_clients_thinking
from ccproxy.upstream_error import answer_with_upstream_error
from ccproxy.validation import find_problem

CONFIG_ENV = "CCPROXY_CONFIG"

# The call types the handler routes, with the endpoint each one serves.
ENDPOINTS = {"anthropic_messages": "/v1/messages", "acompletion": "/v1/chat/completions"}

# On /v1/messages `metadata` is Anthropic's own field; LiteLLM's bucket is litellm_metadata.
_BUCKETS = {"anthropic_messages": "litellm_metadata", "acompletion": "metadata"}

# LiteLLM looks the first two up in the leaf class's own __dict__ and skips inherited ones;
# the failure hooks are pinned too, so that a later LiteLLM doing the same cannot drop them.
_OWN_HOOKS = (
    "async_pre_call_hook",
    "async_post_call_response_headers_hook",
    "async_post_call_failure_hook",
    "async_post_call_failure_deployment_hook",
)

# Bounds of the per-process memory of recent call ids, for one line per outcome.
_RECENT_CALLS = 4096

logger = structlog.get_logger("ccproxy.handler")


class CCProxyHandler(CustomLogger):
    """Routes each request to the ``model_list`` entry its label names."""

    def __init__(self, config: Config | None = None) -> None:
        super().__init__()
        self._decider: Decider | None = None
        self._credential_routes: frozenset[str] = frozenset()
        self._allowances = Allowances()
        self._fallbacks = FallbackPlan()
        self._watcher: ConfigWatcher | None = None
        # The version of the config file that failed to load; retried once it changes.
        self._failed_version: FileVersion | None = None
        self._outcomes_logged = _RecentKeys(capacity=_RECENT_CALLS)
        self._attempts_logged = _RecentKeys(capacity=_RECENT_CALLS)
        # True while the logs run on defaults because no config could be read yet.
        self._logs_on_defaults = False
        self._log_settings: LogSettings | None = None
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
        self._log_settings = config.settings.log
        self._credential_routes = client_credential_routes(config.litellm.get("model_list"))
        self._allowances = Allowances.from_litellm_config(config.litellm)
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
        # First, so that a config read lazily has set up the logs before anything is logged.
        decider = await self._ready_decider()
        problem = find_problem(data, call_type) or control_problem(data, self._allowances)
        if problem is not None:
            self._reject(data, endpoint, problem)
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
        carried = request_carried(data)
        if carried is None:
            return None
        return {ROUTE_HEADER: str(carried["label"])}

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: object, start_time: Any, end_time: Any
    ) -> None:
        """Log the request's one ``success`` (or ``stream_completed``) line."""
        event = "stream_completed" if kwargs.get("stream") is True else "success"
        if self._outcomes_logged.add(kwargs.get("litellm_call_id")):
            logger.info(event, **success_fields(kwargs, start_time, end_time))

    async def async_post_call_failure_hook(
        self,
        request_data: dict[str, Any],
        original_exception: Exception,
        user_api_key_dict: Any,
        traceback_str: str | None = None,
    ) -> HTTPException | None:
        """Log the request's one ``failure`` line: LiteLLM calls this once, as it answers the
        client with an error, on both endpoints, streaming or not.

        On ``/v1/messages`` the client gets the upstream's own error type and message. A
        field LiteLLM refused from the client before routing is answered with a 400 naming
        it (LiteLLM turns the returned exception into the client's error).
        """
        if self._decider is None:
            # A request refused while LiteLLM authenticates it may be the first the proxy
            # sees: reading the config lazily sets up the logs before this hook logs.
            await self._load_configured()
        refused = refused_field_problem(original_exception)
        if refused is not None:
            return self._refuse_field(request_data, user_api_key_dict, refused)

        endpoint = _endpoint_of(request_data)
        try:
            if endpoint == ENDPOINTS["anthropic_messages"]:
                answer_with_upstream_error(original_exception)
            if self._outcomes_logged.add(request_data.get("litellm_call_id")):
                _log_failure(request_data, original_exception, endpoint)
        except Exception as error:  # noqa: BLE001 - the hook boundary: LiteLLM would log a traceback
            _log_fault("failure_hook_failed", request_data, endpoint, error)
        return None

    async def async_post_call_failure_deployment_hook(
        self,
        request_data: Mapping[str, Any],
        exception: Exception,
        call_type: object,
        fallback_depth: int | None = None,
    ) -> None:
        """Log an ``attempt_failed`` line for each failed try of a route: retries, fallbacks."""
        self._attempts_logged.add(request_data.get("litellm_call_id"))
        fields = attempt_fields(request_data, exception)
        # LiteLLM reports a body it refused to parse here too, though no route was tried.
        if fields.get("tried_route"):
            logger.warning("attempt_failed", **fields)

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: object, start_time: Any, end_time: Any
    ) -> None:
        """Log the failed try that the deployment hook never saw: an error event in a stream.

        LiteLLM reports here once per request, for its first failed try, after the
        deployment hook when that one saw it. The request's outcome is logged elsewhere.
        """
        # A field refused before routing tried no route.
        if refused_field_problem(kwargs.get("exception")) is not None:
            return
        if not self._attempts_logged.add(kwargs.get("litellm_call_id")):
            return
        fields = attempt_fields_from_event(kwargs)
        if fields.get("tried_route"):  # else LiteLLM refused to parse the body: no route tried
            logger.warning("attempt_failed", **fields)

    def _route(
        self, data: dict[str, Any], decision: Decision, call_type: str, endpoint: str
    ) -> None:
        data["model"] = decision.route
        keep_clients_thinking(data, decision.model)
        self._fallbacks.apply(data, decision)
        if decision.route not in self._credential_routes:
            drop_client_credentials(data)

        _bucket(data, call_type)[METADATA_KEY] = _carried(decision, endpoint, data)
        remember_label(decision.label)
        logger.info("decision", **_decision_fields(decision, endpoint, data))

    def _reject(self, data: Mapping[str, Any], endpoint: str, problem: str) -> None:
        call_id = data.get("litellm_call_id")
        # The rejection is the request's outcome: the failure events that follow add no line.
        self._outcomes_logged.add(call_id)
        self._attempts_logged.add(call_id)
        logger.info("rejected", litellm_call_id=call_id, endpoint=endpoint, status=400)
        # LiteLLM renders this in each endpoint's own shape: Anthropic's or OpenAI's error JSON.
        raise ProxyException(message=problem, type="invalid_request_error", param=None, code=400)

    def _refuse_field(
        self, data: Mapping[str, Any], user_api_key_dict: Any, problem: str
    ) -> HTTPException:
        # LiteLLM refused it while authenticating: the route it was asked on is all it knows.
        route = getattr(user_api_key_dict, "request_route", None)
        endpoint = route if route in ENDPOINTS.values() else None
        call_id = data.get("litellm_call_id")
        self._outcomes_logged.add(call_id)
        logger.info("rejected", litellm_call_id=call_id, endpoint=endpoint, status=400)
        # Rendered in the endpoint's own error shape, as a ProxyException of LiteLLM's.
        return HTTPException(status_code=400, detail=problem)

    def _route_to_default(self, data: dict[str, Any], decider: Decider) -> None:
        default = decider.router.default.name
        remember_label(DEFAULT_LABEL)
        data["model"] = default
        data.pop("fallbacks", None)
        if default not in self._credential_routes:
            drop_client_credentials(data)

    async def _ready_decider(self) -> Decider | None:
        if self._decider is None:
            await self._load_configured()
        fresh = await self._watcher.poll() if self._watcher is not None else None
        if fresh is not None:
            if fresh.settings.log != self._log_settings:
                self._set_up_logs(fresh, reconfigure=True)
            self.configure(fresh)
        return self._decider

    async def _load_configured(self) -> None:
        """Under `litellm --config` nothing configured us: read the config the proxy runs.

        A file that fails is read again only once it has changed, so that fixing it takes
        effect without a restart and a broken one costs a stat per request, not a parse.
        """
        path = configured_path()
        version = file_version(path)
        if self._failed_version is not None and version == self._failed_version:
            return
        try:
            config = await asyncio.to_thread(load_config, path)
        except Exception as error:  # noqa: BLE001 - a bad config must not break serving
            self._failed_version = version
            self._set_up_logs(None)
            _log_config_failed(path, error)
            return

        recovered = self._failed_version is not None
        self._failed_version = None
        self.configure(config)
        self._set_up_logs(config)
        if recovered:
            logger.info("config_loaded", config=str(path))

    def _set_up_logs(self, config: Config | None, reconfigure: bool = False) -> None:
        """Log as the config says, or on defaults until one loads, unless the logs are set up
        already (``ccproxy start`` does it before LiteLLM starts) and this is no reload."""
        if structlog.is_configured() and not self._logs_on_defaults and not reconfigure:
            return
        if config is None:
            configure_logging()
        else:
            configure_logging(config.settings.log.format, config.settings.log.level)
        self._logs_on_defaults = config is None


def configured_path() -> Path | None:
    """The config the running proxy was given: ccproxy's variable, else LiteLLM's own."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    proxy_server = sys.modules.get("litellm.proxy.proxy_server")
    path = getattr(proxy_server, "user_config_file_path", None)
    return Path(path) if isinstance(path, str) and path else None


FileVersion = tuple[int, int, int]


def file_version(path: Path | None) -> FileVersion | None:
    """What changes when a file is edited or replaced: mtime, size, inode; None if absent."""
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


async def _decide(decider: Decider, data: dict[str, Any], endpoint: str) -> Decision:
    try:
        return await decider.adecide(data, _request_headers(data))
    except Exception as error:  # noqa: BLE001 - the hook boundary: the request still goes out
        _log_fault("decision_failed", data, endpoint, error)
        return decider.default_decision(f"decider failed: {type(error).__name__}")


def _log_failure(data: Mapping[str, Any], error: Exception, endpoint: str | None) -> None:
    fields = failure_fields(data, error)
    # A 400 before any decision: LiteLLM refused the body (not JSON, not an object).
    if request_carried(data) is None and fields.get("status") == 400:
        call_id = data.get("litellm_call_id")
        logger.info("rejected", litellm_call_id=call_id, endpoint=endpoint, status=400)
        return
    logger.warning("failure", **fields)


def _log_fault(event: str, data: Mapping[str, Any], endpoint: str | None, error: Exception) -> None:
    # The class only: an exception's message can quote the request it failed on.
    logger.error(
        event,
        litellm_call_id=data.get("litellm_call_id"),
        endpoint=endpoint,
        error_class=type(error).__name__,
    )


def _log_config_failed(path: Path | None, error: Exception) -> None:
    # A ConfigError's message is ours: key, value described, expectation. Other errors
    # only by class, as their messages are not ours to vouch for.
    ours = isinstance(error, ConfigError)
    logger.error(
        "config_failed",
        config=str(path) if path is not None else None,
        config_key=error.key if isinstance(error, ConfigError) else None,
        error=str(error) if ours else None,
        error_class=None if ours else type(error).__name__,
    )


def _endpoint_of(data: Mapping[str, Any]) -> str | None:
    carried = request_carried(data)
    if carried is not None:
        return str(carried.get("endpoint"))
    return ENDPOINTS.get(str(data.get("call_type")))


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


def _decision_fields(decision: Decision, endpoint: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "litellm_call_id": data.get("litellm_call_id"),
        **decision.log_fields(),
        "stream": data.get("stream") is True,
        "endpoint": endpoint,
    }


class _RecentKeys:
    """A bounded set of recently seen call ids; ``add`` says whether one is new.

    Some LiteLLM paths report one outcome twice. A missing id is always new.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._keys: OrderedDict[object, None] = OrderedDict()

    def add(self, key: object) -> bool:
        if key is None:
            return True
        if key in self._keys:
            return False
        self._keys[key] = None
        if len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return True


proxy_handler_instance = CCProxyHandler()

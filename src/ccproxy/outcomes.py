"""The fields of the lines that say what became of a request, from LiteLLM's hook payloads.

A request has one outcome line: ``success`` or ``stream_completed`` when a route served it,
``failure`` when the proxy answered it with an error. Each failed try of a route on the way
(a retry, a fallback hop) is an ``attempt_failed`` line of its own. Only allowlisted values
are read: ids, names, counts, durations, status codes and exception class names, never an
exception's message, which can quote the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

# Where the decision travels from the pre-call hook to the outcome hooks, in LiteLLM's metadata.
METADATA_KEY = "ccproxy"


def success_fields(kwargs: Mapping[str, Any], start: Any, end: Any) -> dict[str, Any]:
    """A ``success`` or ``stream_completed`` line: the route that served, usage, status 200.

    A request served after a fallback still carries the first attempt's exception in
    ``kwargs``; it belongs to that attempt's line, not to the outcome.
    """
    payload = kwargs.get("standard_logging_object") or {}
    fields = {
        **_event_request_fields(kwargs),
        "served_route": payload.get("model_group"),
        "served_model": payload.get("model") or kwargs.get("model"),
        "duration_ms": _milliseconds(start, end),
        "input_tokens": payload.get("prompt_tokens"),
        "output_tokens": payload.get("completion_tokens"),
        "status": 200,
    }
    return _present(fields)


def failure_fields(request_data: Mapping[str, Any], exception: object) -> dict[str, Any]:
    """A ``failure`` line: the error class and the status the client was answered with."""
    start = request_data.get("start_time")
    fields = {
        **_data_request_fields(request_data),
        "duration_ms": _milliseconds(start, _now_like(start)),
        "error_class": type(exception).__name__,
        "status": _answered_status(exception),
    }
    return _present(fields)


def attempt_fields(request_data: Mapping[str, Any], exception: object) -> dict[str, Any]:
    """An ``attempt_failed`` line from one try's own kwargs: the route tried and its error."""
    fields = {
        **_data_request_fields(request_data),
        "tried_route": _metadata(request_data).get("model_group"),
        "tried_model": request_data.get("model"),
        "error_class": type(exception).__name__,
        "status": _upstream_status(exception),
    }
    return _present(fields)


def attempt_fields_from_event(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """An ``attempt_failed`` line from a failure event's payload."""
    payload = kwargs.get("standard_logging_object") or {}
    exception = kwargs.get("exception")
    fields = {
        **_event_request_fields(kwargs),
        "tried_route": payload.get("model_group"),
        "tried_model": payload.get("model") or kwargs.get("model"),
        "error_class": type(exception).__name__ if exception is not None else None,
        "status": _upstream_status(exception),
    }
    return _present(fields)


def carried_from(metadata: object) -> Mapping[str, Any] | None:
    """The decision the pre-call hook left in a metadata bucket, if it left one."""
    carried = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    return carried if isinstance(carried, Mapping) and "label" in carried else None


def request_carried(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The decision carried by request data, in either endpoint's metadata bucket."""
    return carried_from(data.get("litellm_metadata")) or carried_from(data.get("metadata"))


def _event_request_fields(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    metadata = (kwargs.get("litellm_params") or {}).get("metadata")
    return _request_fields(kwargs.get("litellm_call_id"), metadata, kwargs.get("stream"))


def _data_request_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return _request_fields(data.get("litellm_call_id"), _metadata(data), data.get("stream"))


def _request_fields(call_id: object, metadata: object, stream: object) -> dict[str, Any]:
    carried = carried_from(metadata) or {}
    return {
        "litellm_call_id": call_id,
        "label": carried.get("label"),
        "route": carried.get("route"),
        "endpoint": carried.get("endpoint"),
        "stream": stream is True,
    }


def _metadata(data: Mapping[str, Any]) -> Mapping[str, Any]:
    # LiteLLM's bucket is litellm_metadata on /v1/messages, where metadata is Anthropic's own
    # field, and metadata on chat: the one carrying the decision, else the first present.
    buckets = [data.get(name) for name in ("litellm_metadata", "metadata")]
    mappings = [bucket for bucket in buckets if isinstance(bucket, Mapping)]
    carrying = [bucket for bucket in mappings if carried_from(bucket) is not None]
    return (carrying or mappings or [{}])[0]


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _milliseconds(start: Any, end: Any) -> float | None:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return round((end - start).total_seconds() * 1000, 1)
    return None


def _now_like(start: Any) -> datetime | None:
    # LiteLLM stamps a request's start_time naive, in local time; compare like with like.
    return datetime.now(start.tzinfo) if isinstance(start, datetime) else None


def _answered_status(exception: object) -> int | None:
    return _first_status(exception, ("status_code", "code"))


def _upstream_status(exception: object) -> int | None:
    # LiteLLM maps an upstream 529 to a 500-class error and keeps the 529 beside it.
    return _first_status(exception, ("provider_status_code", "status_code", "code"))


def _first_status(exception: object, attributes: tuple[str, ...]) -> int | None:
    for attribute in attributes:
        value = getattr(exception, attribute, None)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    return None

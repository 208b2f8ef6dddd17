"""Fields only the proxy's config may set, which a client's body tries to.

LiteLLM refuses ``api_base``, ``base_url``, the AWS and Azure identity fields, workload
identity federation and secret references itself while it authenticates the request:
:func:`refused_field_problem` words its refusal as the client's 400.
"""

from __future__ import annotations

import re

# How LiteLLM 1.110.2 words its refusal of a field only the proxy's config may set
# (proxy/auth/auth_utils.py, types/router.py, types/utils.py). model_list has its own sentence.
_REFUSED_FIELD = re.compile(
    r"Rejected Request: (\w+)(?: is not allowed in| is a server-owned| holds an? (?:oidc/ )?secret"
    r" reference|=)"
)


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

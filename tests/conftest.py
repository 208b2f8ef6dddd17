"""Shared test setup: decisions checked against a full count, a fake upstream, a proxy."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ccproxy.decider import VERIFY_ENV

from tests.support.fake_upstream import FakeUpstream
from tests.support.proxy import ROUTING_CONFIG, ProxyProcess, config_file

# Every decision the suite makes, in this process or in a proxy it starts, is checked against
# the decision a full token count gives (see ccproxy.decider.DecisionMismatchError).
os.environ.setdefault(VERIFY_ENV, "1")

UPSTREAM_KEY = "sk-ant-operator-key"


@pytest.fixture(scope="session")
def upstream() -> Iterator[FakeUpstream]:
    """The session's fake Anthropic upstream; use ``fresh_upstream`` to start from nothing."""
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
def fresh_upstream(upstream: FakeUpstream) -> Iterator[FakeUpstream]:
    """The session's upstream with no recorded requests and no scripted answers."""
    upstream.reset()
    yield upstream
    upstream.reset()


@pytest.fixture(scope="session")
def routing_proxy(
    upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyProcess]:
    """``litellm --config`` naming ccproxy's handler, every label on its own route.

    The config sits in one directory and the proxy runs from another, so the handler must
    come from the installed package, not from a path relative to either.
    """
    config = config_file(tmp_path_factory.mktemp("routing-config"), ROUTING_CONFIG)
    elsewhere = tmp_path_factory.mktemp("routing-cwd")
    env = {"UPSTREAM_BASE": upstream.base_url, "UPSTREAM_KEY": UPSTREAM_KEY}
    env["LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"] = "true"
    proxy = ProxyProcess.litellm(config, elsewhere / "proxy.log", env=env, cwd=elsewhere)
    with proxy:
        yield proxy

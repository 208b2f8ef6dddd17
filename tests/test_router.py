"""ModelRouter: a label's route, unless the request is too long for that route's window."""

from __future__ import annotations

import pytest

from ccproxy.content import Reading
from ccproxy.router import Deployment, ModelRouter
from ccproxy.tokens import TokenEstimate


def deployment(name: str, window: int | None) -> Deployment:
    return Deployment(name=name, model=f"anthropic/{name}", max_input_tokens=window)


def tokens(count: int) -> TokenEstimate:
    """An estimate of exactly `count` tokens."""
    return TokenEstimate(Reading(fixed_tokens=count))


SMALL = deployment("small", 50_000)
MEDIUM = deployment("medium", 200_000)
LARGE = deployment("large", 1_000_000)


def router(**routes: Deployment) -> ModelRouter:
    deployments = {d.name: d for d in routes.values()}
    return ModelRouter({label: d.name for label, d in routes.items()}, deployments)


def test_a_request_that_fits_its_route_takes_it() -> None:
    route = router(default=SMALL, long_context=LARGE).route("default", tokens(50_000))
    assert (route.label, route.deployment.name, route.reasons) == ("default", "small", ())


def test_a_route_without_a_known_window_takes_any_request() -> None:
    unknown = deployment("unknown", None)
    route = router(default=unknown).route("default", tokens(5_000_000))
    assert route.deployment.name == "unknown"


def test_a_request_too_long_for_its_route_goes_to_the_long_context_route() -> None:
    route = router(default=SMALL, long_context=LARGE).route("default", tokens(50_001))

    assert (route.label, route.deployment.name) == ("long_context", "large")
    assert route.reasons == ("input exceeds small's window of 50,000 tokens",)


def test_when_the_long_context_route_is_too_small_too_the_largest_window_that_fits_serves() -> None:
    routes = router(default=SMALL, long_context=MEDIUM, background=LARGE, think=SMALL)

    route = routes.route("think", tokens(300_000))

    assert (route.label, route.deployment.name) == ("long_context", "large")
    assert route.reasons[-1] == "large has the largest window"


@pytest.mark.parametrize("has_long_context", [True, False])
def test_when_nothing_fits_the_long_context_route_serves_else_the_labels_own(
    has_long_context: bool,
) -> None:
    routes = {"default": SMALL, "long_context": MEDIUM} if has_long_context else {"default": SMALL}

    route = router(**routes).route("default", tokens(2_000_000))

    assert route.deployment.name == ("medium" if has_long_context else "small")
    assert (route.label, route.reasons[-1]) == ("long_context", "none fits")

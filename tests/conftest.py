"""Shared test setup."""

import os

from ccproxy.decider import VERIFY_ENV

# Every decision the suite makes, in this process or in a proxy it starts, is checked against
# the decision a full token count gives (see ccproxy.decider.DecisionMismatchError).
os.environ.setdefault(VERIFY_ENV, "1")

"""When to try a failed delivery again: exponential backoff with jitter, capped, per item.

Every pending item (a line for the customer's chat, an escalation waiting for its ticket) keeps its
own attempt count and next attempt time in the database, so a restart of any process loses nothing
and an item that keeps failing never holds up another.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.helpdesk.http import backoff_s

FIRST_RETRY_S = 2.0
MAX_RETRY_S = 300.0
_MAX_DOUBLINGS = 20  # far past the cap; keeps 2**n small


def retry_delay_s(attempts: int, random_fraction: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``attempts`` failed tries: 2, 4, 8 ... doubling up to 5 minutes, each drawn
    between half and all of that ("equal jitter"), so items that failed together do not retry in step."""
    ceiling = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** min(max(0, attempts - 1), _MAX_DOUBLINGS))
    return ceiling / 2 + random_fraction() * ceiling / 2


def next_attempt_at(now: datetime, attempts: int) -> datetime:
    return now + timedelta(seconds=retry_delay_s(attempts))


def worst_call_s(timeout_s: float, retries: int) -> float:
    """The longest one outbound call may take with its retries (see :func:`bot.helpdesk.http.request_with_retries`)."""
    retries = max(0, retries)
    return timeout_s * (retries + 1) + sum(backoff_s(i) for i in range(retries))

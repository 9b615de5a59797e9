"""Each pending item's next attempt: exponential backoff with jitter, capped."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.helpdesk.schedule import MAX_RETRY_S, next_attempt_at, retry_delay_s, worst_call_s


@pytest.mark.parametrize(("attempts", "ceiling"), [(1, 2), (2, 4), (3, 8), (8, 256), (9, MAX_RETRY_S), (500, MAX_RETRY_S)])
def test_the_wait_doubles_up_to_five_minutes_and_is_drawn_between_half_and_all_of_it(attempts, ceiling):
    assert retry_delay_s(attempts, random_fraction=lambda: 0.0) == ceiling / 2
    assert retry_delay_s(attempts, random_fraction=lambda: 1.0) == ceiling


def test_items_that_failed_together_do_not_come_back_together():
    delays = {retry_delay_s(4) for _ in range(50)}
    assert len(delays) > 40 and all(8 <= delay <= 16 for delay in delays)


def test_the_next_attempt_is_that_far_from_now():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert now + timedelta(seconds=1) <= next_attempt_at(now, 1) <= now + timedelta(seconds=2)


def test_the_longest_call_counts_every_try_and_the_waits_between():
    assert worst_call_s(5.0, 0) == 5.0
    assert worst_call_s(5.0, 2) == 5.0 * 3 + 0.25 + 0.5

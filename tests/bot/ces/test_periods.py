"""Report periods: the default range, one-sided ranges, inclusive days, and clear errors."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.ces.periods import ReportRange, ReportRangeError, parse_report_range


def test_the_default_range_is_the_last_30_days_including_today():
    assert parse_report_range(None, None, today=date(2026, 3, 31)) == ReportRange(date(2026, 3, 2), date(2026, 3, 31))


def test_a_range_with_only_one_end():
    today = date(2026, 3, 31)
    assert parse_report_range("2026-03-10", None, today=today) == ReportRange(date(2026, 3, 10), today)
    assert parse_report_range(None, "2026-02-28", today=today) == ReportRange(date(2026, 1, 30), date(2026, 2, 28))


def test_until_is_inclusive_up_to_midnight():
    period = parse_report_range("2026-03-02", "2026-03-15")
    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-03-02T00:00:00+00:00", "2026-03-16T00:00:00+00:00")


@pytest.mark.parametrize("since, until, message", [
    ("yesterday", None, "since must be a date like 2026-03-01 (YYYY-MM-DD), got 'yesterday'"),
    ("2026-02-30", None, "since must be a date"),
    (None, "03/15/2026", "until must be a date"),
    ("2026-03-15", "2026-03-02", "since (2026-03-15) is after until (2026-03-02)"),
])
def test_bad_dates_are_refused_with_a_clear_message(since, until, message):
    with pytest.raises(ReportRangeError, match=re.escape(message)):
        parse_report_range(since, until)

"""Report periods: UTC days ``since`` … ``until`` (both included), parsed from optional YYYY-MM-DD
strings (``--since``/``--until`` of ``python -m bot report``, ``?since=``/``?until=`` of the API)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.db import utcnow

DEFAULT_DAYS = 30


class ReportRangeError(ValueError):
    """A --since/--until (or ?since=/?until=) value that cannot be used; the message says why."""


@dataclass(frozen=True)
class ReportRange:
    """UTC days ``since`` … ``until``, both included."""
    since: date
    until: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after ``until``."""
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=timezone.utc)

    def contains(self, column):
        return (column >= self.start) & (column < self.end)


def _parse_day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ReportRangeError(f"{name} must be a date like 2026-03-01 (YYYY-MM-DD), got {value[:40]!r}") from None


def parse_report_range(since: str | None, until: str | None, today: date | None = None) -> ReportRange:
    """The range for optional YYYY-MM-DD strings; by default the last 30 days up to today (UTC)."""
    today = today or utcnow().date()
    until_day = _parse_day("until", until) if until else None
    since_day = _parse_day("since", since) if since else None
    if until_day is None:
        until_day = max(today, since_day) if since_day else today
    if since_day is None:
        since_day = until_day - timedelta(days=DEFAULT_DAYS - 1)
    if since_day > until_day:
        raise ReportRangeError(f"since ({since_day}) is after until ({until_day})")
    return ReportRange(since_day, until_day)

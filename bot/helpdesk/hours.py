"""Business hours: is a person expected to be at work now, and when next?

The format (``BUSINESS_HOURS``) is written by people: ``Mon-Fri 09:00-17:00``, several parts joined
by ``;`` (``Sun-Thu 08:00-16:00; Fri 08:00-12:00``), several ranges per part
(``Mon-Fri 09:00-12:00 13:00-17:00``), day lists (``Mon,Wed``), ``Daily``, or ``24/7``.
A range that ends before it starts runs overnight: ``Fri 22:00-06:00`` is Friday 22:00 to Saturday
06:00, as night shifts are written. Times are local to ``BUSINESS_TIMEZONE`` (an IANA name such as ``Europe/Prague``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

# (weekday 0=Monday, start minute of the day, end minute of the day; end may be 1440)
Window = tuple[int, int, int]


class BusinessHoursError(ValueError):
    """The business-hours setting cannot be understood; the message says what to write instead."""


@dataclass(frozen=True)
class BusinessHours:
    zone: ZoneInfo
    windows: tuple[Window, ...]
    always_open: bool = False

    @classmethod
    def parse(cls, spec: str, timezone_name: str) -> BusinessHours:
        try:
            zone = ZoneInfo(timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise BusinessHoursError(
                f"BUSINESS_TIMEZONE {timezone_name!r} is not a known time zone (e.g. UTC, Europe/Prague)"
            ) from None
        spec = spec.strip()
        if spec.lower() in ("24/7", "always"):
            return cls(zone=zone, windows=(), always_open=True)
        if not spec:
            raise BusinessHoursError("BUSINESS_HOURS is empty; write e.g. 'Mon-Fri 09:00-17:00' or '24/7'")
        windows: list[Window] = []
        for part in spec.split(";"):
            words = part.split()
            if len(words) < 2:
                raise BusinessHoursError(
                    f"BUSINESS_HOURS part {part.strip()!r} needs days and hours, e.g. 'Mon-Fri 09:00-17:00'"
                )
            days = _parse_days(words[0])
            for word in words[1:]:
                start, end = _parse_range(word)
                for day in days:
                    windows.extend(_day_windows(day, start, end))
        return cls(zone=zone, windows=tuple(sorted(windows)))

    def is_open(self, moment: datetime) -> bool:
        return self.next_open(moment) == moment

    def next_open(self, moment: datetime) -> datetime | None:
        """``moment`` itself when open then, else the next opening (UTC); None when never open."""
        if self.always_open:
            return moment
        local = moment.astimezone(self.zone)
        best: datetime | None = None
        for day_offset in range(8):
            day = local.date() + timedelta(days=day_offset)
            for weekday, start, end in self.windows:
                if weekday != day.weekday():
                    continue
                opens = _local_moment(day, start, self.zone)
                closes = _local_moment(day, end, self.zone)
                if opens <= local < closes:
                    return moment
                if opens > local and (best is None or opens < best):
                    best = opens
            if best is not None:
                break
        return best.astimezone(timezone.utc) if best else None


def _local_moment(day, minute_of_day: int, zone: ZoneInfo) -> datetime:
    start_of_day = datetime.combine(day, time(0, 0), tzinfo=zone)
    return start_of_day + timedelta(minutes=minute_of_day) if minute_of_day else start_of_day


def _day_windows(day: int, start: int, end: int) -> list[Window]:
    """One window, or two when the range runs past midnight into the next day."""
    if end > start:
        return [(day, start, end)]
    overnight = [(day, start, 24 * 60)]
    if end:
        overnight.append(((day + 1) % 7, 0, end))
    return overnight


def _parse_days(word: str) -> list[int]:
    word = word.lower()
    if word in ("daily", "every-day", "mon-sun"):
        return list(range(7))
    days: list[int] = []
    for item in word.split(","):
        first, _, last = item.partition("-")
        try:
            start = DAY_NAMES.index(first[:3]) if len(first) >= 3 else -1
            end = DAY_NAMES.index(last[:3]) if last else start
        except ValueError:
            start = end = -1
        if start < 0:
            raise BusinessHoursError(f"BUSINESS_HOURS day {item!r} is not a day; use Mon, Tue, ... Sun (e.g. Mon-Fri)")
        span = (end - start) % 7
        days.extend((start + i) % 7 for i in range(span + 1))
    return days


def _parse_range(word: str) -> tuple[int, int]:
    match = _RANGE.match(word)
    if not match:
        raise BusinessHoursError(f"BUSINESS_HOURS hours {word!r} must look like 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
        raise BusinessHoursError(f"BUSINESS_HOURS hours {word!r}: times go from 00:00 to 24:00")
    if end == start:
        raise BusinessHoursError(
            f"BUSINESS_HOURS hours {word!r} open and close at the same time; for all day write 00:00-24:00"
        )
    return start, end

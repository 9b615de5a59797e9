"""Service-level targets: when a ticket's first reply and its resolution are due, whether each target
was met, breached or is still running, and breach counts for the report.

The clock is calendar time from ``created_at`` (business hours do not pause it): a promise of "a reply
within 4 hours" reads the same to a customer at night, and the queue colours stay explainable without
the schedule. Targets follow the ticket's *current* priority, so a ticket raised to urgent is held to
the urgent target at once. Resolution is measured to ``resolved_at``, which is the *latest*
resolution: reopening clears it, so a reopened ticket's resolution target runs again from its creation.
Withdrawn tickets count for neither target, and a ticket closed without a resolution is left out of
the resolution target.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot.ces.periods import ReportRange
from bot.db import utcnow
from bot.models import Ticket
from bot.settings import SLA_PRIORITIES, Settings, priority_minutes

Outcome = Literal["met", "breached", "pending", "excluded"]
QueueState = Literal["breached", "warning", "ok", "met"]

# A running target turns amber when less than this share of it is left, or less than WARNING_FLOOR,
# whichever is longer: a quarter of a day's target is plenty of notice, 15 minutes is the least
# an agent needs to pick a ticket up.
WARNING_SHARE = 0.25
WARNING_FLOOR = timedelta(minutes=15)
_SEVERITY: dict[QueueState, int] = {"breached": 0, "warning": 1, "ok": 2, "met": 3}


@dataclass(frozen=True)
class SlaTargets:
    """Minutes allowed per priority (urgent, high, normal, low)."""

    first_response: dict[str, int]
    resolution: dict[str, int]

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaTargets:
        return cls(priority_minutes(settings.sla_first_response), priority_minutes(settings.sla_resolution))


@dataclass(frozen=True)
class SlaState:
    """One ticket against its targets at ``now``.

    ``state`` is what the queue colours: the worst of the targets still running (breached when past
    due, warning near it, else ok); once nothing runs, "met" or "breached" by the outcomes, and None
    for a withdrawn ticket. ``due_at`` is the deadline that state is about (the one missed, or the
    soonest coming), so "most overdue, then soonest due" is an ascending sort on it.
    """

    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response: Outcome
    resolution: Outcome
    state: QueueState | None
    due_at: datetime | None


def _outcome(created_at: datetime, done_at: datetime | None, minutes: int, now: datetime) -> Outcome:
    due_at = created_at + timedelta(minutes=minutes)
    if done_at is not None:
        return "met" if done_at <= due_at else "breached"
    return "breached" if now > due_at else "pending"


def _running_state(due_at: datetime, minutes: int, now: datetime) -> QueueState:
    if now > due_at:
        return "breached"
    warning_window = max(timedelta(minutes=minutes) * WARNING_SHARE, WARNING_FLOOR)
    return "warning" if due_at - now < warning_window else "ok"


def _outcomes(
    *, priority: str, status: str, created_at: datetime, first_reply_at: datetime | None,
    resolved_at: datetime | None, now: datetime, targets: SlaTargets,
) -> tuple[Outcome, Outcome]:
    if status == "withdrawn":
        return "excluded", "excluded"
    first_response = _outcome(created_at, first_reply_at, targets.first_response[priority], now)
    if status == "closed" and resolved_at is None:
        return first_response, "excluded"
    return first_response, _outcome(created_at, resolved_at, targets.resolution[priority], now)


def sla_state(ticket: Ticket, now: datetime, targets: SlaTargets) -> SlaState:
    """Where ``ticket`` stands against its first-response and resolution targets at ``now``."""
    first_minutes, resolution_minutes = targets.first_response[ticket.priority], targets.resolution[ticket.priority]
    first_due, resolution_due = (ticket.created_at + timedelta(minutes=m) for m in (first_minutes, resolution_minutes))
    first_response, resolution = _outcomes(
        priority=ticket.priority, status=ticket.status, created_at=ticket.created_at,
        first_reply_at=ticket.first_reply_at, resolved_at=ticket.resolved_at, now=now, targets=targets,
    )
    running = [
        (_running_state(due_at, minutes, now), due_at)
        for outcome, done_at, minutes, due_at in (
            (first_response, ticket.first_reply_at, first_minutes, first_due),
            (resolution, ticket.resolved_at, resolution_minutes, resolution_due),
        )
        if outcome != "excluded" and done_at is None
    ]
    state: QueueState | None
    due_at: datetime | None = None
    if running:
        state, due_at = min(running, key=lambda pair: (_SEVERITY[pair[0]], pair[1]))
    elif first_response == resolution == "excluded":
        state = None
    else:
        state = "breached" if "breached" in (first_response, resolution) else "met"
    return SlaState(first_due, resolution_due, first_response, resolution, state, due_at)


def _counts(outcomes: Iterable[tuple[str, Outcome]], targets: dict[str, int]) -> dict:
    counted = ("breached", "met", "pending")
    tally = {priority: dict.fromkeys(counted, 0) for priority in SLA_PRIORITIES}
    for priority, outcome in outcomes:
        if outcome != "excluded":
            tally[priority][outcome] += 1
    return {
        "targets_minutes": dict(targets),
        **{outcome: sum(counts[outcome] for counts in tally.values()) for outcome in counted},
        "by_priority": [{"priority": priority, **counts} for priority, counts in tally.items()],
    }


def tickets_created_in(session: Session, period: ReportRange) -> Sequence[Row]:
    """Priority, status and times of the tickets created in ``period``: read once for a report's SLA
    outcomes and its ticket times (a year of a busy helpdesk is 100,000 rows)."""
    return session.execute(
        select(Ticket.priority, Ticket.status, Ticket.created_at, Ticket.first_reply_at, Ticket.resolved_at)
        .where(period.contains(Ticket.created_at))
    ).all()


def sla_breaches(tickets: Iterable[Row], settings: Settings, now: datetime | None = None) -> dict:
    """First-response and resolution outcomes (breached, met, pending) of ``tickets`` (from
    :func:`tickets_created_in`), in total and per priority (urgent → low), with the targets they were held to."""
    now = now or utcnow()
    targets = SlaTargets.from_settings(settings)
    pairs = [
        (row.priority, _outcomes(
            priority=row.priority, status=row.status, created_at=row.created_at, first_reply_at=row.first_reply_at,
            resolved_at=row.resolved_at, now=now, targets=targets,
        ))
        for row in tickets
    ]
    return {
        "first_response": _counts(((priority, first) for priority, (first, _) in pairs), targets.first_response),
        "resolution": _counts(((priority, resolution) for priority, (_, resolution) in pairs), targets.resolution),
    }

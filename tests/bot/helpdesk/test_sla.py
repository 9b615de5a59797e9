"""SLA targets: per-ticket state at hand-worked times, the report's breach counts on a seeded
database (each figure worked out below), and the SLA state in the agent API's ticket summaries."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from bot.ces.periods import ReportRange
from bot.db import session_scope, utcnow
from bot.helpdesk.sla import SlaTargets, sla_breaches, sla_state, tickets_created_in
from bot.models import Ticket
from bot.settings import load_settings, priority_minutes

# The defaults: first response urgent 30 min, high 1 h, normal 4 h, low 1 d;
# resolution urgent 4 h, high 1 d, normal 3 d, low 7 d.
TARGETS = SlaTargets(
    priority_minutes("urgent=30m,high=1h,normal=4h,low=1d"), priority_minutes("urgent=4h,high=1d,normal=3d,low=7d")
)
_ids = itertools.count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def ticket(priority="normal", status="waiting", created=None, replied=None, resolved=None, **fields) -> Ticket:
    number = next(_ids)
    return Ticket(
        reference=f"T-{number}", idempotency_key=f"sla-{number}", conversation_id=f"sla-{number}",
        subject="Help", reason="customer_request", priority=priority,
        priority_rank=("urgent", "high", "normal", "low").index(priority), status=status,
        created_at=created or at(10, 10), first_reply_at=replied, resolved_at=resolved, **fields,
    )


# ---------------------------------------------------------------- one ticket


def test_first_reply_within_four_hours_is_met_and_one_minute_late_is_breached():
    on_time = sla_state(ticket(status="assigned", replied=at(10, 13, 59)), at(10, 15), TARGETS)
    late = sla_state(ticket(status="assigned", replied=at(10, 14, 1)), at(10, 15), TARGETS)
    assert on_time.first_response_due_at == late.first_response_due_at == at(10, 14)
    assert (on_time.first_response, late.first_response) == ("met", "breached")
    # Both are still unresolved (due 3 days after 10:00) with more than a quarter left: the queue shows ok.
    assert on_time.resolution == late.resolution == "pending"
    assert (on_time.state, on_time.due_at) == ("ok", at(13, 10))
    assert (late.state, late.due_at) == ("ok", at(13, 10))


@pytest.mark.parametrize(
    ("now", "state", "outcome"),
    [
        (at(10, 12, 59), "ok", "pending"),  # 61 min left: more than a quarter of 4 h
        (at(10, 13, 30), "warning", "pending"),  # 30 min left, under 1 h (a quarter of 4 h)
        (at(10, 14), "warning", "pending"),  # due this very minute: not exceeded yet
        (at(10, 14, 5), "breached", "breached"),
    ],
)
def test_an_unreplied_ticket_turns_amber_in_its_last_quarter_and_red_once_past_due(now, state, outcome):
    result = sla_state(ticket(), now, TARGETS)
    assert (result.state, result.first_response, result.due_at) == (state, outcome, at(10, 14))


def test_a_short_target_warns_fifteen_minutes_ahead_rather_than_a_quarter():
    # Urgent, 30 min: a quarter would be 7.5 min, the floor of 15 min is longer.
    assert sla_state(ticket("urgent"), at(10, 10, 14), TARGETS).state == "ok"
    assert sla_state(ticket("urgent"), at(10, 10, 16), TARGETS).state == "warning"


def test_the_most_urgent_running_target_decides_the_queue_state():
    # Replied in time, resolution (due 14:00 for urgent) overdue by 30 min.
    overdue = sla_state(ticket("urgent", status="assigned", replied=at(10, 10, 5)), at(10, 14, 30), TARGETS)
    assert (overdue.state, overdue.due_at, overdue.resolution) == ("breached", at(10, 14), "breached")
    # Unreplied: both run; the first reply (due 10:30) is the sooner deadline.
    fresh = sla_state(ticket("urgent"), at(10, 10, 1), TARGETS)
    assert (fresh.state, fresh.due_at) == ("ok", at(10, 10, 30))


def test_finished_tickets_are_met_or_breached_and_withdrawn_ones_are_left_out():
    done = sla_state(ticket(status="closed", replied=at(10, 11), resolved=at(11, 9)), at(20, 0), TARGETS)
    assert (done.first_response, done.resolution, done.state, done.due_at) == ("met", "met", "met", None)
    slow = sla_state(ticket(status="resolved", replied=at(10, 15), resolved=at(11, 9)), at(20, 0), TARGETS)
    assert (slow.first_response, slow.resolution, slow.state) == ("breached", "met", "breached")
    withdrawn = sla_state(ticket(status="withdrawn"), at(20, 0), TARGETS)
    assert (withdrawn.first_response, withdrawn.resolution, withdrawn.state) == ("excluded", "excluded", None)
    unresolved_close = sla_state(ticket(status="closed", replied=at(10, 11)), at(20, 0), TARGETS)
    assert (unresolved_close.first_response, unresolved_close.resolution) == ("met", "excluded")


def test_targets_follow_the_current_priority():
    raised = ticket("normal")
    raised.priority = "urgent"
    result = sla_state(raised, at(10, 10, 45), TARGETS)
    assert (result.first_response_due_at, result.state) == (at(10, 10, 30), "breached")


def test_a_reopened_ticket_is_held_to_its_resolution_target_again():
    # Reopening clears resolved_at: the resolution clock (from creation) runs and is now overdue.
    reopened = ticket("high", status="assigned", replied=at(10, 10, 30), reopen_count=1)
    result = sla_state(reopened, at(11, 11), TARGETS)
    assert (result.resolution, result.state, result.due_at) == ("breached", "breached", at(11, 10))


# ---------------------------------------------------------------- the report


def test_breach_counts_of_the_tickets_created_in_the_period(database):
    settings, sessions = database
    now = at(10, 12)
    seeded = [
        # urgent: first pending (due 12:20), resolution pending (due 15:50)
        ticket("urgent", created=at(10, 11, 50)),
        # urgent: reply 20 min (met), resolved after 3 h (met)
        ticket("urgent", "resolved", at(9, 10), replied=at(9, 10, 20), resolved=at(9, 13)),
        # urgent: reply after 45 min (breached), unresolved past 14:00 the 9th (breached)
        ticket("urgent", "assigned", at(9, 10), replied=at(9, 10, 45)),
        # high: reply after 59 min (met), resolved after 24 h 1 min (breached)
        ticket("high", "resolved", at(5, 9), replied=at(5, 9, 59), resolved=at(6, 9, 1)),
        # normal: unreplied, due exactly now, not exceeded (pending); resolution pending
        ticket("normal", created=at(10, 8)),
        # normal: withdrawn, in neither count
        ticket("normal", "withdrawn", at(2, 10)),
        # low: reply after exactly 1 d (met), resolved an hour later (met)
        ticket("low", "closed", at(3, 10), replied=at(4, 10), resolved=at(4, 11)),
        # low: created the first minute of the period; reply after 24 h 30 min (breached); closed
        # without a resolution (left out of the resolution count)
        ticket("low", "closed", at(1, 0), replied=at(2, 0, 30)),
        # before the period: not counted
        ticket("high", created=at(28, 23, 59, month=2)),
    ]
    with session_scope(sessions) as session:
        session.add_all(seeded)
    period = ReportRange(date(2026, 3, 1), date(2026, 3, 10))
    with session_scope(sessions) as session:
        report = sla_breaches(tickets_created_in(session, period), settings, now=now)

    def rows(urgent, high, normal, low):
        return [
            {"priority": priority, "breached": b, "met": m, "pending": p}
            for priority, (b, m, p) in zip(("urgent", "high", "normal", "low"), (urgent, high, normal, low), strict=True)
        ]

    assert report == {
        "first_response": {
            "targets_minutes": {"urgent": 30, "high": 60, "normal": 240, "low": 1440},
            "breached": 2, "met": 3, "pending": 2,
            "by_priority": rows((1, 1, 1), (0, 1, 0), (0, 0, 1), (1, 1, 0)),
        },
        "resolution": {
            "targets_minutes": {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080},
            "breached": 2, "met": 2, "pending": 2,
            "by_priority": rows((1, 1, 1), (1, 0, 0), (0, 0, 1), (0, 1, 0)),
        },
    }


def test_targets_come_from_the_settings(settings_env):
    settings = load_settings({**settings_env, "SLA_FIRST_RESPONSE": "urgent=1m,high=2m,normal=3m,low=4m"})
    targets = SlaTargets.from_settings(settings)
    assert targets.first_response == {"urgent": 1, "high": 2, "normal": 3, "low": 4}
    assert targets.resolution == TARGETS.resolution


# ---------------------------------------------------------------- the agent API


def parsed(text: str) -> datetime:
    """The API's UTC times end in Z, which Python 3.10's fromisoformat does not read."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_queue_ticket_list_and_the_ticket_itself_carry_its_sla_state(desk):
    agent = desk.agent()
    reference = desk.escalate()["reference"]
    queued = desk.client.get("/api/queue", headers=agent.headers).json()[0]
    created = parsed(queued["created_at"])
    assert queued["priority"] == "normal"
    assert queued["sla"] == {
        "state": "ok",
        "due_at": queued["sla"]["first_response_due_at"],
        "first_response_due_at": queued["sla"]["first_response_due_at"],
        "resolution_due_at": queued["sla"]["resolution_due_at"],
    }
    assert parsed(queued["sla"]["first_response_due_at"]) - created == timedelta(hours=4)
    assert parsed(queued["sla"]["resolution_due_at"]) - created == timedelta(days=3)

    with session_scope(desk.sessions) as session:
        session.execute(update(Ticket).values(created_at=utcnow() - timedelta(hours=5)))
    overdue = desk.client.get("/api/tickets", params={"reference": reference}, headers=agent.headers).json()[0]
    assert overdue["sla"]["state"] == "breached"
    assert parsed(overdue["sla"]["due_at"]) < utcnow() - timedelta(minutes=59)
    itself = desk.client.get(f"/api/tickets/{overdue['id']}", headers=agent.headers).json()
    assert itself["sla"] == overdue["sla"]
    claimed = desk.client.post(f"/api/tickets/{overdue['id']}/claim", headers=agent.headers).json()
    assert claimed["sla"]["state"] == "breached"  # every answer with one ticket carries its state

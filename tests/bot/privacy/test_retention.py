"""Retention: what is older than RETENTION_DAYS goes, what is newer or still open stays, reports keep their counts."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.ces.report import build_report
from bot.db import session_scope, utcnow
from bot.models import KbQuery, Ticket
from bot.privacy.retention import PruneResult, RetentionSchedule, prune
from bot.privacy.tables import PSEUDONYM_PREFIX
from bot.web.app import create_app
from tests.bot.privacy.customers import NOA_EMAIL, NOA_TEXTS, OMAR_CONVERSATION, OMAR_TEXTS, rasa_event, seed_tracker

DAYS = 30


def run_prune(stores, now=None) -> PruneResult:
    with stores.trackers() as trackers:
        return prune(stores.sessions, trackers, days=DAYS, now=now)


def all_time_report(stores) -> dict:
    today = utcnow().date()
    with session_scope(stores.sessions) as session:
        built = build_report(session, today - timedelta(days=3 * DAYS), today)
    return {key: value for key, value in built.items() if key not in ("generated_at", "kb_gaps")}


def test_finished_conversations_past_retention_are_erased_and_open_ones_kept(stores):
    seeded = stores.seed(utcnow() - timedelta(days=DAYS + 5))
    before_report = all_time_report(stores)
    omar_before = stores.leftovers(*OMAR_TEXTS)

    result = run_prune(stores)

    assert stores.leftovers(*NOA_TEXTS) == [], "Noa's ticket is resolved: all of her data was past retention"
    assert stores.leftovers(*OMAR_TEXTS) == omar_before, "Omar's ticket is open: his conversation keeps everything"
    with session_scope(stores.sessions) as session:
        assert [m.body for m in session.get(Ticket, seeded.omar_ticket).messages] == ["the invoice address is old"]
    assert stores.tracker_senders() == [OMAR_CONVERSATION]
    assert all_time_report(stores) == before_report
    assert (result.rows["tickets"], result.rows["ticket_messages"], result.rows["kb_queries"], result.tracker_events) == (
        1, 2, 3, 6)


def test_what_is_newer_than_retention_stays(stores):
    stores.seed(utcnow() - timedelta(days=DAYS - 1))
    before = stores.leftovers(*NOA_TEXTS, *OMAR_TEXTS)

    result = run_prune(stores)

    assert stores.leftovers(*NOA_TEXTS, *OMAR_TEXTS) == before
    assert sum(result.rows.values()) == result.tracker_events == 0


def test_a_second_run_finds_nothing_left_to_do(stores):
    stores.seed(utcnow() - timedelta(days=DAYS + 5))
    run_prune(stores)
    with session_scope(stores.sessions) as session:
        pseudonyms = sorted(session.scalars(select(KbQuery.conversation_id)))

    again = run_prune(stores)

    assert sum(again.rows.values()) == again.tracker_events == 0
    with session_scope(stores.sessions) as session:
        assert sorted(session.scalars(select(KbQuery.conversation_id))) == pseudonyms
    assert [p for p in pseudonyms if not p.startswith(PSEUDONYM_PREFIX)] == [OMAR_CONVERSATION]


def test_only_old_rasa_events_go_in_a_conversation_that_goes_on(stores):
    now = utcnow()
    seed_tracker(stores.tracker_engine, [
        rasa_event("telegram:777", now - timedelta(days=DAYS + 1), {"event": "user", "text": "an old question"}),
        rasa_event("telegram:777", now - timedelta(days=DAYS + 1), {"event": "session_started"}),
        rasa_event("telegram:777", now - timedelta(hours=1), {"event": "session_started"}),
        rasa_event("telegram:777", now - timedelta(hours=1), {"event": "user", "text": "a new question"}),
    ])

    result = run_prune(stores, now=now)

    assert result.tracker_events == 2
    assert stores.leftovers("old question") == []
    assert stores.leftovers("new question") == ["events.data: new question"]


def test_a_retention_of_zero_days_is_refused():
    with pytest.raises(ValueError, match="at least 1 day"):
        prune(None, None, days=0)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_schedule_prunes_once_a_day(stores):
    stores.seed(utcnow() - timedelta(days=DAYS + 5))
    clock = Clock()
    schedule = RetentionSchedule(stores.settings.model_copy(update={"retention_days": DAYS}), stores.sessions, clock)

    first = schedule.run_if_due()
    clock.now += 23 * 3600
    too_soon = schedule.run_if_due()
    clock.now += 3600
    next_day = schedule.run_if_due()

    assert first is not None and first.rows["tickets"] == 1
    assert too_soon is None
    assert next_day is not None and sum(next_day.rows.values()) == 0


def test_the_schedule_does_nothing_when_retention_is_off(stores):
    stores.seed(utcnow() - timedelta(days=DAYS + 5))
    before = stores.leftovers(*NOA_TEXTS)

    assert RetentionSchedule(stores.settings, stores.sessions).run_if_due() is None
    assert stores.leftovers(*NOA_TEXTS) == before


def test_the_helpdesk_prunes_in_the_background_when_retention_is_on(sqlite_stores):
    """The real app's lifespan starts the daily run (bot/web/app.py)."""
    sqlite_stores.seed(utcnow() - timedelta(days=DAYS + 5))
    app = create_app(sqlite_stores.settings.model_copy(update={"retention_days": DAYS}))

    with TestClient(app):
        deadline = time.monotonic() + 30
        while sqlite_stores.leftovers(NOA_EMAIL) and time.monotonic() < deadline:
            time.sleep(0.2)

    assert sqlite_stores.leftovers(*NOA_TEXTS) == []

"""Zendesk escalations are recorded locally, so reports and surveys stay true with TICKET_BACKEND=zendesk:
the real ZendeskBackend and helpdesk app against the Zendesk stand-in, on a migrated database."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ces.report import build_report
from bot.customers import history
from bot.db import session_scope, utcnow
from bot.helpdesk import tickets, zendesk_records
from bot.helpdesk.backends import escalation_key
from bot.helpdesk.errors import NotFound
from bot.helpdesk.schemas import TicketCreate
from bot.models import Customer, KbQuery, Resolution, Ticket
from tests.bot.helpdesk import test_zendesk_sync as sync_tests

CONVERSATION = sync_tests.CONVERSATION
zendesk = pytest.fixture(sync_tests.zendesk.__wrapped__)  # the same stand-in, settings and backend
settings_env = pytest.fixture(sync_tests.settings_env.__wrapped__)
backend = pytest.fixture(sync_tests.backend.__wrapped__)


def escalation(conversation_id: str = CONVERSATION) -> TicketCreate:
    return TicketCreate(
        idempotency_key=escalation_key(conversation_id, uuid.uuid4().hex), conversation_id=conversation_id,
        channel="socketio", language="he", customer_name="Noa", subject="החבילה לא הגיעה", reason="frustration",
    )


def local_rows(sessions) -> list[Ticket]:
    with session_scope(sessions) as session:
        rows = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        session.expunge_all()
    return rows


def zendesk_id(receipt) -> int:
    return int(receipt.reference.lstrip("#"))


def test_an_escalation_is_recorded_once_with_what_reports_count(backend, zendesk, sessions):
    request = escalation()
    receipt = backend.create_ticket(request)
    assert backend.create_ticket(request).reference == receipt.reference  # a retried action: same row

    [row] = local_rows(sessions)
    assert (row.backend, row.external_id, row.reference, row.idempotency_key) == (
        "zendesk", str(zendesk_id(receipt)), receipt.reference, request.idempotency_key)
    assert (row.conversation_id, row.channel, row.language, row.reason, row.priority, row.status) == (
        CONVERSATION, "socketio", "he", "frustration", zendesk.tickets[zendesk_id(receipt)]["priority"], "waiting")
    assert row.customer_id is not None and row.subject == "החבילה לא הגיעה"


def test_the_console_never_offers_a_zendesk_ticket(backend, sessions):
    backend.create_ticket(escalation())
    [row] = local_rows(sessions)
    with session_scope(sessions) as session:
        assert tickets.queue(session) == [] and tickets.list_tickets(session) == []
        assert tickets.availability(session, policy=backend._policy).queue_length == 0
        assert tickets.open_ticket_for(session, conversation_id=CONVERSATION) is None
        with pytest.raises(NotFound):
            tickets.get_ticket(session, ticket_id=row.id)  # so no claim, reply or resolve either
        customer = session.get_one(Customer, row.customer_id)  # nor a link from the customer panel
        assert [entry.kind for entry in history.history(session, customer)] == ["conversation"]
        assert history.counts(session, customer) == (0, 1)


def test_reports_count_the_conversation_as_escalated_not_contained(backend, sessions):
    with session_scope(sessions) as session:
        session.add(KbQuery(conversation_id=CONVERSATION, question="where is my parcel", outcome="abstain"))
    backend.create_ticket(escalation())
    today = utcnow().date()
    with session_scope(sessions) as session:
        report = build_report(session, today, today)
    assert (report["containment"]["escalated"], report["containment"]["contained"]) == (1, 0)
    assert report["escalations"]["tickets"] == 1
    assert [(r["reason"], r["count"]) for r in report["escalations"]["reasons"]] == [("frustration", 1)]


def test_withdrawing_in_zendesk_withdraws_the_local_record(backend, sessions):
    backend.create_ticket(escalation())
    assert backend.withdraw(CONVERSATION) is not None
    [row] = local_rows(sessions)
    assert row.status == "withdrawn" and row.closed_at is not None


def zendesk_state(row: Ticket, status: str, tags=("effortless",), minutes: int = 1) -> dict:
    return {"id": int(row.external_id), "status": status, "tags": list(tags),
            "updated_at": (row.created_at + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")}


def test_the_record_follows_each_zendesk_status_once(backend, sessions):
    backend.create_ticket(escalation())
    [row] = local_rows(sessions)
    replied_at = row.created_at + timedelta(minutes=3)

    def follow(status: str, minutes: int, **kwargs):
        with session_scope(sessions) as session:
            ticket = session.get_one(Ticket, row.id)
            resolution_id = zendesk_records.follow(session, ticket=ticket, zendesk_ticket=zendesk_state(
                row, status, minutes=minutes, **kwargs), first_reply_at=replied_at)
            session.flush()
            session.expunge(ticket)
        return ticket, resolution_id

    ticket, resolution_id = follow("open", 2)
    assert (ticket.status, ticket.assigned_at, ticket.first_reply_at, resolution_id) == (
        "assigned", row.created_at + timedelta(minutes=2), replied_at, None)
    ticket, first = follow("solved", 10)
    assert (ticket.status, ticket.resolved_at) == ("resolved", row.created_at + timedelta(minutes=10))
    assert follow("solved", 11)[1] == first  # a repeated sync: the same resolution
    ticket, same = follow("closed", 12)
    assert (ticket.status, ticket.closed_at, same) == ("closed", row.created_at + timedelta(minutes=12), first)
    ticket, reopened = follow("open", 20)
    assert (ticket.status, ticket.reopen_count, ticket.first_reopened_at, ticket.resolved_at, reopened) == (
        "assigned", 1, row.created_at + timedelta(minutes=20), None, None)
    assert follow("pending", 21)[0].reopen_count == 1  # still open: no second reopen
    ticket, second = follow("solved", 30)
    assert second not in (None, first)
    with session_scope(sessions) as session:
        keys = session.scalars(select(Resolution.resolution_key).order_by(Resolution.id)).all()
        assert keys == [f"ticket:{row.id}:1", f"ticket:{row.id}:2"]


def test_a_solve_because_the_customer_withdrew_is_no_resolution(backend, sessions):
    backend.create_ticket(escalation())
    [row] = local_rows(sessions)
    with session_scope(sessions) as session:
        ticket = session.get_one(Ticket, row.id)
        solved = zendesk_state(row, "solved", tags=("effortless", zendesk_records.WITHDRAWN_TAG))
        assert zendesk_records.follow(session, ticket=ticket, zendesk_ticket=solved, first_reply_at=None) is None
        assert ticket.status == "withdrawn"
        assert session.scalars(select(Resolution)).all() == []


def test_a_ticket_without_a_local_record_is_recorded_from_zendesk_at_its_first_sync(client, zendesk, rasa, sessions):
    key = escalation_key(CONVERSATION, uuid.uuid4().hex)
    zendesk.tickets[5] = {"id": 5, "status": "open", "external_id": key, "subject": "refund", "priority": "high",
                          "tags": ["effortless", "reason_customer_request", "channel_telegram", "language_cs"],
                          "created_at": "2026-01-05T10:00:00Z"}
    zendesk.comments[5] = []
    assert sync_tests.webhook(client, 5).status_code == 202

    [row] = local_rows(sessions)
    assert (row.backend, row.reference, row.idempotency_key, row.conversation_id) == ("zendesk", "#5", key, CONVERSATION)
    assert (row.reason, row.channel, row.language, row.priority, row.status) == (
        "customer_request", "telegram", "cs", "high", "assigned")
    assert row.created_at.isoformat() == "2026-01-05T10:00:00+00:00"


def test_replicas_recording_the_same_escalation_at_once_make_one_row(database, zendesk):
    settings, sessions = database  # SQLite and PostgreSQL
    request = escalation()
    created = {"id": 9, "status": "new", "created_at": "2026-01-05T10:00:00Z"}

    def record(_):
        with session_scope(sessions) as session:
            return zendesk_records.record_escalation(session, data=request, zendesk_ticket=created, priority="high").id

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(record, range(6)))
    assert len(ids) == 1 and len(local_rows(sessions)) == 1

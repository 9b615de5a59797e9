"""Leaving a handoff: ``tickets.withdraw`` on a real migrated database, the internal API route and the
agent's side of a withdrawn ticket (no reply, no resolve, no resurrected handoff)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.helpdesk import accounts, tickets
from bot.helpdesk.backends import WITHDRAWN_TAG, ZendeskBackend
from bot.helpdesk.client import HelpdeskClient
from bot.helpdesk.errors import Conflict, NotFound
from bot.helpdesk.events import events_after
from bot.helpdesk.hours import BusinessHours
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.helpdesk.zendesk_sync import chat_lines
from bot.models import Ticket, TicketMessage, ZendeskTicket
from tests.bot.helpdesk import test_helpdesk_backends as backends

POLICY = HelpdeskPolicy(BusinessHours.parse("24/7", "UTC"), {})
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(sessions):
    with session_scope(sessions) as session:
        yield session


def open_ticket(db, conversation_id: str = "chat-1") -> Ticket:
    data = TicketCreate(idempotency_key=f"key-{conversation_id}", conversation_id=conversation_id, subject="Help",
                        reason="customer_request")
    return tickets.create_ticket(db, data=data, policy=POLICY, now=T0)[0]


def agent(db, name: str = "Avi"):
    return accounts.create_agent(db, email=f"{name.lower()}@example.com", name=name, role="agent",
                                 password="long enough password")


def test_a_waiting_ticket_is_withdrawn_and_closed_with_a_line_and_an_event(db):
    ticket = open_ticket(db)
    withdrawn, now = tickets.withdraw(db, conversation_id="chat-1", now=T0 + timedelta(minutes=3))
    assert now and withdrawn.id == ticket.id
    assert (withdrawn.status, withdrawn.closed_at) == ("withdrawn", T0 + timedelta(minutes=3))
    assert tickets.queue(db) == []
    assert withdrawn.messages[-1].body == tickets.WITHDRAWN_TEXT
    [event] = [e for e in events_after(db, after_id=0) if e.kind == "ticket_withdrawn"]
    assert (event.ticket_id, event.payload["ticket"]["status"]) == (ticket.id, "withdrawn")


def test_an_assigned_ticket_is_withdrawn_and_its_agent_can_no_longer_reply_or_resolve(db):
    ticket = open_ticket(db)
    avi = agent(db)
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=avi, now=T0)
    tickets.withdraw(db, conversation_id="chat-1", now=T0)
    for act in (
        lambda: tickets.reply(db, ticket_id=ticket.id, agent=avi, text="still there?"),
        lambda: tickets.resolve(db, ticket_id=ticket.id, agent=avi),
    ):
        with pytest.raises(Conflict, match="withdrawn by the customer"):
            act()
    assert db.get(Ticket, ticket.id).status == "withdrawn"


def test_an_agent_joined_line_not_yet_delivered_is_never_delivered_after_the_withdrawal(db):
    ticket = open_ticket(db)
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=agent(db), now=T0)
    tickets.withdraw(db, conversation_id="chat-1", now=T0)
    joined = db.scalar(select(TicketMessage).where(TicketMessage.rasa_intent == tickets.AGENT_JOINED))
    assert joined.delivery_error == tickets.WITHDRAWN_TEXT
    assert tickets.due_delivery_ticket_ids(db, now=T0 + timedelta(hours=1)) == []
    with pytest.raises(Conflict, match="withdrawn"):
        tickets.retry_delivery(db, ticket_id=ticket.id, message_id=joined.id, agent=joined.agent)


def test_withdrawing_again_returns_the_withdrawn_ticket_without_a_second_event(db):
    open_ticket(db)
    first, first_now = tickets.withdraw(db, conversation_id="chat-1", now=T0)
    again, again_now = tickets.withdraw(db, conversation_id="chat-1", now=T0 + timedelta(seconds=1))
    assert (first_now, again_now) == (True, False) and again.id == first.id
    assert [e.kind for e in events_after(db, after_id=0)].count("ticket_withdrawn") == 1


def test_a_resolved_ticket_or_an_unknown_conversation_has_nothing_to_withdraw(db):
    ticket = open_ticket(db)
    avi = agent(db)
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=avi, now=T0)
    tickets.resolve(db, ticket_id=ticket.id, agent=avi, now=T0)
    for conversation_id in ("chat-1", "never-seen"):
        with pytest.raises(NotFound, match=tickets.NO_OPEN_TICKET):
            tickets.withdraw(db, conversation_id=conversation_id)
    assert db.get(Ticket, ticket.id).status == "resolved"


# ---------------------------------------------------------------- the internal API


def test_the_internal_api_withdraws_idempotently_and_says_when_nothing_is_open(client, desk):
    receipt = desk.escalate("chat/with slash")
    url = "/api/internal/conversations/chat%2Fwith%20slash/ticket/withdraw"
    first = client.post(url, headers=desk.service)
    again = client.post(url, headers=desk.service)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == {"reference": receipt["reference"], "status": "withdrawn", "withdrawn_now": True}
    assert again.json()["withdrawn_now"] is False
    nothing = client.post("/api/internal/conversations/nobody/ticket/withdraw", headers=desk.service)
    assert (nothing.status_code, nothing.json()["detail"]) == (404, tickets.NO_OPEN_TICKET)
    assert client.post(url).status_code == 401


def test_the_console_refuses_a_reply_to_a_withdrawn_ticket_with_a_clear_409(client, desk):
    reference = desk.escalate("chat-2")["reference"]
    avi = desk.agent("Avi")
    ticket_id = desk.ticket_id(reference)
    assert client.post(f"/api/tickets/{ticket_id}/claim", headers=avi.headers).status_code == 200
    assert client.post("/api/internal/conversations/chat-2/ticket/withdraw", headers=desk.service).status_code == 200
    refused = client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Hello?"}, headers=avi.headers)
    assert refused.status_code == 409
    assert "withdrawn by the customer" in refused.text
    shown = client.get(f"/api/tickets/{ticket_id}", headers=avi.headers).json()
    assert shown["status"] == "withdrawn"
    assert shown["messages"][-1]["body"] == tickets.WITHDRAWN_TEXT


def test_the_client_returns_the_reference_or_none(live_helpdesk, settings, desk):
    helpdesk_client = HelpdeskClient(settings, base_url=live_helpdesk.base_url)
    reference = desk.escalate("chat-3")["reference"]
    assert helpdesk_client.withdraw("chat-3") == reference
    assert helpdesk_client.withdraw("chat-3") == reference
    assert helpdesk_client.withdraw("nobody") is None


zendesk = pytest.fixture(backends.zendesk.__wrapped__)  # the same stand-in and backend as the backend tests
zendesk_backend = pytest.fixture(backends.zendesk_backend.__wrapped__)


def test_zendesk_solves_the_ticket_with_a_private_comment_and_a_tag(zendesk_backend: ZendeskBackend, zendesk):
    zendesk_backend.create_ticket(backends.escalation("chat-4"))
    assert zendesk_backend.withdraw("chat-4") == "#1"
    ticket, comment = zendesk.tickets[1], zendesk.comments[1][-1]
    assert (ticket["status"], WITHDRAWN_TAG in ticket["tags"]) == ("solved", True)
    assert (comment["body"], comment["public"]) == (tickets.WITHDRAWN_TEXT, False)
    assert zendesk_backend.withdraw("chat-4") is None  # solved: nothing open any more
    assert zendesk_backend.relay_message("chat-4", "hello?") is False


def test_a_zendesk_ticket_solved_because_the_customer_withdrew_is_no_handback():
    cursor = ZendeskTicket(zendesk_id=1, conversation_id="chat-5", last_comment_id=0, last_status="new")
    solved = {"id": 1, "status": "solved", "tags": ["effortless"]}
    assert [line.intent for line in chat_lines(solved, [], 9001, cursor)] == ["EXTERNAL_ticket_resolved"]
    withdrawn = {**solved, "tags": ["effortless", WITHDRAWN_TAG]}
    assert chat_lines(withdrawn, [], 9001, cursor) == []

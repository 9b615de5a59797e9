"""Two customers' data in every place Effortless keeps it, for the export, erase and retention tests.

Noa (``NOA_EMAIL``) has three conversations:
  telegram:5550001  KB questions, a ticket (transcript, console events, escalation request),
                    an agent resolution rated 2 with a comment, a bot resolution, a Zendesk cursor,
                    Rasa events (her messages, the e-mail slot)
  socketio:noa-web     wrote her e-mail in a KB question; Rasa events
  rest:c3           Rasa events only: the e-mail slot, in other letter case
Omar (``OMAR_EMAIL``) has one, telegram:5550002: a KB question, an open ticket, a rated bot resolution.

Each has a customer record. Noa proved her address with a code in the web chat, then again on
Telegram, which merged her Telegram record (named Noa Cohen) into the web one; she has a receipt
for her ticket and the code's e-mail. Omar's record is his Telegram chat's.

Every text of Noa's is in ``NOA_TEXTS``, so a test can check that none is left anywhere.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.customers.store import customer_for_conversation, link_proven_email
from bot.db import session_scope
from bot.models import (
    Agent,
    EmailMessage,
    EscalationRequest,
    HelpdeskEvent,
    KbQuery,
    Resolution,
    SurveyRating,
    Ticket,
    TicketMessage,
    VerificationCode,
    ZendeskTicket,
)
from bot.privacy.trackers import EVENTS

NOA_EMAIL = "noa.cohen@example.com"
NOA_PHONE = "+972 54 123 4567"
NOA_CONVERSATIONS = ("rest:c3", "socketio:noa-web", "telegram:5550001")
NOA_TEXTS = (
    NOA_EMAIL, "Noa Cohen", NOA_PHONE, "refund for order 1182", "never arrived", "checking the refund now",
    "the wait was long", "where is my parcel", "5550001", "noa-web", "rest:c3",
)
OMAR_EMAIL = "omar@example.org"
OMAR_CONVERSATION = "telegram:5550002"
OMAR_TEXTS = (OMAR_EMAIL, "Omar Haddad", "my invoice is wrong", "the invoice address", "5550002")


@dataclass(frozen=True)
class Seeded:
    noa_ticket: int
    omar_ticket: int
    noa_ces_resolution: int


def rasa_event(sender_id: str, when: datetime, event: dict) -> dict:
    """A row of Rasa's ``events`` table, as its SQLTrackerStore writes it."""
    data = {**event, "timestamp": when.timestamp()}
    return {"sender_id": sender_id, "type_name": event["event"], "timestamp": when.timestamp(),
            "intent_name": None, "action_name": event.get("name"), "data": json.dumps(data)}


def seed_tracker(tracker_engine: Engine, events: list[dict]) -> None:
    EVENTS.metadata.create_all(tracker_engine)
    with tracker_engine.begin() as connection:
        connection.execute(insert(EVENTS), events)


def seed_customers(sessions: sessionmaker, tracker_engine: Engine, when: datetime) -> Seeded:
    """Both customers' data, created around ``when``."""
    minute = timedelta(minutes=1)
    with session_scope(sessions) as session:
        dana = Agent(email="dana@example.com", name="Dana", role="agent", password_hash="x")
        session.add(dana)
        session.flush()

        noa_kb = KbQuery(conversation_id="telegram:5550001", channel="telegram", question="how do I get a refund for order 1182",
                         language="en", outcome="abstain", created_at=when)
        session.add_all([
            noa_kb,
            KbQuery(conversation_id="telegram:5550001", channel="telegram", question="refund for order 1182 please",
                    language="en", article_id="refund-status", score=0.8, outcome="miss", helped=False, created_at=when),
            KbQuery(conversation_id="socketio:noa-web", channel="socketio", language="en", outcome="abstain",
                    question=f"my email is {NOA_EMAIL.upper()}, where is my parcel", created_at=when),
            KbQuery(conversation_id=OMAR_CONVERSATION, channel="telegram", question="my invoice is wrong",
                    language="en", outcome="abstain", created_at=when),
        ])
        noa = _noa_customer(session, when)
        omar = customer_for_conversation(session, conversation_id=OMAR_CONVERSATION, channel="telegram", now=when)
        omar.name = "Omar Haddad"
        noa_ticket = Ticket(
            customer_id=noa.id,
            reference="T-2001", idempotency_key="telegram:5550001:esc-1", conversation_id="telegram:5550001",
            channel="telegram", language="en", customer_name="Noa Cohen", customer_email=NOA_EMAIL,
            subject="My refund for order 1182 never arrived", reason="kb_missed_twice",
            description=f"My refund for order 1182 never arrived. Call me: {NOA_PHONE}",
            kb_attempts=[{"question": "how do I get a refund for order 1182", "outcome": "abstain"}],
            status="resolved", assignee_id=dana.id, created_at=when + minute, updated_at=when + 5 * minute,
            assigned_at=when + 2 * minute, first_reply_at=when + 3 * minute, resolved_at=when + 5 * minute,
        )
        omar_ticket = Ticket(
            customer_id=omar.id,
            reference="T-2002", idempotency_key=f"{OMAR_CONVERSATION}:esc-1", conversation_id=OMAR_CONVERSATION,
            channel="telegram", language="en", customer_name="Omar Haddad", customer_email=OMAR_EMAIL,
            subject="my invoice is wrong", description="the invoice address is old", reason="customer_request",
            status="waiting", created_at=when + minute, updated_at=when + minute,
        )
        session.add_all([noa_ticket, omar_ticket])
        session.flush()
        session.add_all([
            VerificationCode(conversation_id="socketio:noa-web", email=NOA_EMAIL, code_hash="0" * 64,
                             expires_at=when + 10 * minute, spent_at=when, created_at=when),
            EmailMessage(direction="out", kind="verification", message_id="<code-1@example.net>", customer_id=noa.id,
                         from_address="support@example.net", to_address=NOA_EMAIL, subject="Your code",
                         body="Your code is 123456", status="sent", created_at=when),
            EmailMessage(direction="out", kind="receipt", message_id="<receipt-2001@example.net>", customer_id=noa.id,
                         ticket_id=noa_ticket.id, from_address="support@example.net", to_address=NOA_EMAIL,
                         subject="T-2001: My refund for order 1182 never arrived", body="We have your request.",
                         status="sent", created_at=when + minute),
        ])
        session.add_all([
            TicketMessage(ticket_id=noa_ticket.id, author_type="customer", body="My refund for order 1182 never arrived",
                          created_at=when + minute),
            TicketMessage(ticket_id=noa_ticket.id, author_type="agent", agent_id=dana.id,
                          body="Hi Noa, checking the refund now", rasa_intent="EXTERNAL_agent_message",
                          rasa_entities={"agent_message": "Hi Noa, checking the refund now", "agent_name": "Dana"},
                          created_at=when + 3 * minute),
            TicketMessage(ticket_id=omar_ticket.id, author_type="customer", body="the invoice address is old",
                          created_at=when + minute),
            HelpdeskEvent(kind="ticket_created", ticket_id=noa_ticket.id, created_at=when + minute,
                          payload={"ticket": {"customer_email": NOA_EMAIL, "customer_name": "Noa Cohen"}}),
            HelpdeskEvent(kind="ticket_created", ticket_id=omar_ticket.id, created_at=when + minute,
                          payload={"ticket": {"customer_email": OMAR_EMAIL}}),
            HelpdeskEvent(kind="presence_changed", created_at=when, payload={"agent": "Dana"}),
            EscalationRequest(idempotency_key="telegram:5550001:esc-1", conversation_id="telegram:5550001",
                              status="done", ticket_reference="T-2001", created_at=when, updated_at=when + minute,
                              request={"customer_email": NOA_EMAIL, "customer_name": "Noa Cohen"}),
            EscalationRequest(idempotency_key=f"{OMAR_CONVERSATION}:esc-1", conversation_id=OMAR_CONVERSATION,
                              status="done", ticket_reference="T-2002", created_at=when, updated_at=when + minute,
                              request={"customer_email": OMAR_EMAIL}),
            ZendeskTicket(zendesk_id=9001, conversation_id="telegram:5550001", last_comment_id=7, last_status="solved",
                          needs_sync=False, updated_at=when + 5 * minute),
        ])
        agent_resolution = Resolution(resolution_key=f"ticket:{noa_ticket.id}:1", conversation_id="telegram:5550001",
                                      resolved_by="agent", ticket_id=noa_ticket.id, agent_id=dana.id, channel="telegram",
                                      language="en", created_at=when + 5 * minute)
        session.add(agent_resolution)
        session.flush()
        session.add_all([
            SurveyRating(resolution_id=agent_resolution.id, conversation_id="telegram:5550001", ticket_id=noa_ticket.id,
                      score=2, comment=f"the wait was long, call me on {NOA_PHONE}", resolved_by="agent",
                      agent_id=dana.id, channel="telegram", language="en", created_at=when + 6 * minute),
            Resolution(resolution_key=f"kb:telegram:5550001:{noa_kb.id}", conversation_id="telegram:5550001",
                       resolved_by="bot", article_id="refund-status", channel="telegram", language="en", created_at=when),
        ])
        omar_resolution = Resolution(resolution_key=f"kb:{OMAR_CONVERSATION}:1", conversation_id=OMAR_CONVERSATION,
                                     resolved_by="bot", channel="telegram", language="en", created_at=when)
        session.add(omar_resolution)
        session.flush()
        session.add(SurveyRating(resolution_id=omar_resolution.id, conversation_id=OMAR_CONVERSATION, score=6,
                              comment="the invoice address part was easy", resolved_by="bot", channel="telegram",
                              language="en", created_at=when))
        seeded = Seeded(noa_ticket=noa_ticket.id, omar_ticket=omar_ticket.id, noa_ces_resolution=agent_resolution.id)

    seed_tracker(tracker_engine, [
        rasa_event("telegram:5550001", when, {"event": "user", "text": "how do I get a refund for order 1182"}),
        rasa_event("telegram:5550001", when + minute, {"event": "slot", "name": "customer_email", "value": NOA_EMAIL}),
        rasa_event("telegram:5550001", when + minute, {"event": "slot", "name": "customer_name", "value": "Noa Cohen"}),
        rasa_event("telegram:5550001", when + minute, {"event": "user", "text": "My refund for order 1182 never arrived"}),
        rasa_event("socketio:noa-web", when, {"event": "user", "text": f"my email is {NOA_EMAIL}, where is my parcel"}),
        rasa_event("rest:c3", when, {"event": "slot", "name": "customer_email", "value": "Noa.Cohen@Example.COM"}),
        rasa_event(OMAR_CONVERSATION, when, {"event": "user", "text": "my invoice is wrong"}),
        rasa_event(OMAR_CONVERSATION, when, {"event": "slot", "name": "customer_email", "value": OMAR_EMAIL}),
    ])
    return seeded


def _noa_customer(session, when: datetime):
    """Noa's record: her web chat's, with her Telegram record (and its name) merged into it."""
    web = customer_for_conversation(session, conversation_id="socketio:noa-web", channel="socketio", now=when)
    web = link_proven_email(session, customer=web, email=NOA_EMAIL, proof="code")
    telegram = customer_for_conversation(session, conversation_id="telegram:5550001", channel="telegram", now=when)
    telegram.name = "Noa Cohen"
    return link_proven_email(session, customer=telegram, email=NOA_EMAIL, proof="code")

"""When the customer gets an e-mail, and what it says: receipts, agent replies, resolution notices.

- **Receipt**: every ticket whose customer gave an address, once, shortly after it is created (or
  after the address was added). :func:`queue_receipts` finds them from the sender loop, so every way
  a ticket comes to exist (the action's call, the escalation drainer) is covered and none waits on
  the request that created it.
- **Agent reply** and **resolution notice**: decided each time the delivery bridge tries the chat line
  (:func:`after_chat_try`), in the transaction that records the try. The line still goes to the
  chat, so a customer who comes back sees it; the e-mail is in addition, when the customer is not
  there to read it (:func:`bot.customers.identity.connected`; never, for a ticket that came by e-mail)
  or the chat refused the line for good.
  Internal notes never have a chat line, so they are never e-mailed.

Each e-mail has a Message-ID derived from what it is about (the ticket, the chat line), and that
column is unique: a ticket gets one receipt and a line at most one e-mail, whoever tries twice.
Every e-mail of a ticket carries ``[T-1042]`` in its subject and answers the ticket's previous
e-mail (``In-Reply-To``), so mail programs thread them and a customer's reply finds its ticket.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.ces.surveys import configured_survey
from bot.customers.identity import connected
from bot.db import session_scope, utcnow
from bot.email.inbound import is_email_conversation
from bot.email.outbound import email_enabled, enqueue, send_due, sender_address
from bot.email.rating import rating_url
from bot.email.templates import greeting, texts_for
from bot.helpdesk.tickets import AGENT_MESSAGE, TICKET_RESOLVED
from bot.models import Customer, EmailMessage, Ticket, TicketMessage
from bot.settings import Settings

log = logging.getLogger(__name__)

SEND_INTERVAL_S = 3.0
# Tickets older than this get no receipt: turning e-mail on must not mail every customer of the past.
RECEIPT_WINDOW = timedelta(hours=1)
KIND_OF_LINE = {AGENT_MESSAGE: "agent_reply", TICKET_RESOLVED: "resolution"}


def recipient(session: Session, ticket: Ticket) -> str | None:
    """Where the ticket's e-mail goes: the customer's proven address, else the one they gave."""
    if ticket.customer_id is not None:
        customer = session.get(Customer, ticket.customer_id)
        if customer is not None and customer.email:
            return customer.email
    return ticket.customer_email or None


def queue_receipts(settings: Settings, sessions: sessionmaker, *, now: datetime | None = None) -> int:
    """Queue the receipt of every recent ticket that has an address and no receipt yet; how many."""
    if not email_enabled(settings):
        return 0
    now = now or utcnow()
    with session_scope(sessions) as session:
        has_receipt = exists().where(EmailMessage.ticket_id == Ticket.id, EmailMessage.kind == "receipt")
        ticket_ids = session.scalars(
            select(Ticket.id).where(Ticket.created_at >= now - RECEIPT_WINDOW, Ticket.customer_email.is_not(None),
                                    ~has_receipt).order_by(Ticket.id).limit(100)
        ).all()
    return sum(_queue_receipt(settings, sessions, ticket_id, now) for ticket_id in ticket_ids)


def _queue_receipt(settings: Settings, sessions: sessionmaker, ticket_id: int, now: datetime) -> bool:
    try:
        with session_scope(sessions) as session:
            ticket = session.get_one(Ticket, ticket_id)
            to = recipient(session, ticket)
            if to is None or ticket.reference is None:
                return False
            texts = texts_for(ticket.language)
            values = {"reference": ticket.reference, "subject": ticket.subject, "company": settings.company_name,
                      "greeting": greeting(texts, ticket.customer_name)}
            enqueue(session, settings=settings, kind="receipt", to=to, ticket_id=ticket.id,
                    customer_id=ticket.customer_id, subject=texts.receipt_subject.format(**values),
                    body=texts.receipt_body.format(**values), in_reply_to=_previous_email(session, ticket.id),
                    message_id=_derived_message_id(settings, f"receipt.{ticket.reference}", ticket.created_at), now=now)
    except IntegrityError:  # another helpdesk replica queued it a moment ago
        return False
    return True


def may_email_after_chat(settings: Settings, intent: str | None) -> bool:
    """Whether :func:`after_chat_try` may queue an e-mail for a line of this kind (it writes when it does)."""
    return (intent or "") in KIND_OF_LINE and email_enabled(settings)


def after_chat_try(
    session: Session, settings: Settings, *, line: TicketMessage, failed_for_good: bool, now: datetime | None = None
) -> EmailMessage | None:
    """E-mail an agent reply or a resolution whose chat line was just tried, when the customer will
    not see it in the chat; the queued e-mail, or None. Part of the caller's transaction."""
    if not may_email_after_chat(settings, line.rasa_intent):
        return None
    kind = KIND_OF_LINE[line.rasa_intent or ""]
    ticket = line.ticket
    in_reach = not is_email_conversation(ticket.conversation_id) and connected(session, ticket.conversation_id)
    if in_reach and not failed_for_good:
        return None
    to = recipient(session, ticket)
    if to is None:
        return None
    message_id = _derived_message_id(settings, f"{kind}.{ticket.reference}.{line.id}", line.created_at)
    if session.scalar(select(EmailMessage.id).where(EmailMessage.message_id == message_id)) is not None:
        return None  # an earlier try of this line sent it already
    subject, body = (_reply if kind == "agent_reply" else _resolution)(settings, ticket, line, now)
    return enqueue(session, settings=settings, kind=kind, to=to, subject=subject, body=body, ticket_id=ticket.id,
                   customer_id=ticket.customer_id, in_reply_to=_previous_email(session, ticket.id),
                   message_id=message_id, now=now)


def _reply(settings: Settings, ticket: Ticket, line: TicketMessage, _now: datetime | None) -> tuple[str, str]:
    texts = texts_for(ticket.language)
    entities = line.rasa_entities or {}
    values = {"reference": ticket.reference, "subject": ticket.subject, "company": settings.company_name,
              "agent": entities.get("agent_name") or (line.agent.name if line.agent else ""),
              "text": entities.get("agent_message") or line.body}
    return texts.reply_subject.format(**values), texts.reply_body.format(**values)


def _resolution(settings: Settings, ticket: Ticket, line: TicketMessage, now: datetime | None) -> tuple[str, str]:
    texts = texts_for(ticket.language)
    survey = configured_survey(settings)
    survey_texts = texts.surveys[survey.name]
    resolution_id = int((line.rasa_entities or {})["resolution_id"])
    scores = "\n".join(f"{score}: {rating_url(settings, resolution_id, score, now=now)}" for score in survey.scores)
    values = {"reference": ticket.reference, "subject": ticket.subject, "company": settings.company_name,
              "scale": f"{survey_texts.scale_low} … {survey_texts.scale_high}", "scores": scores}
    values["question"] = survey_texts.question.format(**values)
    return texts.resolution_subject.format(**values), texts.resolution_body.format(**values)


def _previous_email(session: Session, ticket_id: int) -> str | None:
    """The Message-ID of the ticket's latest e-mail, either way, which the next one answers."""
    return session.scalar(
        select(EmailMessage.message_id).where(EmailMessage.ticket_id == ticket_id)
        .order_by(EmailMessage.id.desc()).limit(1)
    )


def _derived_message_id(settings: Settings, about: str, created_at: datetime) -> str:
    """A Message-ID naming what the e-mail is about; the creation time keeps it unique across
    installs whose ticket numbers start again."""
    domain = sender_address(settings).rpartition("@")[2] or "effortless.invalid"
    return f"<{about}.{int(created_at.timestamp())}@{domain}>"


async def send_forever(settings: Settings, sessions: sessionmaker) -> None:
    """The helpdesk's e-mail loop: every few seconds queue the receipts that are due and send what is
    queued (each e-mail retried on its own back-off). Separate from the chat delivery loop, so a slow
    SMTP server never holds up a line to the chat."""
    while True:
        await asyncio.sleep(SEND_INTERVAL_S)
        try:
            await asyncio.to_thread(queue_receipts, settings, sessions)
            await asyncio.to_thread(send_due, settings, sessions)
        except Exception:  # keep going whatever went wrong this round; the log says what
            log.exception("sending e-mail failed; will retry")

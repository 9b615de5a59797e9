"""Local records of Zendesk tickets (``TICKET_BACKEND=zendesk``), so reports and surveys are the same
whatever the backend.

Zendesk stays where the ticket is worked and what was said; the local ``tickets`` row
(``backend="zendesk"``, ``external_id`` = Zendesk's id, ``reference`` = ``#<id>`` as the customer sees
it) only holds what the reports count: that the conversation escalated (so it is not "contained"),
why, in which channel and language, for which customer, when it was first answered, solved,
reopened or withdrawn, and each solve's :class:`~bot.models.Resolution` (whose survey the bot asks
in the chat, as after a built-in resolution). The row is keyed by the escalation's idempotency key
(Zendesk's ``external_id``): recording twice, or two replicas at once, gives one row. The console
never shows these rows (:data:`bot.helpdesk.tickets.IN_CONSOLE`): only Zendesk's agents work them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ces.store import record_resolution, ticket_resolution_key
from bot.customers.store import customer_for_conversation
from bot.db import rows_changed, utcnow
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.text import clean_text, one_line
from bot.helpdesk.ticket_rules import PRIORITY_RANKS
from bot.helpdesk.tickets import OPEN_STATUSES, ticket_subject
from bot.models import Ticket

ZENDESK = "zendesk"
# Zendesk ticket status → ours.
ZENDESK_STATUSES: dict[str, str] = {
    "new": "waiting",
    "open": "assigned",
    "pending": "assigned",
    "hold": "assigned",
    "solved": "resolved",
    "closed": "closed",
}
# A ticket the customer withdrew (Zendesk has no such status): its solving is no handback.
WITHDRAWN_TAG = "withdrawn"
DONE_STATUSES = ("resolved", "closed")


def record_escalation(
    session: Session, *, data: TicketCreate, zendesk_ticket: dict, priority: str, now: datetime | None = None
) -> Ticket:
    """The local row of the escalation's Zendesk ticket, inserted the first time (commits)."""
    now = now or utcnow()
    channel, language = one_line(data.channel, 50), one_line(data.language, 10).lower()
    return _insert_once(session, Ticket(
        idempotency_key=data.idempotency_key,
        conversation_id=clean_text(data.conversation_id),
        channel=channel,
        language=language,
        customer_name=one_line(data.customer_name, 200) if data.customer_name else None,
        customer_email=data.customer_email,
        subject=ticket_subject(data),
        reason=data.reason,
        priority=priority,
        kb_attempts=[attempt.model_dump() for attempt in data.kb_attempts],
        **_zendesk_fields(zendesk_ticket, now),
    ))


def record_from_zendesk(session: Session, *, zendesk_ticket: dict, conversation_id: str,
                        now: datetime | None = None) -> Ticket:
    """The local row, made from the Zendesk ticket itself when the escalation left none (its
    recording failed, or it predates local records): what the bot's tags say (commits)."""
    now = now or utcnow()
    tags = _tag_values(zendesk_ticket.get("tags") or ())
    priority = zendesk_ticket.get("priority") if zendesk_ticket.get("priority") in PRIORITY_RANKS else "normal"
    return _insert_once(session, Ticket(
        idempotency_key=zendesk_ticket["external_id"],
        conversation_id=conversation_id,
        channel=tags.get("channel", "unknown"),
        language=tags.get("language", "en"),
        subject=one_line(zendesk_ticket.get("subject") or "", 300),
        reason=tags.get("reason", "customer_request"),
        priority=priority,
        **_zendesk_fields(zendesk_ticket, now),
    ))


def local_ticket(session: Session, *, idempotency_key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.idempotency_key == idempotency_key, Ticket.backend == ZENDESK))


def follow(session: Session, *, ticket: Ticket, zendesk_ticket: dict, first_reply_at: datetime | None,
           now: datetime | None = None) -> int | None:
    """Bring the local row up to the Zendesk ticket's state; the id of its current resolution when
    it is solved (None otherwise). Safe to repeat: each change happens on the transition only, and a
    solve's :class:`~bot.models.Resolution` is keyed by how often the ticket was reopened before it.
    The caller commits."""
    now = now or utcnow()
    # Zendesk's own times (a late sync changes nothing), never before the ticket (whole seconds there).
    at = max(zendesk_time(zendesk_ticket.get("updated_at")) or now, ticket.created_at)
    if first_reply_at is not None and ticket.first_reply_at is None:
        ticket.first_reply_at = max(first_reply_at, ticket.created_at)
    status = ZENDESK_STATUSES.get(zendesk_ticket.get("status") or "", ticket.status)
    withdrawn = WITHDRAWN_TAG in (zendesk_ticket.get("tags") or ())
    if status in DONE_STATUSES and ticket.status in OPEN_STATUSES:
        if withdrawn:
            ticket.status, ticket.closed_at = "withdrawn", at
            return None
        ticket.status, ticket.resolved_at = status, at
        ticket.closed_at = at if status == "closed" else None
    elif status == "closed" and ticket.status == "resolved":
        ticket.status, ticket.closed_at = "closed", at
    elif status in OPEN_STATUSES and ticket.status in DONE_STATUSES:
        ticket.status, ticket.resolved_at, ticket.closed_at = status, None, None
        ticket.reopen_count += 1
        ticket.first_reopened_at = ticket.first_reopened_at or at
    elif status in OPEN_STATUSES and ticket.status in OPEN_STATUSES:
        ticket.status = status
    if status == "assigned" and ticket.assigned_at is None:
        ticket.assigned_at = at
    ticket.updated_at = now
    if ticket.status not in DONE_STATUSES:
        return None
    session.flush()
    return record_resolution(
        session,
        resolution_key=ticket_resolution_key(ticket.id, ticket.reopen_count + 1),
        conversation_id=ticket.conversation_id,
        resolved_by="agent",
        ticket_id=ticket.id,
        channel=ticket.channel,
        language=ticket.language,
    )


def withdraw(session: Session, *, idempotency_key: str, now: datetime | None = None) -> bool:
    """The customer withdrew their open Zendesk ticket: so does its local row (commits)."""
    now = now or utcnow()
    withdrawn = rows_changed(
        session,
        update(Ticket)
        .where(Ticket.idempotency_key == idempotency_key, Ticket.backend == ZENDESK, Ticket.status.in_(OPEN_STATUSES))
        .values(status="withdrawn", closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return withdrawn == 1


def _insert_once(session: Session, ticket: Ticket) -> Ticket:
    """Insert the row unless its key has one already (another replica may win the race: its row is kept)."""
    existing = local_ticket(session, idempotency_key=ticket.idempotency_key)
    if existing is not None:
        return existing
    customer = customer_for_conversation(session, conversation_id=ticket.conversation_id, channel=ticket.channel,
                                         language=ticket.language, now=ticket.created_at)
    ticket.customer_id = customer.id
    ticket.priority_rank = PRIORITY_RANKS[ticket.priority]
    session.add(ticket)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        winner = local_ticket(session, idempotency_key=ticket.idempotency_key)
        if winner is None:
            raise
        return winner
    return ticket


def _zendesk_fields(zendesk_ticket: dict, now: datetime) -> dict:
    status = ZENDESK_STATUSES.get(zendesk_ticket.get("status") or "new", "waiting")
    created_at = zendesk_time(zendesk_ticket.get("created_at")) or now
    return {
        "backend": ZENDESK,
        "external_id": str(zendesk_ticket["id"]),
        "reference": f"#{zendesk_ticket['id']}",
        "status": status if status in OPEN_STATUSES else "waiting",  # a solve is recorded by follow()
        "description": "",  # Zendesk keeps what was said
        "created_at": created_at,
        "updated_at": now,
    }


def _tag_values(tags) -> dict[str, str]:
    """``reason_x``, ``channel_x``, ``language_x`` tags (see ``ZendeskBackend.create_ticket``) → values."""
    values: dict[str, str] = {}
    for tag in tags:
        name, _, value = str(tag).partition("_")
        if name in ("reason", "channel", "language") and value:
            values.setdefault(name, value[:50])
    return values


def zendesk_time(value: object) -> datetime | None:
    """Zendesk's ``2026-01-05T10:00:00Z``; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None

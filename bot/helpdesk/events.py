"""The helpdesk event outbox behind the agent console's live updates (``GET /api/events``).

Every change writes an event row in the same transaction as the change itself; each replica's
stream polls for rows newer than what its client has seen. No in-process pub/sub, so it works
with any number of replicas behind a load balancer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.db import rows_changed, utcnow
from bot.helpdesk.schemas import MessageOut, TicketSummary
from bot.models import HelpdeskEvent, Ticket, TicketMessage

KINDS = (
    "ticket_created",
    "ticket_claimed",
    "ticket_transferred",
    "ticket_resolved",
    "ticket_reopened",
    "ticket_closed",
    "ticket_withdrawn",
    "ticket_language_changed",
    "message_created",
    "message_updated",
    "presence_changed",
)
KEEP_EVENTS_FOR = timedelta(days=2)


def record(
    session: Session,
    *,
    kind: str,
    ticket: Ticket | None = None,
    message: TicketMessage | None = None,
    extra: dict | None = None,
) -> None:
    """Add an event for ``kind`` (flushing first so the ticket and message have their ids)."""
    session.flush()
    add(session, event_row(kind=kind, ticket=ticket, message=message, extra=extra))


def event_row(
    *, kind: str, ticket: Ticket | None = None, message: TicketMessage | None = None, extra: dict | None = None
) -> dict:
    """The event for ``kind`` as :func:`add` writes it, from objects that have their ids. Built apart from the
    write so a transaction can build it before its first write: on SQLite the database's one writer is held
    from then until the commit, and every other writer waits."""
    assert kind in KINDS, kind
    payload: dict = dict(extra or {})
    if ticket is not None:
        payload["ticket"] = TicketSummary.model_validate(ticket).model_dump(mode="json")
    if message is not None:
        payload["message"] = MessageOut.model_validate(message).model_dump(mode="json")
    ticket_id = ticket.id if ticket is not None else message.ticket_id if message is not None else None
    return {"kind": kind, "ticket_id": ticket_id, "payload": payload}


def add(session: Session, row: dict) -> None:
    """Write an event built by :func:`event_row` in ``session``'s transaction."""
    session.connection().execute(_ADD_EVENT, {**row, "created_at": utcnow()})


# On the session's connection, built once: every change of a ticket records an event, and the ORM's unit of
# work is not needed to insert one row that nothing reads back.
_ADD_EVENT = insert(HelpdeskEvent)


def latest_event_id(session: Session) -> int:
    return session.scalar(select(func.max(HelpdeskEvent.id))) or 0


def events_after(
    session: Session, *, after_id: int, exclude: Sequence[int] = (), limit: int = 200
) -> list[HelpdeskEvent]:
    """Events with an id above ``after_id``, oldest first, leaving out ids in ``exclude``."""
    query = select(HelpdeskEvent).where(HelpdeskEvent.id > after_id)
    if exclude:
        query = query.where(HelpdeskEvent.id.not_in(list(exclude)))
    return list(session.scalars(query.order_by(HelpdeskEvent.id).limit(limit)))


def prune_events(session: Session, *, now: datetime) -> int:
    """Delete events older than :data:`KEEP_EVENTS_FOR` (a console reconnecting later reloads anyway)."""
    deleted = rows_changed(session, delete(HelpdeskEvent).where(HelpdeskEvent.created_at < now - KEEP_EVENTS_FOR))
    session.commit()
    return deleted or 0

"""Ticket service functions: create (idempotent), queue, claim, relay, reply, notes, transfer,
resolve, reopen, close, and what the bot tells customers (status, availability, wait estimate).

Every state change is a conditional ``UPDATE ... WHERE status = <expected>`` whose row count says
whether it won, so two agents (or two replicas) racing for the same ticket can never both succeed,
on SQLite and on PostgreSQL alike. Lines that must reach the customer's chat are stored with the
Rasa intent to trigger and delivered afterwards by :mod:`bot.helpdesk.rasa_bridge`.

Like every service function, these take the caller's ``Session`` first and the rest by keyword;
the caller opens and closes the session (a request's ``db_session`` dependency, or
``bot.db.session_scope``). Those that change a ticket commit their own unit of work, since a lost
compare-and-set must roll back before they raise.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import ClauseElement, ColumnElement, Update, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ces.store import new_resolution, ticket_resolution_key
from bot.customers.store import customer_for_conversation
from bot.db import keep_as_loaded, rows_changed, utcnow
from bot.helpdesk import events
from bot.helpdesk.accounts import MAX_DB_ID, ONLINE_WINDOW, get_agent
from bot.helpdesk.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.helpdesk.schemas import (
    Availability,
    CustomerTicket,
    MessageOut,
    RelayMessage,
    TicketCreate,
    TicketDetail,
    TicketReceipt,
    TicketSummary,
)
from bot.helpdesk.text import clean_text, one_line, truncate_with_marker
from bot.helpdesk.ticket_rules import PRIORITY_RANKS, HelpdeskPolicy
from bot.language import in_language
from bot.models import Agent, Resolution, Ticket, TicketMessage

# Intents the lead's domain defines; triggered on the customer's conversation through Rasa's HTTP API.
AGENT_JOINED = "EXTERNAL_agent_joined"
AGENT_MESSAGE = "EXTERNAL_agent_message"
TICKET_RESOLVED = "EXTERNAL_ticket_resolved"
TICKET_REOPENED = "EXTERNAL_ticket_reopened"
TICKET_CREATED = "EXTERNAL_ticket_created"

OPEN_STATUSES = ("waiting", "assigned")
NO_OPEN_TICKET = "no open ticket"
WITHDRAWN_TEXT = "The customer withdrew the request"
QUEUE_ORDER = (Ticket.priority_rank, Ticket.created_at, Ticket.id)
# The console works this helpdesk's own tickets only: a local record of a Zendesk ticket
# (bot.helpdesk.zendesk_records) is counted in reports but worked in Zendesk, so no agent here may take it.
IN_CONSOLE = Ticket.backend == "helpdesk"
REFERENCE_OFFSET = 1000
# Used for wait estimates until enough tickets have been handled to take a median.
DEFAULT_HANDLING_MINUTES = 10
HANDLING_SAMPLE_SIZE = 50
MIN_HANDLING_SAMPLES = 3
HANDLING_LOOKBACK = timedelta(days=30)
# Called with the session and the ticket's id just before the commit that adds a line for the customer's
# chat: the helpdesk API takes the line's delivery lease there (RasaBridge.lease_due_line), in the same
# transaction, so the line costs no transaction of its own before it is sent.
BeforeCommit = Callable[[Session, int], object]

REASON_TEXTS = {
    "customer_request": "The customer asked for a person.",
    "kb_missed_twice": "The knowledge base did not answer the question twice.",
    "frustration": "The customer seemed frustrated.",
    "sensitive_topic": "The topic is always handled by a person.",
    "low_effort_score": "The customer gave a low score in the survey after a resolution (CES, CSAT or NPS).",
    "fallback": "The bot did not understand the customer.",
}


def reference_for(ticket_id: int) -> str:
    return f"T-{ticket_id + REFERENCE_OFFSET}"


# ---------------------------------------------------------------- creating and reading


def create_ticket(
    session: Session, *, data: TicketCreate, policy: HelpdeskPolicy, now: datetime | None = None
) -> tuple[Ticket, bool]:
    """The ticket for this escalation and whether it was created now.

    A repeated ``idempotency_key`` returns the first ticket; so does a second escalation of a
    conversation that still has an open ticket (one open ticket per conversation, which is where
    relayed messages go).
    """
    now = now or utcnow()
    conversation_id = clean_text(data.conversation_id)
    existing = _ticket_by_key(session, data.idempotency_key) or open_ticket_for(
        session, conversation_id=conversation_id
    )
    if existing is not None:
        return existing, False
    priority = policy.priority_for(data.reason, data.priority)
    customer = customer_for_conversation(session, conversation_id=conversation_id, channel=one_line(data.channel, 50),
                                         language=one_line(data.language, 10).lower(), now=now)
    # A typed name is only a name; a typed e-mail address proves nothing, so it stays on the ticket alone.
    customer.name = customer.name or (one_line(data.customer_name, 200) if data.customer_name else None)
    ticket = Ticket(
        idempotency_key=data.idempotency_key,
        conversation_id=conversation_id,
        customer_id=customer.id,
        channel=one_line(data.channel, 50),
        language=one_line(data.language, 10).lower(),
        customer_name=one_line(data.customer_name, 200) if data.customer_name else None,
        customer_email=data.customer_email,
        subject=ticket_subject(data),
        description=truncate_with_marker(data.description),
        reason=data.reason,
        priority=priority,
        priority_rank=PRIORITY_RANKS[priority],
        status="waiting",
        kb_attempts=[attempt.model_dump() for attempt in data.kb_attempts],
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    for line in data.transcript:
        ticket.messages.append(
            TicketMessage(
                author_type=line.author,
                body=truncate_with_marker(line.text),
                created_at=_as_utc(line.timestamp) if line.timestamp else now,
            )
        )
    try:
        session.flush()
    except IntegrityError:  # the same key raced in from another request; that one won
        session.rollback()
        winner = _ticket_by_key(session, data.idempotency_key)
        if winner is None:
            raise
        return winner, False
    ticket.reference = reference_for(ticket.id)
    events.record(session, kind="ticket_created", ticket=ticket)
    session.commit()
    return ticket, True


def ticket_subject(data: TicketCreate) -> str:
    """The one-line subject: as given, else the description's first line, else why it escalated."""
    first_line = next((line for line in data.description.splitlines() if line.strip()), "")
    return one_line(data.subject.strip() or first_line or REASON_TEXTS[data.reason], 300)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _ticket_by_key(session: Session, key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.idempotency_key == key))


def open_ticket_for(session: Session, *, conversation_id: str) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN_STATUSES), IN_CONSOLE)
        .order_by(Ticket.id.desc())
        .limit(1)
    )


def get_ticket(session: Session, *, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id) if 0 < ticket_id <= MAX_DB_ID else None
    if ticket is None or ticket.backend != "helpdesk":
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


def queue(session: Session, *, limit: int = 200) -> list[Ticket]:
    """Waiting tickets, most urgent first, then oldest first."""
    waiting = select(Ticket).where(Ticket.status == "waiting", IN_CONSOLE)
    return list(session.scalars(waiting.order_by(*QUEUE_ORDER).limit(limit)))


def list_tickets(
    session: Session,
    *,
    status: str | None = None,
    assignee_id: int | None = None,
    reference: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Ticket]:
    """Newest first, optionally by status, assignee and reference."""
    query = select(Ticket).where(IN_CONSOLE)
    if status:
        query = query.where(Ticket.status == status)
    if assignee_id is not None:
        query = query.where(Ticket.assignee_id == assignee_id)
    if reference:
        query = query.where(Ticket.reference == reference.strip().upper())
    return list(session.scalars(query.order_by(Ticket.id.desc()).limit(limit).offset(offset)))


def queue_position(session: Session, *, ticket: Ticket) -> int | None:
    """1 for the next ticket to be served; None unless the ticket is waiting."""
    if ticket.status != "waiting":
        return None
    ahead = session.scalars(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.status == "waiting",
            IN_CONSOLE,
            or_(
                Ticket.priority_rank < ticket.priority_rank,
                and_(
                    Ticket.priority_rank == ticket.priority_rank,
                    or_(
                        Ticket.created_at < ticket.created_at,
                        and_(Ticket.created_at == ticket.created_at, Ticket.id < ticket.id),
                    ),
                ),
            ),
        )
    ).one()
    return ahead + 1


def summary(ticket: Ticket, position: int | None = None) -> TicketSummary:
    return TicketSummary.model_validate(ticket).model_copy(update={"queue_position": position})


def detail(session: Session, *, ticket: Ticket) -> TicketDetail:
    return TicketDetail(
        **summary(ticket, queue_position(session, ticket=ticket)).model_dump(),
        description=ticket.description,
        reason_text=REASON_TEXTS.get(ticket.reason, ticket.reason),
        kb_attempts=ticket.kb_attempts or [],
        messages=[MessageOut.model_validate(message) for message in ticket.messages],
    )


# ---------------------------------------------------------------- agent actions


def claim_ticket(
    session: Session, *, ticket_id: int, agent: Agent, now: datetime | None = None,
    before_commit: BeforeCommit | None = None,
) -> Ticket:
    """Assign a waiting ticket to ``agent``; :class:`Conflict` if someone else got it first."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    claimed = _assign_waiting(session, _ASSIGN_BY_ID, agent, now, ticket_id=ticket_id)
    if claimed is None:
        session.rollback()  # also expires ``ticket``, so the lines below see who won
        if ticket.status == "assigned":
            holder = "you" if ticket.assignee_id == agent.id else ticket.assignee.name if ticket.assignee else "another agent"
            raise Conflict(f"{ticket.reference} is already claimed by {holder}")
        raise Conflict(f"{ticket.reference} is {ticket.status}, not waiting in the queue")
    return _after_claim(session, claimed, agent, now, before_commit)


def claim_next(
    session: Session, *, agent: Agent, now: datetime | None = None, before_commit: BeforeCommit | None = None
) -> Ticket | None:
    """Claim the most urgent waiting ticket; None when the queue is empty.

    Tickets in the languages the agent speaks come first (in queue order); when none waits, the queue
    order as it is, so an agent is never idle while customers wait. One UPDATE picks the ticket and takes
    it, so concurrent claims never lose a race and retry: SQLite's single writer runs them one after the
    other, each finding the last one's ticket taken, and on PostgreSQL the pick passes over a ticket another
    claim holds (``FOR UPDATE SKIP LOCKED``). A lost race used to cost a write transaction of its own, and
    with 50 agents claiming at once most claims lost one or two.
    """
    now = now or utcnow()
    languages = list(agent.languages or ())
    ticket = (languages and _claim_first(session, agent, now, languages)) or _claim_first(session, agent, now, None)
    if ticket is None:
        session.rollback()
        return None
    return _after_claim(session, ticket, agent, now, before_commit)


def _claim_first(session: Session, agent: Agent, now: datetime, languages: list[str] | None) -> Ticket | None:
    """Assign the most urgent waiting ticket (only those in ``languages`` unless it is None); the ticket."""
    if languages is None:
        return _assign_waiting(session, _ASSIGN_FIRST, agent, now)
    return _assign_waiting(session, _ASSIGN_FIRST_IN_LANGUAGES, agent, now, languages=languages)


def _assign_waiting(session: Session, statement: Update, agent: Agent, now: datetime, **parameters) -> Ticket | None:
    """Run one of the ``_ASSIGN_*`` statements for ``agent``; the ticket, or None when it is not waiting."""
    return _updated(session, statement, {"agent_id": agent.id, "now": now, **parameters})


def _updated(session: Session, statement: Update, parameters: dict) -> Ticket | None:
    """Run a conditional UPDATE of one ticket built by :func:`_returning_ticket`; the ticket as it now is, or
    None when the condition failed."""
    return session.execute(statement, parameters).scalar_one_or_none()


def _returning_ticket(statement: Update) -> Update:
    """``statement`` giving back the row it wrote: no second statement reads it back (on SQLite a transaction
    holds the database's one writer from its first write, and a read after it kept the others waiting)."""
    return statement.returning(Ticket).execution_options(synchronize_session=False, populate_existing=True)


def _assignment(which: ColumnElement[bool]) -> Update:
    return _returning_ticket(update(Ticket).where(which, Ticket.status == "waiting").values(
        status="assigned", assignee_id=bindparam("agent_id"), assigned_at=bindparam("now"),
        updated_at=bindparam("now")))


def _first_waiting(*conditions: ColumnElement[bool]) -> ColumnElement:
    return (select(Ticket.id).where(Ticket.status == "waiting", IN_CONSOLE, *conditions).order_by(*QUEUE_ORDER)
            .limit(1).with_for_update(skip_locked=True).scalar_subquery())


# The statements of a claim, built once: SQLAlchemy takes about 3× as long to build and key a statement as
# to run it, and agents claim all day.
_ASSIGN_BY_ID = _assignment(Ticket.id == bindparam("ticket_id"))
_ASSIGN_FIRST = _assignment(Ticket.id == _first_waiting())
_ASSIGN_FIRST_IN_LANGUAGES = _assignment(
    Ticket.id == _first_waiting(Ticket.language.in_(bindparam("languages", expanding=True))))


def _after_claim(
    session: Session, ticket: Ticket, agent: Agent, now: datetime, before_commit: BeforeCommit | None
) -> Ticket:
    message = _to_customer(
        session,
        ticket,
        "system",
        f"{agent.name} joined the conversation",
        AGENT_JOINED,
        {"agent_name": agent.name},
        now,
        agent,
    )
    events.record(session, kind="ticket_claimed", ticket=ticket, message=message)
    _commit(session, ticket.id, before_commit)
    return ticket


def reply(
    session: Session, *, ticket_id: int, agent: Agent, text: str, now: datetime | None = None,
    before_commit: BeforeCommit | None = None,
) -> TicketMessage:
    """An agent's answer to the customer, delivered to their chat; only the assignee may reply."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    _require_assigned_to(ticket, agent, allow_admin=False, action="reply to")
    body = clean_text(text)
    _guarded_update(session, ticket, agent, now, first_reply_at=ticket.first_reply_at or now)
    message = _to_customer(
        session, ticket, "agent", body, AGENT_MESSAGE, {"agent_message": body, "agent_name": agent.name}, now, agent
    )
    events.record(session, kind="message_created", ticket=ticket, message=message)
    _commit(session, ticket_id, before_commit)
    return message


def add_note(
    session: Session, *, ticket_id: int, agent: Agent, text: str, now: datetime | None = None
) -> TicketMessage:
    """An internal note: seen by agents only, allowed on any ticket."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    message = _add_line(
        session, TicketMessage(ticket=ticket, author_type="note", agent=agent, body=clean_text(text), created_at=now)
    )
    events.record(session, kind="message_created", ticket=ticket, message=message)
    session.commit()
    return message


def transfer(
    session: Session, *, ticket_id: int, agent: Agent, to_agent_id: int, now: datetime | None = None
) -> Ticket:
    """Hand an assigned ticket to another active agent (by its assignee or an admin)."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    _require_assigned_to(ticket, agent, allow_admin=True, action="transfer")
    try:
        target = get_agent(session, agent_id=to_agent_id)
    except NotFound as exc:
        raise InvalidInput(str(exc)) from None
    if not target.is_active:
        raise InvalidInput(f"{target.name} is deactivated and cannot take tickets")
    if target.id == ticket.assignee_id:
        raise Conflict(f"{ticket.reference} is already assigned to {target.name}")
    previous = ticket.assignee
    _guarded_update(session, ticket, previous, now, assignee_id=target.id)
    # The customer is told who handed over as well as who joined: the one they were talking to.
    message = _to_customer(
        session,
        ticket,
        "system",
        f"{agent.name} transferred the conversation to {target.name}",
        AGENT_JOINED,
        {"agent_name": target.name, **({"previous_agent_name": previous.name} if previous else {})},
        now,
        agent,
    )
    events.record(session, kind="ticket_transferred", ticket=ticket, message=message)
    session.commit()
    return ticket


def resolve(
    session: Session, *, ticket_id: int, agent: Agent, now: datetime | None = None,
    before_commit: BeforeCommit | None = None,
) -> Resolution:
    """Resolve the ticket and hand the conversation back to the bot (which then asks for the effort score).

    Each resolve is its own :class:`Resolution` (keyed by ``bot.ces.store.ticket_resolution_key``),
    so reopen + resolve gives the customer a new one.
    """
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    _require_assigned_to(ticket, agent, allow_admin=True, action="resolve")
    handler_id = ticket.assignee_id
    _guarded_update(session, ticket, ticket.assignee, now, status="resolved", resolved_at=now)
    previous = session.connection().execute(_RESOLUTIONS_OF, {"ticket_id": ticket.id}).scalar_one()
    resolution = new_resolution(
        session,
        resolution_key=ticket_resolution_key(ticket.id, previous + 1),
        conversation_id=ticket.conversation_id,
        resolved_by="agent",
        created_at=now,
        ticket_id=ticket.id,
        agent_id=handler_id,
        channel=ticket.channel,
        language=ticket.language,
    )
    session.flush()
    entities = {"ticket_reference": ticket.reference, "resolution_id": resolution.id, "agent_name": agent.name}
    message = _to_customer(
        session, ticket, "system", f"{agent.name} resolved the ticket", TICKET_RESOLVED, entities, now, agent
    )
    events.record(session, kind="ticket_resolved", ticket=ticket, message=message)
    _commit(session, ticket_id, before_commit)
    return resolution


# Built once, and run on the session's connection past the ORM's per-call handling, as the delivery lease is
# (bot.helpdesk.rasa_bridge): every resolve counts the ticket's resolutions.
_RESOLUTIONS_OF = select(func.count()).select_from(Resolution).where(Resolution.ticket_id == bindparam("ticket_id"))


def reopen_counters(now: datetime) -> dict:
    """UPDATE values that count one more reopen and keep the first one's time: the reopen rate and
    FCR read them (the reopen clears ``resolved_at``, so it is the only trace). Used by every reopen,
    by an agent or by the customer's e-mail."""
    return {
        "reopen_count": Ticket.reopen_count + 1,
        "first_reopened_at": func.coalesce(Ticket.first_reopened_at, now),
    }


def reopen(session: Session, *, ticket_id: int, agent: Agent, now: datetime | None = None) -> Ticket:
    """Put a resolved ticket back to its agent (by that agent or an admin); closed tickets stay closed."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.status != "resolved":
        raise Conflict(f"{ticket.reference} is {ticket.status}; only resolved tickets can be reopened")
    _require_owner(ticket, agent, allow_admin=True, action="reopen")
    _guarded_update(
        session, ticket, ticket.assignee, now, expected_status="resolved", status="assigned", resolved_at=None,
        **reopen_counters(now),
    )
    message = _to_customer(
        session,
        ticket,
        "system",
        f"{agent.name} reopened the ticket",
        TICKET_REOPENED,
        {"ticket_reference": ticket.reference},
        now,
        agent,
    )
    events.record(session, kind="ticket_reopened", ticket=ticket, message=message)
    session.commit()
    return ticket


def close(session: Session, *, ticket_id: int, agent: Agent, now: datetime | None = None) -> Ticket:
    """Close a resolved ticket for good (it can no longer be reopened)."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.status != "resolved":
        raise Conflict(f"{ticket.reference} is {ticket.status}; only resolved tickets can be closed")
    _require_owner(ticket, agent, allow_admin=True, action="close")
    _guarded_update(session, ticket, ticket.assignee, now, expected_status="resolved", status="closed", closed_at=now)
    events.record(session, kind="ticket_closed", ticket=ticket)
    session.commit()
    return ticket


def withdraw(session: Session, *, conversation_id: str, now: datetime | None = None) -> tuple[Ticket, bool]:
    """The customer stopped waiting: their open ticket becomes ``withdrawn`` (closed, counted in reports).

    A ticket an agent has already claimed is withdrawn too (the customer has gone, so nobody is left
    to answer); its agent sees a system line saying so. Lines still on their way that would put the
    chat back in a person's hands (agent joined, reopened) are not delivered, so nothing resurrects
    the handoff behind the customer's back. Returns the ticket and whether it was withdrawn now: a
    repeated call (a retried request, a second click) finds the conversation's latest ticket already
    withdrawn. :class:`NotFound` (``NO_OPEN_TICKET``) when there is nothing to withdraw.
    """
    now = now or utcnow()
    ticket = open_ticket_for(session, conversation_id=conversation_id)
    if ticket is None:
        latest = session.scalar(
            select(Ticket).where(Ticket.conversation_id == conversation_id).order_by(Ticket.id.desc()).limit(1)
        )
        if latest is not None and latest.status == "withdrawn":
            return latest, False
        raise NotFound(NO_OPEN_TICKET)
    withdrawn = rows_changed(
        session,
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == ticket.status)
        .values(status="withdrawn", closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    if withdrawn != 1:  # an agent resolved or claimed it meanwhile: decide again on what it is now
        session.rollback()
        return withdraw(session, conversation_id=conversation_id, now=now)
    session.refresh(ticket)
    session.execute(
        update(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.delivered.is_(False),
            TicketMessage.rasa_intent.in_((AGENT_JOINED, TICKET_REOPENED)),
        )
        .values(delivery_error=WITHDRAWN_TEXT)
        .execution_options(synchronize_session=False)
    )
    message = _add_line(
        session, TicketMessage(ticket=ticket, author_type="system", body=WITHDRAWN_TEXT, created_at=now)
    )
    events.record(session, kind="ticket_withdrawn", ticket=ticket, message=message)
    session.commit()
    return ticket, True


def _require_assigned_to(ticket: Ticket, agent: Agent, allow_admin: bool, action: str) -> None:
    if ticket.status == "withdrawn":
        raise Conflict(f"{ticket.reference} was withdrawn by the customer, who is no longer waiting for an answer")
    if ticket.status in ("resolved", "closed"):
        hint = "; reopen it first" if ticket.status == "resolved" else ""
        raise Conflict(f"{ticket.reference} is already {ticket.status}{hint}")
    if ticket.status == "waiting":
        raise Conflict(f"{ticket.reference} is still waiting in the queue; claim it first")
    _require_owner(ticket, agent, allow_admin, action)


def _require_owner(ticket: Ticket, agent: Agent, allow_admin: bool, action: str) -> None:
    if ticket.assignee_id == agent.id or (allow_admin and agent.role == "admin"):
        return
    owner = ticket.assignee.name if ticket.assignee else "nobody"
    raise Forbidden(f"you cannot {action} {ticket.reference}: it is assigned to {owner}")


def _guarded_update(
    session: Session,
    ticket: Ticket,
    assignee: Agent | None,
    now: datetime,
    expected_status: str = "assigned",
    **values,
) -> None:
    """Apply ``values`` only if the ticket still has the status and assignee we checked; else 409.

    The UPDATE also locks the row until commit, so a concurrent change waits and then sees ours.
    """
    values["updated_at"] = now
    computed = {name: value for name, value in values.items() if isinstance(value, ClauseElement)}
    plain = {name: value for name, value in values.items() if name not in computed}
    statement = _guarded_statement(expected_status, assignee is not None, tuple(sorted(plain)))
    if computed:  # a reopen's counters, computed by the database: rare, so built each time
        statement = statement.values(computed)
    parameters = {"ticket_id": ticket.id, "agent_id": assignee.id if assignee else None,
                  **{f"new_{name}": value for name, value in plain.items()}}
    if _updated(session, statement, parameters) is None:
        session.rollback()
        raise Conflict(f"{ticket.reference} was changed by someone else meanwhile; reload it and try again")


@functools.cache
def _guarded_statement(expected_status: str, has_assignee: bool, columns: tuple[str, ...]) -> Update:
    """The UPDATE of :func:`_guarded_update`, built once per kind of change (a reply, a resolve, …)."""
    assignee = Ticket.assignee_id == bindparam("agent_id") if has_assignee else Ticket.assignee_id.is_(None)
    return _returning_ticket(
        update(Ticket)
        .where(Ticket.id == bindparam("ticket_id"), Ticket.status == expected_status, assignee)
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def _to_customer(
    session: Session,
    ticket: Ticket,
    author_type: str,
    body: str,
    intent: str,
    entities: dict,
    now: datetime,
    agent: Agent,
) -> TicketMessage:
    """A transcript line that must also reach the customer's chat (delivered later, in id order).

    Written by a statement built once and kept in the session as if loaded: the ORM's unit of work took about
    0.6 ms of CPU more per line (its relationships and change tracking), and claim, reply and resolve each
    write one while holding the database's one writer (SQLite), which every other writer waits for."""
    values = {"ticket_id": ticket.id, "author_type": author_type, "agent_id": agent.id, "body": body,
              "client_message_id": None, "rasa_intent": intent, "rasa_entities": entities, "delivered": False,
              "delivery_error": None, "delivery_attempts": 0, "next_delivery_at": None, "last_delivery_error": None,
              "reached": None, "email_skipped": None, "created_at": now}
    message_id = session.connection().execute(_ADD_LINE_TO_CUSTOMER, values).scalar_one()
    message = TicketMessage(id=message_id, agent=agent, **values)
    keep_as_loaded(session, message)  # every column is set: nothing to load, nothing to write
    return message


_ADD_LINE_TO_CUSTOMER = insert(TicketMessage).returning(TicketMessage.id)


def _commit(session: Session, ticket_id: int, before_commit: BeforeCommit | None) -> None:
    if before_commit is not None:
        before_commit(session, ticket_id)
    session.commit()


def _add_line(session: Session, message: TicketMessage) -> TicketMessage:
    """Add a line to its ticket without loading the ticket's whole transcript."""
    session.add(message)
    return message


# ---------------------------------------------------------------- what the bot needs


def relay_customer_message(
    session: Session, *, conversation_id: str, data: RelayMessage, now: datetime | None = None
) -> tuple[Ticket, TicketMessage, bool]:
    """Append a customer (or bot) line to the conversation's open ticket; 404 when there is none.

    Returns the ticket, the line and whether it is new: a retried request with the same
    ``client_message_id`` gets the line stored the first time.
    """
    now = now or utcnow()
    ticket = open_ticket_for(session, conversation_id=conversation_id)
    if ticket is None:
        raise NotFound(NO_OPEN_TICKET)
    if data.client_message_id:
        existing = _message_by_client_id(session, ticket.id, data.client_message_id)
        if existing is not None:
            return ticket, existing, False
    message = _add_line(
        session,
        TicketMessage(
            ticket=ticket,
            author_type=data.author,
            body=truncate_with_marker(data.text),
            client_message_id=data.client_message_id,
            created_at=now,
        ),
    )
    ticket.updated_at = now
    if data.author == "customer":
        ticket.unreachable_reason = None  # they wrote, so their chat takes messages again (e.g. a new window)
    try:
        events.record(session, kind="message_created", ticket=ticket, message=message)
        session.commit()
    except IntegrityError:  # the same client_message_id raced in; keep the first
        session.rollback()
        first = _message_by_client_id(session, ticket.id, data.client_message_id) if data.client_message_id else None
        if first is None:  # not that race
            raise
        return ticket, first, False
    return ticket, message, True


def store_customer_line(session: Session, *, conversation_id: str, text: str, client_message_id: str) -> bool:
    """The action server's way in while the helpdesk service is down (crashed, restarting) but its database
    is up: the customer's line goes straight into the open ticket, exactly as the internal API would store
    it (deduplicated by ``client_message_id``, so a request the service took before dying is not doubled),
    and agents see it as soon as their console reconnects. False when there is no open ticket."""
    data = RelayMessage(text=text, author="customer", client_message_id=client_message_id)
    try:
        relay_customer_message(session, conversation_id=conversation_id, data=data)
    except NotFound:
        return False
    return True


def _message_by_client_id(session: Session, ticket_id: int, client_message_id: str) -> TicketMessage | None:
    return session.scalar(
        select(TicketMessage).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.client_message_id == client_message_id
        )
    )


def customer_tickets(
    session: Session,
    *,
    conversation_id: str | None = None,
    customer_id: int | None = None,
    reference: str | None = None,
    limit: int = 10,
) -> list[CustomerTicket]:
    """A customer's tickets, newest first: those of this conversation and of its customer's record.

    Never by an e-mail address: a typed one proves nothing, and the record has every ticket of a
    proven one. With ``reference`` only that ticket, and only if it is theirs: a reference someone
    else typed reveals nothing.
    """
    owner_filters = []
    if conversation_id:
        owner_filters.append(Ticket.conversation_id == conversation_id)
    if customer_id is not None:
        owner_filters.append(Ticket.customer_id == customer_id)
    if not owner_filters:
        raise InvalidInput("give a conversation_id or a customer_id")
    query = select(Ticket).where(or_(*owner_filters))
    if reference:
        query = query.where(Ticket.reference == reference.strip().upper())
    tickets = session.scalars(query.order_by(Ticket.id.desc()).limit(limit)).all()
    positions = [queue_position(session, ticket=ticket) for ticket in tickets]
    now = utcnow()
    online = agents_online(session, now=now) if any(position is not None for position in positions) else 0
    return [
        CustomerTicket(
            reference=ticket.reference,
            status=ticket.status,
            subject=ticket.subject,
            created_at=ticket.created_at,
            queue_position=position,
            wait_estimate_minutes=wait_estimate_minutes(session, position=position, online=online, now=now),
            assignee_name=ticket.assignee.name if ticket.assignee else None,
            resolved_at=ticket.resolved_at,
        )
        for ticket, position in zip(tickets, positions, strict=True)
    ]


def _online_at(now: datetime) -> tuple:
    """Active agents marked online and seen within ONLINE_WINDOW of ``now``."""
    return Agent.is_active.is_(True), Agent.presence == "online", Agent.last_seen_at > now - ONLINE_WINDOW


def agents_online(session: Session, *, now: datetime) -> int:
    return session.scalars(select(func.count()).select_from(Agent).where(*_online_at(now))).one()


def online_agent_speaks(session: Session, *, language: str, now: datetime) -> bool:
    """Whether an agent online now speaks ``language`` (read in Python: the list is a JSON column,
    and the agents online are few)."""
    spoken = session.scalars(select(Agent.languages).where(*_online_at(now)))
    return any(language in (languages or ()) for languages in spoken)


def median_handling_minutes(session: Session, *, now: datetime) -> float:
    """Median minutes from claim to resolve over recent tickets (a default until there are enough)."""
    rows = session.execute(
        select(Ticket.assigned_at, Ticket.resolved_at)
        .where(
            Ticket.resolved_at.is_not(None),
            Ticket.assigned_at.is_not(None),
            Ticket.resolved_at >= now - HANDLING_LOOKBACK,
            IN_CONSOLE,
        )
        .order_by(Ticket.resolved_at.desc())
        .limit(HANDLING_SAMPLE_SIZE)
    ).all()
    durations = [(resolved - assigned).total_seconds() / 60 for assigned, resolved in rows if resolved >= assigned]
    if len(durations) < MIN_HANDLING_SAMPLES:
        return DEFAULT_HANDLING_MINUTES
    return statistics.median(durations)


def wait_estimate_minutes(session: Session, *, position: int | None, online: int, now: datetime) -> int | None:
    """position × median handling time ÷ agents online, in whole minutes; None when nobody is online."""
    if position is None or online == 0:
        return None
    return max(1, math.ceil(position * median_handling_minutes(session, now=now) / online))


def receipt(
    session: Session, *, ticket: Ticket, created: bool, policy: HelpdeskPolicy, now: datetime | None = None
) -> TicketReceipt:
    """What the bot tells the customer about their (new or existing) ticket."""
    now = now or utcnow()
    online = agents_online(session, now=now)
    position = queue_position(session, ticket=ticket)
    next_open = policy.business_hours.next_open(now)
    return TicketReceipt(
        reference=ticket.reference,
        status=ticket.status,
        created=created,
        queue_position=position,
        wait_estimate_minutes=wait_estimate_minutes(session, position=position, online=online, now=now),
        agents_online=online,
        open_now=next_open == now,
        next_open=next_open,
        language_covered=online == 0 or online_agent_speaks(session, language=ticket.language, now=now),
    )


def change_ticket_language(
    session: Session, *, conversation_id: str, language: str, now: datetime | None = None
) -> Ticket:
    """The customer chose another language for their open ticket (e.g. English, when no agent online
    speaks theirs): agents who speak it now get it first. 404 when the conversation has no open ticket."""
    now = now or utcnow()
    ticket = open_ticket_for(session, conversation_id=conversation_id)
    if ticket is None:
        raise NotFound(NO_OPEN_TICKET)
    if ticket.language == language:
        return ticket
    message = _add_line(
        session,
        TicketMessage(
            ticket=ticket,
            author_type="system",
            body=f"The customer chose to continue {in_language(language)} (was {in_language(ticket.language)})",
            created_at=now,
        ),
    )
    ticket.language = language
    ticket.updated_at = now
    events.record(session, kind="ticket_language_changed", ticket=ticket, message=message)
    session.commit()
    return ticket


def add_customer_details(
    session: Session, *, conversation_id: str, name: str | None, email: str | None, now: datetime | None = None
) -> Ticket:
    """Name and e-mail the customer gave after their ticket was opened (outside hours the ticket comes
    first, so leaving early loses nothing): set on the open ticket, with a line the agent sees live.
    404 when the conversation has no open ticket."""
    now = now or utcnow()
    ticket = open_ticket_for(session, conversation_id=conversation_id)
    if ticket is None:
        raise NotFound(NO_OPEN_TICKET)
    added = []
    if name:
        ticket.customer_name = one_line(name, 200)
        added.append(f"name: {ticket.customer_name}")
    if email:
        ticket.customer_email = email
        added.append(f"e-mail: {email}")
    if not added:
        return ticket
    message = _add_line(
        session,
        TicketMessage(ticket=ticket, author_type="system", body=f"The customer added their {', '.join(added)}",
                      created_at=now),
    )
    ticket.updated_at = now
    events.record(session, kind="message_created", ticket=ticket, message=message)
    session.commit()
    return ticket


def availability(session: Session, *, policy: HelpdeskPolicy, now: datetime | None = None) -> Availability:
    """Whether a person can answer now, and how long a ticket created now would wait."""
    now = now or utcnow()
    online = agents_online(session, now=now)
    waiting = session.scalars(
        select(func.count()).select_from(Ticket).where(Ticket.status == "waiting", IN_CONSOLE)
    ).one()
    next_open = policy.business_hours.next_open(now)
    return Availability(
        agents_online=online,
        open_now=next_open == now,
        next_open=next_open,
        queue_length=waiting,
        wait_estimate_minutes=wait_estimate_minutes(session, position=waiting + 1, online=online, now=now),
    )


def due_delivery_ticket_ids(session: Session, *, now: datetime, limit: int = 100) -> Sequence[int]:
    """Tickets whose first line still to deliver is due now, oldest first.

    Only a ticket's first such line counts (a later line never overtakes it); a ticket waiting for
    that line's next attempt is left out, so it holds up no other ticket.
    """
    heads = (
        select(func.min(TicketMessage.id).label("id"))
        .where(*_DELIVERABLE)
        .group_by(TicketMessage.ticket_id)
        .subquery()
    )
    return session.scalars(
        select(TicketMessage.ticket_id)
        .join(heads, heads.c.id == TicketMessage.id)
        .where(or_(TicketMessage.next_delivery_at.is_(None), TicketMessage.next_delivery_at <= now))
        .order_by(TicketMessage.id)
        .limit(limit)
    ).all()


_DELIVERABLE = (
    TicketMessage.delivered.is_(False),
    TicketMessage.delivery_error.is_(None),
    TicketMessage.rasa_intent.is_not(None),
)


def retry_delivery(
    session: Session, *, ticket_id: int, message_id: int, agent: Agent, now: datetime | None = None
) -> TicketMessage:
    """Send a failed line again, with the failed lines after it (in order), e.g. once the customer
    unblocked the bot; the ticket no longer counts the customer as unreachable. By the assignee or
    an admin."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    message = session.get(TicketMessage, message_id) if 0 < message_id <= MAX_DB_ID else None
    if message is None or message.ticket_id != ticket.id:
        raise NotFound(f"message {message_id} not found in {ticket.reference}")
    if message.delivery_error is None:
        raise Conflict("only a line that failed to reach the customer can be retried")
    if ticket.status == "withdrawn":
        raise Conflict(f"{ticket.reference} was withdrawn by the customer; nothing more is sent to their chat")
    _require_owner(ticket, agent, allow_admin=True, action="retry a line of")
    failed = session.scalars(
        select(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.id >= message.id,
            TicketMessage.delivery_error.is_not(None),
            TicketMessage.delivered.is_(False),
        )
        .order_by(TicketMessage.id)
    ).all()
    ticket.unreachable_reason = None
    for line in failed:
        line.delivery_error = None
        line.next_delivery_at = now
        events.record(session, kind="message_updated", message=line)
    session.commit()
    return message


def announce_ticket(session: Session, *, ticket: Ticket, receipt_json: str, now: datetime | None = None) -> TicketMessage:
    """A line telling the customer, in their chat, the ticket they were promised now exists (the
    helpdesk was down when they escalated). Part of the caller's transaction; delivered like any line."""
    now = now or utcnow()
    message = _add_line(
        session,
        TicketMessage(
            ticket=ticket,
            author_type="system",
            body=f"The customer was promised a ticket while the helpdesk was unavailable: told it is {ticket.reference}",
            rasa_intent=TICKET_CREATED,
            rasa_entities={"ticket_receipt": receipt_json},
            delivered=False,
            created_at=now,
        ),
    )
    events.record(session, kind="message_created", ticket=ticket, message=message)
    return message

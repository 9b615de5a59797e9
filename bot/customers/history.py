"""A customer's history across channels, as agents read it: records, tickets and conversations.

Agents must see at a glance that the person on Telegram today is the one who wrote on the web
last week, so tickets and conversations of every channel come together here, newest first, each
named by the channel a person would recognise (``whatsapp``, not Rasa's ``twilio`` connector).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.customers.store import channel_identity, current
from bot.helpdesk.accounts import MAX_DB_ID
from bot.helpdesk.tickets import IN_CONSOLE
from bot.models import Conversation, Customer, CustomerIdentity, CustomerMerge, Ticket

# The channel a person recognises, by Rasa's connector name (conversation-id prefixes already are one).
CHANNEL_BY_CONNECTOR = {
    "socketio": "web",
    "web": "web",
    "telegram": "telegram",
    "twilio": "whatsapp",
    "whatsapp": "whatsapp",
    "facebook": "messenger",
    "messenger": "messenger",
    "slack": "slack",
    "email": "email",
    "rest": "rest",
    "callback": "rest",
}
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class HistoryEntry:
    """One ticket or one conversation of a customer."""

    kind: str  # "ticket" or "conversation"
    channel: str  # one of CHANNEL_BY_CONNECTOR's values, or "other"
    at: datetime  # what "newest first" orders by: a ticket's creation, a conversation's last message
    started_at: datetime
    conversation_id: str
    status: str | None = None  # tickets only
    subject: str | None = None
    ticket_id: int | None = None
    reference: str | None = None
    language: str | None = None


def channel_of(channel: str | None, conversation_id: str) -> str:
    """The recognisable channel of a conversation: by its id's prefix, else by its connector."""
    kind, _ = channel_identity(conversation_id)
    if kind in CHANNEL_BY_CONNECTOR:
        return CHANNEL_BY_CONNECTOR[kind]
    return CHANNEL_BY_CONNECTOR.get((channel or "").lower(), "other")


def search(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Current records whose id, name, e-mail, phone or an identity matches ``query``, last seen first.

    A number is also tried as an id; the rest matches anywhere, ignoring case. On PostgreSQL each column
    is matched by a statement of its own that keeps its newest matches, joined by UNION: a rare pattern
    then reads each column's trigram index (migration 0010), and a common one (a letter typed into the
    search box) reads the newest customers first and stops; one OR over the columns read both tables
    whole on every search. SQLite has no index for such patterns and reads each table once.
    """
    words = query.strip()
    if not words:
        return []
    pattern = f"%{_escape_like(words.lower())}%"
    on_customer: list[ColumnElement[bool]] = [func.lower(Customer.name).like(pattern, escape="\\"),
                   func.lower(Customer.email).like(pattern, escape="\\")]
    if any(character.isdigit() for character in words):  # a phone number (WhatsApp's) is "+" and digits
        on_customer.append(Customer.phone.like(pattern, escape="\\"))
    if words.isdigit() and 0 < int(words) <= MAX_DB_ID:
        on_customer.append(Customer.id == int(words))
    on_identity = func.lower(CustomerIdentity.value).like(pattern, escape="\\")
    if session.get_bind().dialect.name == "postgresql":
        customers = select(Customer.id, Customer.last_seen_at)
        matching = [customers.where(condition) for condition in on_customer]
        matching.append(customers.join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id).where(on_identity))
        newest = [_newest_first(match).limit(limit * 2).subquery() for match in matching]
        matches: ColumnElement[bool] = Customer.id.in_(union(*(select(match.c.id) for match in newest)))
    else:  # no index serves these patterns: one pass over each table is the least SQLite can read
        matches = or_(*on_customer, Customer.id.in_(select(CustomerIdentity.customer_id).where(on_identity)))
    found = session.scalars(_newest_first(select(Customer).where(matches)).limit(limit * 2))
    records: dict[int, Customer] = {}
    for customer in found:  # an identity may still point at a merged-away record: show where it went
        kept = current(session, customer)
        records.setdefault(kept.id, kept)
    return list(records.values())[:limit]


def _newest_first(query: Select) -> Select:
    return query.order_by(Customer.last_seen_at.desc(), Customer.id.desc())


def history(
    session: Session,
    customer: Customer,
    *,
    exclude_ticket_id: int | None = None,
    exclude_conversation_id: str | None = None,
    limit: int | None = None,
) -> list[HistoryEntry]:
    """The customer's tickets and conversations on every channel, newest first.

    A conversation that led to a ticket appears twice on purpose: as the ticket (what the agent
    did) and as the conversation (when the customer last wrote). ``exclude_*`` leave out the ticket
    an agent is looking at and its conversation.
    """
    ticket_query = select(Ticket).where(Ticket.customer_id == customer.id, IN_CONSOLE)  # Zendesk's: worked there
    if exclude_ticket_id is not None:
        ticket_query = ticket_query.where(Ticket.id != exclude_ticket_id)
    conversation_query = select(Conversation).where(Conversation.customer_id == customer.id)
    if exclude_conversation_id is not None:
        conversation_query = conversation_query.where(Conversation.id != exclude_conversation_id)
    entries = [
        HistoryEntry(
            kind="ticket",
            channel=channel_of(ticket.channel, ticket.conversation_id),
            at=ticket.created_at,
            started_at=ticket.created_at,
            conversation_id=ticket.conversation_id,
            status=ticket.status,
            subject=ticket.subject,
            ticket_id=ticket.id,
            reference=ticket.reference,
            language=ticket.language,
        )
        for ticket in session.scalars(ticket_query)
    ]
    entries += [
        HistoryEntry(
            kind="conversation",
            channel=channel_of(conversation.channel, conversation.id),
            at=conversation.last_message_at,
            started_at=conversation.started_at,
            conversation_id=conversation.id,
            language=conversation.language,
        )
        for conversation in session.scalars(conversation_query)
    ]
    entries.sort(key=lambda entry: (entry.at, entry.kind == "ticket", entry.ticket_id or 0), reverse=True)
    return entries if limit is None else entries[:limit]


def counts(session: Session, customer: Customer) -> tuple[int, int]:
    """How many tickets and conversations the customer has, on every channel."""
    tickets = session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer.id, IN_CONSOLE)
    )
    conversations = session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.customer_id == customer.id)
    )
    return tickets or 0, conversations or 0


def identities(session: Session, customer: Customer) -> list[CustomerIdentity]:
    """How the customer is known (web session, Telegram chat, e-mail…) and what proved each, oldest first."""
    return list(
        session.scalars(
            select(CustomerIdentity)
            .where(CustomerIdentity.customer_id == customer.id)
            .order_by(CustomerIdentity.created_at, CustomerIdentity.id)
        )
    )


def merges(session: Session, customer: Customer) -> list[CustomerMerge]:
    """Every merge behind this record, newest first: into it, and into the records merged into it
    (their history is its history now, so is the audit of how it got there)."""
    merged_ids = {customer.id}
    while True:
        more = set(session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(merged_ids)))) - merged_ids
        if not more:
            break
        merged_ids |= more
    return list(
        session.scalars(
            select(CustomerMerge)
            .where(or_(CustomerMerge.kept_customer_id.in_(merged_ids), CustomerMerge.merged_customer_id.in_(merged_ids)))
            .order_by(CustomerMerge.created_at.desc(), CustomerMerge.id.desc())
        )
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""SQLAlchemy 2 models: agents, login throttles, tickets and their messages, the escalation outbox,
Zendesk sync cursors, KB query log, resolutions, CES ratings, customers and their identities,
conversations, verification codes, customer merges, e-mails.

Ids are integers, timestamps timezone-aware UTC. Schema changes go through Alembic
(``bot/migrations``); nothing here creates tables.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db import utcnow


class _SQLiteUTCDateTime(sqlite.DATETIME):
    """SQLite's DATETIME, read back as UTC: SQLite stores no zone.

    Why not ``process_result_value``: a year's report reads about 800,000 timestamps, and parsing each
    as ISO text with its zone is one C call, eight times faster than SQLAlchemy's parse then
    ``replace(tzinfo=...)``. Text in any other shape SQLite may hold goes through SQLAlchemy's parser.
    """

    def result_processor(self, dialect, coltype):
        parse = cast(Callable[[str], datetime], super().result_processor(dialect, coltype))  # str_to_datetime

        def aware(value):
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):
                return parse(value).replace(tzinfo=timezone.utc)

        return aware


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back timezone-aware datetimes (PostgreSQL's ``timestamptz`` keeps
    the zone; on SQLite, :class:`_SQLiteUTCDateTime` restores it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteUTCDateTime())
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use bot.db.utcnow() or an aware datetime")
        # SQLite keeps the wall time and drops the zone, so another zone's 11:30 would read back as 11:30 UTC.
        return value.astimezone(timezone.utc) if value is not None else None


class Base(DeclarativeBase):
    pass


class Agent(Base):
    """A person who answers escalated conversations; ``admin`` can also manage agents and read reports."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="agent")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    presence: Mapped[str] = mapped_column(String(20), nullable=False, default="offline")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Codes from bot.language.SUPPORTED_LANGUAGES: "claim next" prefers tickets in these, and the bot
    # tells a customer when no online agent speaks theirs.
    languages: Mapped[list] = mapped_column(JSON, nullable=False, default=lambda: ["en"])
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AgentSession(Base):
    """A logged-in browser or API client. Only the token's SHA-256 is stored."""

    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agent: Mapped[Agent] = relationship()


class LoginThrottle(Base):
    """Failed logins counted under one key: a client address, or an account from an address
    (:mod:`bot.helpdesk.login_throttle`). The key is a SHA-256, so no typed e-mail is stored."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)


class Ticket(Base):
    """An escalated conversation. ``reference`` (e.g. T-1042) is what customers and agents quote."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_queue", "status", "priority_rank", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    conversation_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(50), nullable=False, default="rest")
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(254), index=True)
    # The customer this ticket belongs to (empty only on tickets older than customer records).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reason: Mapped[str] = mapped_column(String(50), nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False, default="normal")
    # Sort key for the queue: 0 = urgent ... 3 = low, so "priority, then age" is one index scan.
    priority_rank: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    # waiting, assigned, resolved, closed, or withdrawn (the customer left the queue before an answer).
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="waiting")
    # Where the ticket is worked: "helpdesk" (this console) or "zendesk" (a local record of a Zendesk
    # ticket, kept so reports and surveys are the same whatever the backend; never in the console queue).
    backend: Mapped[str] = mapped_column(String(20), nullable=False, default="helpdesk", server_default="helpdesk")
    # How often the ticket was reopened after a resolution, and when first: reopen rate and FCR.
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    first_reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    kb_attempts: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Whoever holds this lease (a conditional UPDATE, so it works across replicas) delivers the
    # ticket's pending messages to Rasa, one at a time in id order, so the customer sees them in order.
    delivery_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the customer's channel refused a line for good (blocked bot, closed messaging window):
    # later lines fail at once with this reason instead of waiting, until the customer writes again
    # or an agent retries a line.
    unreachable_reason: Mapped[str | None] = mapped_column(String(300))

    assignee: Mapped[Agent | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    """One line of a ticket's transcript. ``author_type``: customer, bot, agent, note (internal), system.

    Lines that must reach the customer's chat (agent replies, agent joined, resolved, reopened, the
    ticket announcement) carry the Rasa intent and entities to trigger; ``delivered`` stays false
    until Rasa accepted them. Each such line has its own retry schedule (``delivery_attempts``,
    ``next_delivery_at``, ``last_delivery_error``); ``delivery_error`` records a permanent refusal,
    and such a failed line is not retried unless an agent asks.

    Rasa taking a line does not mean the customer saw it, so ``reached`` says where it got, for the
    console: ``chat`` (a chat the customer had open), ``email``, ``chat_later`` (a web chat they had
    left: it is there when they come back) or ``nobody`` (a channel that cannot receive pushed lines);
    ``email_skipped`` says why a line the customer did not see live did not go by e-mail too
    (``no_address``, ``email_off``; None for lines that never go by e-mail).
    """

    __tablename__ = "ticket_messages"
    __table_args__ = (
        UniqueConstraint("ticket_id", "client_message_id", name="uq_ticket_messages_client_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    author_type: Mapped[str] = mapped_column(String(20), nullable=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Set by the sender of a relayed message so a retried request does not add the line twice.
    client_message_id: Mapped[str | None] = mapped_column(String(100))
    rasa_intent: Mapped[str | None] = mapped_column(String(60))
    rasa_entities: Mapped[dict | None] = mapped_column(JSON)
    delivered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, index=True)
    delivery_error: Mapped[str | None] = mapped_column(String(300))
    delivery_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # None: due now. A line waits for this time only while it is the first undelivered one of its ticket.
    next_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_delivery_error: Mapped[str | None] = mapped_column(String(300))
    reached: Mapped[str | None] = mapped_column(String(20))
    email_skipped: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    agent: Mapped[Agent | None] = relationship()


class EscalationRequest(Base):
    """An escalation the bot promised the customer, kept until its ticket exists (a transactional outbox).

    The action server writes it (keyed like the ticket, by ``idempotency_key``) before it calls the
    ticket backend; when that call cannot be made, the helpdesk's drainer creates the ticket later
    and tells the customer. ``status``: ``pending`` (no ticket yet), ``announcing`` (a Zendesk ticket
    exists, the customer is still to be told), ``done``, ``failed`` (refused; ``last_error`` says why).
    ``request`` holds the ticket request until then, and is emptied once done.
    """

    __tablename__ = "escalation_requests"
    __table_args__ = (Index("ix_escalation_requests_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    conversation_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    request: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # Whoever holds it (the action making its own call, or one drainer) is the only one working on it.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    ticket_reference: Mapped[str | None] = mapped_column(String(20))
    # The receipt to announce (Zendesk tickets only: built-in tickets announce through a ticket line).
    receipt: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class ZendeskTicket(Base):
    """How far a Zendesk ticket's replies have reached the customer's chat (``TICKET_BACKEND=zendesk``).

    Zendesk stays the record of what was said; this row is the cursor (last comment delivered, last
    status seen), the "webhook said something changed" flag, and a lease so one replica syncs it.
    """

    __tablename__ = "zendesk_tickets"

    zendesk_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    conversation_id: Mapped[str | None] = mapped_column(String(255))
    last_comment_id: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_status: Mapped[str | None] = mapped_column(String(20))
    needs_sync: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, index=True)
    sync_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class HelpdeskEvent(Base):
    """An outbox of what happened in the helpdesk, read by every replica's live-update stream.

    ``payload`` is the JSON the agent console receives (ticket summary, message).
    """

    __tablename__ = "helpdesk_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class SavedReply(Base):
    """A canned answer agents can insert into a reply."""

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


def new_query_key() -> str:
    """A KB lookup's key: made when the bot answers, before its row is written (so a slot can name the row)."""
    return uuid.uuid4().hex


class KbQuery(Base):
    """Every KB lookup the bot made: the raw material of the KB-gap report.

    ``outcome``: answer, clarify, abstain (nothing good enough) or miss (customer said it did not help).
    ``query_key``: made when the bot answers, before the row is written (``bot.kb.query_log.QueryLogWriter``),
    and kept in the conversation's ``kb_query_id`` slot; rows from before it have their ``id`` there.
    """

    __tablename__ = "kb_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_key: Mapped[str] = mapped_column(String(32), nullable=False, unique=True, default=new_query_key)
    conversation_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    channel: Mapped[str | None] = mapped_column(String(50))
    question: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    article_id: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    helped: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class Resolution(Base):
    """A conversation's issue was resolved, by the bot (customer confirmed) or by an agent (ticket resolved).

    CES is asked once per resolution; containment is computed from these and from tickets.
    """

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resolution_key: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    conversation_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    resolved_by: Mapped[str] = mapped_column(String(10), nullable=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    article_id: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class SurveyRating(Base):
    """The customer's answer to the survey asked after one resolution: ``survey`` says which one
    (``ces``: effort, CES 2.0, 1..7; ``csat``: satisfaction, 1..5; ``nps``: would recommend, 0..10).

    A resolution holds at most one rating, whichever survey was asked; ``customer_id`` lets NPS be
    asked at most once per customer per ``NPS_INTERVAL_DAYS``.
    """

    __tablename__ = "survey_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey: Mapped[str] = mapped_column(String(10), nullable=False, default="ces", server_default="ces")
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("resolutions.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str] = mapped_column(String(10), nullable=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    article_id: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class ArticleFeedback(Base):
    """A help-centre reader's "Was this helpful? Yes / No" on an article (part of the KB-gap report)."""

    __tablename__ = "article_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    language: Mapped[str] = mapped_column(String(10), nullable=False)
    helpful: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class Customer(Base):
    """A person who contacts support, on any channel. Conversations, tickets and identities belong to one.

    ``email`` and ``phone`` are set only once proven (a one-time code, the channel itself, a signed
    identity from the company's site), so two records share neither: proving an address another
    record holds merges the two (:mod:`bot.customers.store`). ``merged_into_id`` points a merged-away
    record at the one that took over its history.
    """

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    # Indexed: the customer search lists the newest matches first and stops (bot.customers.history.search).
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class CustomerIdentity(Base):
    """One way to recognise a customer: a channel's own id (``web`` session, ``telegram`` chat,
    ``whatsapp`` number, ``messenger`` PSID, ``slack`` user), a proven ``email``, or the company
    site's ``site`` user id. ``proof`` says how it was linked: ``channel``, ``code``, ``signed``."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_customer_identities_kind_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    value: Mapped[str] = mapped_column(String(255), nullable=False)
    proof: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


def _substring_index(name: str, expression) -> Index:
    """A trigram index (PostgreSQL's ``pg_trgm``, migration 0010) so that an agent's customer search,
    ``LIKE '%words%'``, reads the matching rows instead of the whole table. PostgreSQL only: SQLite has
    no index for a pattern that does not start the text, and scans (a laptop's data)."""
    labelled = expression.label(name.removeprefix("ix_"))
    return Index(name, labelled, postgresql_using="gin",
                 postgresql_ops={labelled.name: "gin_trgm_ops"}).ddl_if(dialect="postgresql")


# The columns bot.customers.history.search matches, in the form it matches them.
CUSTOMER_SEARCH_INDEXES = (
    _substring_index("ix_customers_name_trigrams", func.lower(Customer.__table__.c.name)),
    _substring_index("ix_customers_email_trigrams", func.lower(Customer.__table__.c.email)),
    _substring_index("ix_customers_phone_trigrams", Customer.__table__.c.phone),
    _substring_index("ix_customer_identities_value_trigrams", func.lower(CustomerIdentity.__table__.c.value)),
)


class Conversation(Base):
    """A Rasa conversation (its sender id) and the customer it belongs to.

    ``open_sockets`` counts the web-chat connections the engine reported open, so the helpdesk knows
    whether an agent's reply will be seen in the chat or must go by e-mail.
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    language: Mapped[str] = mapped_column(String(10), nullable=False, default="en")
    open_sockets: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class VerificationCode(Base):
    """A one-time code sent to an e-mail address to prove it belongs to whoever is in ``conversation_id``.

    Only the code's SHA-256 is stored. It is spent by the first right answer, or by too many wrong ones.
    """

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)


class CustomerMerge(Base):
    """The audit trail of two customer records becoming one: by an agent, or on proof (``agent_id`` empty)."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kept_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    merged_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    reason: Mapped[str] = mapped_column(String(300), nullable=False)
    # What moved: counts of identities, conversations and tickets, and the merged record's name and e-mail.
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class EmailMessage(Base):
    """Every e-mail sent or received, one row each: the outbound queue and the inbound log.

    ``direction``: ``out`` or ``in``. ``message_id`` is the RFC 5322 Message-ID (ours for ``out``),
    unique, so a webhook delivered twice stores a reply once and a reply's ``In-Reply-To`` finds
    the ticket. ``kind``: ``verification``, ``receipt``, ``agent_reply``, ``resolution`` (out) or
    ``reply`` (in). ``status``: ``pending``, ``sent``, ``failed`` (out); ``received``, ``ignored``
    (in, with ``last_error`` saying why).
    """

    __tablename__ = "email_messages"
    __table_args__ = (Index("ix_email_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    message_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    from_address: Mapped[str] = mapped_column(String(254), nullable=False)
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

"""Find everything held about one customer: their conversations and tickets.

A customer is named by an e-mail address or by one conversation id. For an e-mail address, their
conversations are those of the tickets that carry it and every conversation where it was given:
in a ticket, a line the customer wrote, a KB question, a CES comment, an escalation request or any
Rasa tracker event (the e-mail slot, a message), and every conversation of the customer record that
proved it. Every ticket of those conversations is theirs too, and so are the customer records of
those conversations and tickets.
Someone who typed another person's address counts as that person here: read an export before
handing it over (docs/privacy.md).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.helpdesk.text import normalize_email
from bot.models import (
    Conversation,
    Customer,
    EscalationRequest,
    KbQuery,
    Resolution,
    SurveyRating,
    Ticket,
    TicketMessage,
    ZendeskTicket,
)
from bot.privacy.tables import PSEUDONYM_PREFIX
from bot.privacy.trackers import TrackerStore

MAX_CONVERSATION_ID_CHARS = 255
CONVERSATION_TABLES = (Ticket, KbQuery, Resolution, SurveyRating, EscalationRequest, ZendeskTicket)


class InvalidSubject(ValueError):
    """Neither a usable e-mail address nor a usable conversation id; the message says why."""


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: an e-mail address (lower case) or a conversation id."""

    email: str | None = None
    conversation_id: str | None = None

    @classmethod
    def of(cls, *, email: str | None = None, conversation_id: str | None = None) -> Subject:
        if (email is None) == (conversation_id is None):
            raise InvalidSubject("give either an e-mail address or a conversation id")
        if email is not None:
            try:
                return cls(email=normalize_email(email))
            except ValueError as exc:
                raise InvalidSubject(str(exc)) from None
        conversation_id = (conversation_id or "").strip()
        if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID_CHARS:
            raise InvalidSubject(f"a conversation id has 1 to {MAX_CONVERSATION_ID_CHARS} characters")
        if conversation_id.startswith(PSEUDONYM_PREFIX):
            raise InvalidSubject(f"{conversation_id!r} is already anonymised")
        return cls(conversation_id=conversation_id)

    def __str__(self) -> str:
        return f"e-mail {self.email}" if self.email else f"conversation {self.conversation_id}"


@dataclass(frozen=True)
class Footprint:
    """The conversations and tickets held about a subject, and the customer records they belong to
    (sorted, so output is stable)."""

    subject: Subject
    conversation_ids: tuple[str, ...]
    ticket_ids: tuple[int, ...]
    customer_ids: tuple[int, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.conversation_ids or self.ticket_ids)


def _mentioning(column, email: str):
    return func.lower(column).contains(email, autoescape=True)


def _conversations_mentioning(session: Session, email: str) -> set[str]:
    queries = [
        select(KbQuery.conversation_id).where(_mentioning(KbQuery.question, email)),
        select(SurveyRating.conversation_id).where(_mentioning(SurveyRating.comment, email)),
        select(EscalationRequest.conversation_id).where(_mentioning(cast(EscalationRequest.request, Text), email)),
    ]
    return {conversation for query in queries for conversation in session.scalars(query.distinct())}


def _tickets_mentioning(session: Session, email: str) -> set[int]:
    tickets = select(Ticket.id).where(or_(
        func.lower(Ticket.customer_email) == email,
        _mentioning(Ticket.subject, email),
        _mentioning(Ticket.description, email),
    ))
    # The customer's own lines: an agent's note naming the address on someone else's ticket does not make it theirs.
    lines = select(TicketMessage.ticket_id).where(TicketMessage.author_type == "customer",
                                                  _mentioning(TicketMessage.body, email))
    return set(session.scalars(tickets)) | set(session.scalars(lines.distinct()))


def _conversation_known(session: Session, trackers: TrackerStore, conversation_id: str) -> bool:
    return trackers.known(conversation_id) or session.get(Conversation, conversation_id) is not None or any(
        session.scalar(select(model.conversation_id).where(model.conversation_id == conversation_id).limit(1))
        for model in CONVERSATION_TABLES
    )


def _tickets_of(session: Session, conversation_ids: Iterable[str]) -> set[int]:
    return set(session.scalars(select(Ticket.id).where(Ticket.conversation_id.in_(list(conversation_ids)))))


def locate(session: Session, trackers: TrackerStore, subject: Subject) -> Footprint:
    """Every conversation and ticket held about ``subject`` (already anonymised ones are not theirs any more)."""
    if subject.conversation_id is not None:
        known = _conversation_known(session, trackers, subject.conversation_id)
        conversations = {subject.conversation_id} if known else set()
        tickets: set[int] = set()
    else:
        email = subject.email or ""
        tickets = _tickets_mentioning(session, email)
        conversations = _conversations_mentioning(session, email) | trackers.senders_mentioning(email)
        # Every conversation of the customer who proved the address, on any channel.
        conversations |= set(session.scalars(
            select(Conversation.id).join(Customer, Conversation.customer_id == Customer.id).where(Customer.email == email)))
        if tickets:
            conversations |= set(session.scalars(select(Ticket.conversation_id).where(Ticket.id.in_(tickets))))
    conversations = {c for c in conversations if c and not c.startswith(PSEUDONYM_PREFIX)}
    tickets |= _tickets_of(session, conversations)
    customers = set(session.scalars(select(Conversation.customer_id).where(Conversation.id.in_(list(conversations)))))
    customers |= set(session.scalars(
        select(Ticket.customer_id).where(Ticket.id.in_(list(tickets)), Ticket.customer_id.is_not(None))))
    return Footprint(subject=subject, conversation_ids=tuple(sorted(conversations)), ticket_ids=tuple(sorted(tickets)),
                     customer_ids=tuple(sorted(customers)))


def with_merged_records(session: Session, customer_ids: Iterable[int]) -> set[int]:
    """``customer_ids`` and every record merged into one of them (they hold the merged-away name)."""
    found, frontier = set(customer_ids), set(customer_ids)
    while frontier:
        frontier = set(session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(list(frontier))))) - found
        found |= frontier
    return found

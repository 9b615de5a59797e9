"""Who a conversation's customer is, and linking records only on proof.

A conversation's customer is found through its channel identity (the web session, the Telegram
chat, the WhatsApp number, ...) and created on first contact. Two records become one only when
something proves they are the same person: a one-time code sent to an e-mail address another
record already proved, a signed identity from the company's site, or an agent who is sure
(:func:`merge_customers`, audit-logged either way).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import TextClause, bindparam, select, text, update
from sqlalchemy.orm import Session

from bot.db import rows_changed, utcnow
from bot.models import (
    Conversation,
    Customer,
    CustomerIdentity,
    CustomerMerge,
    EmailMessage,
    Ticket,
)

# Conversation-id prefixes (bot/engine/channels/identity.py) whose platform id names the person.
CHANNEL_IDENTITY_KINDS = frozenset({"web", "telegram", "whatsapp", "messenger", "slack", "rest", "callback", "email"})
# How an identity was linked: the channel itself, a one-time code, a signature of the company's site.
PROOFS = frozenset({"channel", "code", "signed"})


class MergeRefused(ValueError):
    """Two records that cannot become one (the same record, or one already merged away)."""


def channel_identity(conversation_id: str) -> tuple[str, str]:
    """The identity a conversation id stands for: ``("telegram", "52…")`` for ``telegram:52…``.

    Ids without a known prefix (conversations older than namespaced ids) stand for themselves.
    """
    kind, separator, value = conversation_id.partition(":")
    if separator and kind in CHANNEL_IDENTITY_KINDS and value:
        return kind, value
    return "conversation", conversation_id


def current(session: Session, customer: Customer) -> Customer:
    """The record that now holds ``customer``'s history (itself, unless it was merged away)."""
    seen = set()
    while customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = session.get(Customer, customer.merged_into_id) or customer
    return customer


_CUSTOMER_BY_IDENTITY = select(Customer).join(CustomerIdentity).where(
    CustomerIdentity.kind == bindparam("kind"), CustomerIdentity.value == bindparam("value"))
"""Built once, as every first contact asks it: SQLAlchemy otherwise builds the statement and its cache key each time."""


def find_by_identity(session: Session, kind: str, value: str) -> Customer | None:
    """The record holding the identity ``kind``/``value`` now (merges followed), or None for a stranger."""
    customer = session.scalar(_CUSTOMER_BY_IDENTITY, {"kind": kind, "value": value})
    return current(session, customer) if customer else None


def add_identity(session: Session, customer: Customer, kind: str, value: str, proof: str) -> None:
    """Link ``kind``/``value`` to ``customer`` (moving it there if another record had it: it was proven)."""
    if proof not in PROOFS:
        raise ValueError(f"unknown proof {proof!r}")
    identity = session.scalar(
        select(CustomerIdentity).where(CustomerIdentity.kind == kind, CustomerIdentity.value == value)
    )
    if identity is None:
        session.add(CustomerIdentity(customer_id=customer.id, kind=kind, value=value, proof=proof))
    else:
        identity.customer_id, identity.proof = customer.id, proof
    session.flush()


def customer_for_conversation(
    session: Session, *, conversation_id: str, channel: str, language: str = "en", now: datetime | None = None
) -> Customer:
    """The customer of ``conversation_id``, creating the record (and the conversation's) on first contact.

    Also records that the conversation was active at ``now``. Safe when several processes meet the
    same new conversation at once (a ticket, a KB question, the web chat's presence): the identity and
    conversation rows are inserted "if absent", and whoever inserted first decides the record.
    """
    now = now or utcnow()
    conversation = session.get(Conversation, conversation_id, populate_existing=True)
    if conversation is None:
        kind, value = channel_identity(conversation_id)
        customer = find_by_identity(session, kind, value) or _first_contact(session, kind, value, language, now)
        if _insert_if_absent(session, _INSERT_CONVERSATION_IF_ABSENT, id=conversation_id, customer_id=customer.id,
                             channel=channel, language=language, open_sockets=0, started_at=now, last_message_at=now):
            customer.last_seen_at = now
            session.flush()
            return customer
        # Another process met the conversation first: its row, and its customer, stand.
        conversation = session.get_one(Conversation, conversation_id, populate_existing=True)
    customer = current(session, session.get_one(Customer, conversation.customer_id))
    conversation.customer_id, conversation.last_message_at, conversation.language = customer.id, now, language
    customer.last_seen_at = now
    session.flush()
    return customer


def _first_contact(session: Session, kind: str, value: str, language: str, now: datetime) -> Customer:
    """A new record for an identity nobody holds yet (or the one a concurrent first contact made)."""
    created = Customer(language=language, created_at=now, updated_at=now, last_seen_at=now)
    session.add(created)
    session.flush()
    if not _insert_if_absent(session, _INSERT_IDENTITY_IF_ABSENT, customer_id=created.id, kind=kind, value=value,
                             proof="channel", created_at=now):  # another process linked the identity first: theirs it is
        holder = find_by_identity(session, kind, value)
        session.delete(created)
        session.flush()
        return holder or created
    phone = value.removeprefix("whatsapp:")
    if kind == "whatsapp" and session.scalar(select(Customer.id).where(Customer.phone == phone)) is None:
        created.phone = phone  # WhatsApp delivers from the sender's own number: the channel proves it
    return created


def _insert_if_absent(session: Session, statement: TextClause, **values) -> bool:
    """Run ``_INSERT_IDENTITY_IF_ABSENT`` or ``_INSERT_CONVERSATION_IF_ABSENT``: an existing row (same primary or
    unique key) is left alone. Whether it inserted the row (so the caller need not read it back to know whose it is)."""
    return rows_changed(session, statement, values) == 1


def _insert_ignoring_conflicts(model, columns: Sequence[str]) -> TextClause:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``columns`` (the table's column keys) into ``model``'s table; SQLite and
    PostgreSQL spell it alike, and the names need no quoting.

    Text, because SQLAlchemy keeps its dialects' on-conflict inserts out of its statement cache (their
    ``inherit_cache = False``), so each first contact built and compiled both again. As text it fills no
    Python-side default and does not flush the session first: its callers give every column, and flush the
    row it refers to.
    """
    table = model.__table__
    names = ", ".join(table.c[column].name for column in columns)
    placeholders = ", ".join(f":{column}" for column in columns)
    return text(f"INSERT INTO {table.name} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING").bindparams(
        *(bindparam(column, type_=table.c[column].type) for column in columns))


_INSERT_IDENTITY_IF_ABSENT = _insert_ignoring_conflicts(
    CustomerIdentity, ("customer_id", "kind", "value", "proof", "created_at"))
_INSERT_CONVERSATION_IF_ABSENT = _insert_ignoring_conflicts(
    Conversation, ("id", "customer_id", "channel", "language", "open_sockets", "started_at", "last_message_at"))


def link_proven_email(session: Session, *, customer: Customer, email: str, proof: str) -> Customer:
    """``customer`` proved ``email`` (a code, a signed identity): the record that now holds them.

    When another record already proved the same address, both are one person: this one is merged
    into that one (the older history keeps its record).
    """
    email = email.strip().lower()
    customer = current(session, customer)
    owner = session.scalar(select(Customer).where(Customer.email == email))
    if owner is not None and owner.id != customer.id:
        merge_customers(session, kept=owner, merged=customer, agent_id=None, reason=f"proved the e-mail address ({proof})")
        customer = owner
    else:
        customer.email = email
    add_identity(session, customer, "email", email, proof)
    return customer


def merge_customers(session: Session, *, kept: Customer, merged: Customer, agent_id: int | None, reason: str) -> CustomerMerge:
    """Move everything of ``merged`` to ``kept``, and record who did it and why.

    ``kept`` fills its missing name, e-mail, phone from ``merged``; ``merged`` stays as a pointer
    (``merged_into_id``), so links to it still lead somewhere.
    """
    kept, merged = current(session, kept), current(session, merged)
    if kept.id == merged.id:
        raise MergeRefused("a customer cannot be merged with itself")
    moved = {
        "identities": _move(session, CustomerIdentity, merged.id, kept.id),
        "conversations": _move(session, Conversation, merged.id, kept.id),
        "tickets": _move(session, Ticket, merged.id, kept.id),
        "emails": _move(session, EmailMessage, merged.id, kept.id),
        "name": merged.name,
        "email": merged.email,
        "phone": merged.phone,
    }
    email, phone = merged.email, merged.phone
    merged.email = merged.phone = None
    merged.merged_into_id = kept.id
    session.flush()  # the unique address is free before the kept record takes it
    kept.name = kept.name or merged.name
    kept.email = kept.email or email
    kept.phone = kept.phone or phone
    kept.last_seen_at = max(kept.last_seen_at, merged.last_seen_at)
    audit = CustomerMerge(kept_customer_id=kept.id, merged_customer_id=merged.id, agent_id=agent_id,
                          reason=reason[:300], details=moved)
    session.add(audit)
    session.flush()
    return audit


def _move(session: Session, model, from_id: int, to_id: int) -> int:
    return rows_changed(session, update(model).where(model.customer_id == from_id).values(customer_id=to_id))

"""The customer behind a conversation, with what the channel proved about them applied.

The engine's socket.io channel checks a host page's signed identity (``user_hash``, see
docs/customers.md#signed-identity-from-your-site) and passes what it proved as the message
metadata keys :data:`VERIFIED_USER_ID` and :data:`VERIFIED_EMAIL`, which no client can set itself
(``bot/engine/channels/trust.py`` strips them from anything a client sends). Here they become the
customer's ``site`` identity and proven e-mail address.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session, object_session

from bot.customers.store import (
    add_identity,
    channel_identity,
    current,
    customer_for_conversation,
    find_by_identity,
    link_proven_email,
    merge_customers,
)
from bot.helpdesk.text import normalize_email
from bot.models import Conversation, Customer, CustomerIdentity

# The same names as bot/engine/channels/trust.py VERIFIED_METADATA (a test checks they match).
VERIFIED_USER_ID = "verified_user_id"
VERIFIED_EMAIL = "verified_email"
SITE = "site"
"""The identity kind of a user id the company's site signed."""
MAX_USER_ID_CHARS = 255
WEB_CHANNELS = frozenset({"web", "socketio"})
"""Channel names of the web chat (conversations older than namespaced ids have no ``web:`` prefix)."""
PULL_CHANNELS = frozenset({"rest"})
"""Channels that only answer the customer's own requests: nothing pushed later reaches the customer."""


def customer_of_conversation(
    session: Session,
    *,
    conversation_id: str,
    channel: str,
    language: str = "en",
    metadata: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Customer:
    """The customer of ``conversation_id`` (created on first contact), after linking the identity
    the channel verified in ``metadata``: the site's user id and e-mail address, proof ``signed``.

    A site user id another record already holds makes the two one person (that record is kept).
    """
    customer = customer_for_conversation(
        session, conversation_id=conversation_id, channel=channel, language=language, now=now)
    metadata = metadata or {}
    user_id = metadata.get(VERIFIED_USER_ID)
    if isinstance(user_id, str) and 0 < len(user_id.strip()) <= MAX_USER_ID_CHARS:
        user_id = user_id.strip()
        owner = find_by_identity(session, SITE, user_id)
        if owner is None:
            add_identity(session, customer, SITE, user_id, "signed")
        elif owner.id != customer.id:
            merge_customers(session, kept=owner, merged=customer, agent_id=None, reason="signed identity from the site")
            customer = owner
    email = _valid_email(metadata.get(VERIFIED_EMAIL))
    if email is not None:
        customer = link_proven_email(session, customer=customer, email=email, proof="signed")
    return current(session, customer)


def _valid_email(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return normalize_email(value)
    except ValueError:
        return None


def is_verified(customer: Customer) -> bool:
    """Whether something proved who ``customer`` is: an e-mail address (a code or a signature), a
    phone number (WhatsApp) or a signed site identity. Only then may the bot show their tickets."""
    if customer.email or customer.phone:
        return True
    session = object_session(customer)
    if session is None:
        return False
    site = select(CustomerIdentity.id).where(CustomerIdentity.customer_id == customer.id, CustomerIdentity.kind == SITE)
    return session.scalar(site.limit(1)) is not None


def chat_reach(session: Session, conversation_id: str) -> str:
    """Where a message pushed into ``conversation_id`` now lands: ``chat`` (the customer sees it now),
    ``chat_later`` (a web chat nobody has open: it is there when they come back) or ``nobody``.

    A web chat is seen only while a browser has it open (the engine reports sockets:
    :func:`adjust_presence`); the REST channel never (it answers each request and cannot push an agent's
    reply); a messaging app always (its reply window is the channel's own concern).
    """
    conversation = session.execute(_CHAT_OF_CONVERSATION, {"conversation_id": conversation_id}).first()
    if conversation is not None and conversation.channel in PULL_CHANNELS:
        return "nobody"
    if channel_identity(conversation_id)[0] == "web" or (conversation is not None and conversation.channel in WEB_CHANNELS):
        return "chat" if conversation is not None and conversation.open_sockets > 0 else "chat_later"
    return "chat"


# Two columns by a statement built once: every delivered agent line asks (loading the conversation cost more).
_CHAT_OF_CONVERSATION = select(Conversation.channel, Conversation.open_sockets).where(
    Conversation.id == bindparam("conversation_id"))


def connected(session: Session, conversation_id: str) -> bool:
    """Whether the customer would see a message in ``conversation_id`` now (:func:`chat_reach`)."""
    return chat_reach(session, conversation_id) == "chat"


def adjust_presence(session: Session, conversation_id: str, *, open_: bool, now: datetime | None = None) -> int:
    """Count one web-chat socket of ``conversation_id`` opened or closed; returns how many are open.

    The conversation (and its customer) is created when the engine reports it first; the count
    never goes below 0 (a close reported twice, or after a restart of the helpdesk's database).
    """
    if session.get(Conversation, conversation_id) is None:
        customer_for_conversation(session, conversation_id=conversation_id, channel="socketio", now=now)
    counted = Conversation.open_sockets + (1 if open_ else -1)
    # One UPDATE, so two sockets reported at the same moment by two replicas are both counted.
    session.execute(update(Conversation).where(Conversation.id == conversation_id)
                    .values(open_sockets=case((counted < 0, 0), else_=counted))
                    .execution_options(synchronize_session=False))
    return session.scalar(select(Conversation.open_sockets).where(Conversation.id == conversation_id)) or 0

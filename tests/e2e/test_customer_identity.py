"""A logged-in visitor of the company's site, on the real stack: the widget's signed identity makes
the web chat's customer known (site user id, proven address) and their ticket theirs; a forged
signature links nothing; the helpdesk knows whether the chat is open."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from bot.customers.identity import connected
from bot.customers.store import find_by_identity
from bot.db import make_engine, make_session_factory, session_scope
from bot.engine.channels.trust import identity_hash
from bot.models import Conversation, Customer, CustomerIdentity, Ticket
from tests.e2e.conftest import E2E_SITE_SECRET
from tests.e2e.helpers import Visitor
from tests.e2e.standins import escalate

pytestmark = pytest.mark.e2e

ANSWERS = {r"your name": "Dana Levi", r"email": "typed@example.com",
           r"what's the problem|pass this on as": "My refund for order 1182 never arrived"}


@pytest.fixture
def sessions(stack):
    engine = make_engine(stack.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_a_signed_visitor_escalates_and_the_ticket_belongs_to_the_verified_customer(stack, sessions):
    user_id, email = f"u-{uuid.uuid4().hex[:8]}", f"dana-{uuid.uuid4().hex[:6]}@example.com"
    visitor = Visitor(stack.rasa_url)
    try:
        visitor.start(identity={"user_id": user_id, "email": email,
                                "user_hash": identity_hash(E2E_SITE_SECRET, f"{user_id}\n{email}")})
        reference = re.search(r"T-\d+", escalate(visitor.say, visitor.texts, ANSWERS).confirmation).group(0)
        with session_scope(sessions) as session:
            assert connected(session, visitor.conversation_id)
    finally:
        visitor.close()

    with session_scope(sessions) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        customer = session.get_one(Customer, ticket.customer_id)
        assert customer.email == email
        assert customer.name == ticket.customer_name  # a name given in the form fills the record
        assert find_by_identity(session, "site", user_id).id == customer.id
        assert session.scalars(select(CustomerIdentity.proof).where(
            CustomerIdentity.customer_id == customer.id, CustomerIdentity.kind == "email")).one() == "signed"
        assert session.get_one(Conversation, visitor.conversation_id).customer_id == customer.id
    assert stack.wait_for(lambda: _closed(sessions, visitor.conversation_id), timeout=15)


def test_a_forged_signature_links_nothing_and_forged_metadata_is_dropped(stack, sessions):
    user_id, email = f"u-{uuid.uuid4().hex[:8]}", f"ceo-{uuid.uuid4().hex[:6]}@example.com"
    visitor = Visitor(stack.rasa_url)
    try:
        visitor.start(identity={"user_id": user_id, "email": email,
                                "user_hash": identity_hash("a guessed secret", f"{user_id}\n{email}")})
        visitor.say("hi", metadata={"verified_user_id": user_id, "verified_email": email})
        assert visitor.next_message(timeout=60)
        reference = re.search(r"T-\d+", escalate(visitor.say, visitor.texts, ANSWERS).confirmation).group(0)
    finally:
        visitor.close()

    with session_scope(sessions) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        customer = session.get_one(Customer, ticket.customer_id)
        assert customer.email is None
        assert find_by_identity(session, "site", user_id) is None
        assert find_by_identity(session, "email", email) is None
        assert session.scalars(select(CustomerIdentity.kind).where(CustomerIdentity.customer_id == customer.id)).all() == ["web"]


def _closed(sessions, conversation_id: str) -> bool:
    with session_scope(sessions) as session:
        return not connected(session, conversation_id)

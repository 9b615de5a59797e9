"""A conversation's customer is found by its channel identity; records become one only on proof."""
import pytest

from bot.customers.store import (
    MergeRefused,
    channel_identity,
    customer_for_conversation,
    find_by_identity,
    link_proven_email,
    merge_customers,
)
from bot.models import Conversation, Customer, CustomerMerge


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


def test_a_conversation_id_names_its_channel_identity():
    assert channel_identity("telegram:52") == ("telegram", "52")
    assert channel_identity("whatsapp:+420777") == ("whatsapp", "+420777")
    assert channel_identity("legacy-id") == ("conversation", "legacy-id")


def test_first_contact_creates_the_customer_and_the_conversation_once(session):
    first = customer_for_conversation(session, conversation_id="web:abc", channel="socketio", language="he")
    again = customer_for_conversation(session, conversation_id="web:abc", channel="socketio", language="he")
    assert first.id == again.id
    assert session.get(Conversation, "web:abc").customer_id == first.id
    assert find_by_identity(session, "web", "abc").id == first.id


def test_a_whatsapp_number_is_proven_by_the_channel(session):
    customer = customer_for_conversation(session, conversation_id="whatsapp:+420777123456", channel="twilio")
    assert customer.phone == "+420777123456"


def test_two_channels_are_two_customers_until_one_proves_the_others_email(session):
    web = customer_for_conversation(session, conversation_id="web:abc", channel="socketio")
    web = link_proven_email(session, customer=web, email="Dana@Example.com", proof="code")
    telegram = customer_for_conversation(session, conversation_id="telegram:52", channel="telegram")
    assert telegram.id != web.id

    same = link_proven_email(session, customer=telegram, email="dana@example.com", proof="code")
    assert same.id == web.id
    assert customer_for_conversation(session, conversation_id="telegram:52", channel="telegram").id == web.id
    audit = session.query(CustomerMerge).one()
    assert (audit.kept_customer_id, audit.merged_customer_id, audit.agent_id) == (web.id, telegram.id, None)
    assert audit.details["conversations"] == 1


def test_an_agent_merge_moves_everything_and_fills_missing_details(session):
    kept = customer_for_conversation(session, conversation_id="web:a", channel="socketio")
    merged = customer_for_conversation(session, conversation_id="whatsapp:+1555", channel="twilio")
    merged.name = "Dana"
    merge_customers(session, kept=kept, merged=merged, agent_id=None, reason="same person")
    assert (kept.name, kept.phone) == ("Dana", "+1555")
    assert session.get(Customer, merged.id).merged_into_id == kept.id
    assert find_by_identity(session, "whatsapp", "+1555").id == kept.id
    with pytest.raises(MergeRefused):
        merge_customers(session, kept=kept, merged=merged, agent_id=None, reason="again")

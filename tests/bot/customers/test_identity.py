"""A conversation's customer with what the channel proved applied; whether they are verified and connected."""
import pytest

from bot.customers.identity import (
    VERIFIED_EMAIL,
    VERIFIED_USER_ID,
    adjust_presence,
    connected,
    customer_of_conversation,
    is_verified,
)
from bot.customers.store import customer_for_conversation, find_by_identity, link_proven_email
from bot.models import Conversation, CustomerMerge


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


def test_without_verified_metadata_the_customer_is_the_conversations_and_unverified(session):
    customer = customer_of_conversation(session, conversation_id="web:a", channel="socketio", language="cs",
                                        metadata={"email": "typed@example.com"})
    assert customer.email is None
    assert customer.language == "cs"
    assert not is_verified(customer)


def test_a_signed_site_identity_links_the_user_id_and_proves_the_email(session):
    customer = customer_of_conversation(session, conversation_id="web:a", channel="socketio", metadata={
        VERIFIED_USER_ID: "u-42", VERIFIED_EMAIL: "Dana@Example.com"})
    assert customer.email == "dana@example.com"
    assert find_by_identity(session, "site", "u-42").id == customer.id
    assert find_by_identity(session, "email", "dana@example.com").id == customer.id
    assert is_verified(customer)


def test_a_site_identity_alone_verifies_the_customer(session):
    customer = customer_of_conversation(session, conversation_id="web:a", channel="socketio",
                                        metadata={VERIFIED_USER_ID: "u-42"})
    assert customer.email is None
    assert is_verified(customer)


def test_the_same_site_user_in_a_second_browser_is_the_same_customer(session):
    first = customer_of_conversation(session, conversation_id="web:a", channel="socketio",
                                     metadata={VERIFIED_USER_ID: "u-42"})
    second = customer_of_conversation(session, conversation_id="web:b", channel="socketio",
                                      metadata={VERIFIED_USER_ID: "u-42"})
    assert second.id == first.id
    assert session.get(Conversation, "web:b").customer_id == first.id
    assert session.query(CustomerMerge).one().kept_customer_id == first.id


def test_a_signed_email_another_record_proved_merges_into_that_record(session):
    telegram = customer_for_conversation(session, conversation_id="telegram:52", channel="telegram")
    telegram = link_proven_email(session, customer=telegram, email="dana@example.com", proof="code")
    web = customer_of_conversation(session, conversation_id="web:a", channel="socketio",
                                   metadata={VERIFIED_EMAIL: "dana@example.com"})
    assert web.id == telegram.id


@pytest.mark.parametrize("metadata", [
    {VERIFIED_USER_ID: "", VERIFIED_EMAIL: "not an address"},
    {VERIFIED_USER_ID: 42, VERIFIED_EMAIL: ["dana@example.com"]},
    {VERIFIED_USER_ID: "x" * 256},
])
def test_unusable_verified_values_link_nothing(session, metadata):
    customer = customer_of_conversation(session, conversation_id="web:a", channel="socketio", metadata=metadata)
    assert not is_verified(customer)


def test_a_whatsapp_customer_is_verified_by_the_channel(session):
    assert is_verified(customer_of_conversation(session, conversation_id="whatsapp:+420777", channel="twilio",
                                                metadata=None))


def test_a_web_chat_is_connected_only_while_a_socket_is_open(session):
    assert not connected(session, "web:a")  # never seen
    assert adjust_presence(session, "web:a", open_=True) == 1
    assert adjust_presence(session, "web:a", open_=True) == 2
    assert connected(session, "web:a")
    assert adjust_presence(session, "web:a", open_=False) == 1
    assert adjust_presence(session, "web:a", open_=False) == 0
    assert not connected(session, "web:a")


def test_presence_never_counts_below_zero(session):
    assert adjust_presence(session, "web:a", open_=False) == 0
    assert adjust_presence(session, "web:a", open_=True) == 1


def test_a_messaging_app_is_always_connected(session):
    customer_for_conversation(session, conversation_id="telegram:52", channel="telegram")
    assert connected(session, "telegram:52")
    assert connected(session, "telegram:never-seen")


def test_a_rest_conversation_never_sees_a_pushed_message(session):
    """REST answers each request of the customer's and cannot push an agent's reply, so it goes by e-mail."""
    customer_for_conversation(session, conversation_id="sarah-1", channel="rest")
    assert not connected(session, "sarah-1")


def test_a_legacy_web_conversation_is_known_by_its_channel(session):
    customer_for_conversation(session, conversation_id="0123abcd", channel="socketio")
    assert not connected(session, "0123abcd")

"""The callback channel end to end: a custom gateway talking to the real stack.

Messages are posted, signed, to Rasa's callback webhook as a gateway would; the bot's replies
and the agent's handoff replies are posted, signed, to the local collector (``CALLBACK_URL``).
"""
from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.helpers import AgentClient
from tests.e2e.standins import StandIns, escalate, post_callback, push_agent_line

pytestmark = pytest.mark.e2e

GREETING = "support assistant"


@pytest.fixture
def customer() -> str:
    """A fresh gateway user id (the Rasa conversation is ``callback:<id>``)."""
    return f"gw-{uuid.uuid4().hex[:12]}"


def rasa_log_mentions(stack, text: str) -> bool:
    return text in (stack.running.settings.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")


def user_events(stack, customer: str) -> list[dict]:
    return [event for event in stack.tracker(f"callback:{customer}")["events"] if event["event"] == "user"]


def test_a_greeting_from_a_gateway_is_answered_at_the_callback_url_signed(stack, standins: StandIns, customer):
    response = post_callback(stack.rasa_url, {"sender": customer, "message": "hi"})

    assert response.status_code == 200
    assert standins.callback.wait_for(customer, lambda message: GREETING in message.get("text", ""), timeout=60)
    assert standins.callback.rejected == 0  # every post carried a valid signature
    [event] = user_events(stack, customer)
    assert event["input_channel"] == "callback"


def test_the_gateways_metadata_reaches_the_actions(stack, customer):
    identity = {"customer_name": "Karel Novák", "customer_email": "karel.novak@example.com"}

    assert post_callback(stack.rasa_url, {"sender": customer, "message": "hello", "metadata": identity}).ok

    [event] = user_events(stack, customer)
    assert event["parse_data"]["metadata"] == identity  # tracker.latest_message["metadata"]


@pytest.mark.parametrize("secret", [None, "guessed"], ids=["unsigned", "wrong-key"])
def test_a_webhook_with_a_bad_signature_is_refused_and_never_reaches_the_bot(stack, standins, customer, secret):
    response = post_callback(stack.rasa_url, {"sender": customer, "message": "hi"}, secret=secret)

    assert response.status_code == 403
    assert user_events(stack, customer) == []
    assert standins.callback.messages(customer) == []
    assert stack.wait_for(lambda: rasa_log_mentions(stack, "Rejected callback webhook"))
    assert not rasa_log_mentions(stack, standins.callback.secret)


@pytest.mark.parametrize("malformed", [
    lambda customer: b"{not json",
    lambda customer: json.dumps({"sender": customer}).encode(),
    lambda customer: json.dumps({"sender": customer, "message": 42}).encode(),
    lambda customer: json.dumps({"sender": customer, "message": "hi", "metadata": "Dana"}).encode(),
], ids=["broken-json", "no-message", "numeric-message", "metadata-not-object"])
def test_a_malformed_payload_is_a_400_and_never_reaches_the_bot(stack, customer, malformed):
    response = post_callback(stack.rasa_url, malformed(customer))

    assert response.status_code == 400
    assert user_events(stack, customer) == []


def test_a_line_rasa_pushes_for_the_helpdesk_reaches_the_gateway_signed(stack, standins: StandIns, customer):
    assert post_callback(stack.rasa_url, {"sender": customer, "message": "hi"}).ok

    response = push_agent_line(stack.rasa_url, stack.rasa_token, f"callback:{customer}", "مرحبا، أنا أتحقق من طلبك")

    assert response.status_code == 200
    assert standins.callback.wait_for(customer, lambda message: "أتحقق من طلبك" in message.get("text", ""))
    assert standins.callback.rejected == 0


def test_an_agent_reply_during_a_handoff_reaches_the_gateway(stack, standins: StandIns, customer):
    identity = {"customer_name": "Karel Novák", "customer_email": "karel.novak@example.com"}

    def send(text: str) -> None:
        assert post_callback(stack.rasa_url, {"sender": customer, "message": text, "metadata": identity}).ok

    agent = AgentClient.new_online_agent(stack, "callback-agent@acme.example", "Lena")
    escalation = escalate(send, lambda: [m.get("text", "") for m in standins.callback.messages(customer)], {
        r"your name": "Karel Novák",
        r"email": "karel.novak@example.com",
        r"what's the problem": "I was charged twice for order 1042",
    })
    assert escalation.asked == [r"what's the problem"]  # the gateway told the bot who the customer is

    agent.claim(escalation.reference)
    agent.reply(escalation.reference, "Hello Karel, Lena here. I've refunded the second charge.")

    assert standins.callback.wait_for(customer, lambda message: "refunded the second charge" in message.get("text", ""),
                                      timeout=60)
    assert standins.callback.rejected == 0

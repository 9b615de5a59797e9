"""Telegram end to end: the real Rasa server, action server and helpdesk, Telegram stood in for.

Updates are posted to Rasa's Telegram webhook as Telegram would post them; the bot's replies
and the agent's handoff replies arrive at the local Bot API stand-in (``TELEGRAM_API_URL``).
"""
from __future__ import annotations

import json
import random

import pytest

from tests.e2e.helpers import AgentClient
from tests.e2e.standins import (
    TELEGRAM_SECRET_TOKEN,
    StandIns,
    escalate,
    post_telegram_update,
    push_agent_line,
    telegram_update,
)

pytestmark = pytest.mark.e2e

GREETING = "support assistant"


@pytest.fixture
def chat_id() -> int:
    """A fresh Telegram private chat (the Rasa conversation is ``telegram:<chat id>``)."""
    return random.randint(10**9, 10**10)


def rasa_log_mentions(stack, text: str) -> bool:
    return text in (stack.running.settings.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")


def user_events(stack, chat_id: int) -> list[dict]:
    return [event for event in stack.tracker(f"telegram:{chat_id}")["events"] if event["event"] == "user"]


def test_rasa_registers_its_webhook_with_telegram_at_start(stack, standins: StandIns):
    assert {"url": stack.env["TELEGRAM_WEBHOOK_URL"], "secret_token": TELEGRAM_SECRET_TOKEN} in \
        standins.telegram.calls("setWebhook")


def test_a_greeting_on_telegram_is_answered_in_the_chat(stack, standins: StandIns, chat_id):
    response = post_telegram_update(stack.rasa_url, telegram_update(chat_id, "hi"))

    assert response.status_code == 200
    assert standins.telegram.wait_for(chat_id, lambda message: GREETING in message["text"], timeout=60)
    [event] = user_events(stack, chat_id)
    assert event["input_channel"] == "telegram"
    # what the actions read as tracker.latest_message["metadata"]
    assert event["parse_data"]["metadata"] == {"customer_name": "Dana Levi", "telegram_username": "dana_l", "language": "en"}


@pytest.mark.parametrize("secret", [None, "guessed"], ids=["missing", "wrong"])
def test_an_update_without_the_secret_token_is_refused_and_never_reaches_the_bot(stack, standins, chat_id, secret):
    response = post_telegram_update(stack.rasa_url, telegram_update(chat_id, "hi"), secret_token=secret)

    assert response.status_code == 403
    assert user_events(stack, chat_id) == []
    assert standins.telegram.messages(chat_id) == []
    assert stack.wait_for(lambda: rasa_log_mentions(stack, "Rejected telegram webhook"))
    assert not rasa_log_mentions(stack, TELEGRAM_SECRET_TOKEN)


@pytest.mark.parametrize("malformed", [
    lambda chat_id: b"{not json",
    lambda chat_id: json.dumps({"update_id": 1, "message": {"chat": {"id": chat_id}, "text": ["hi"]}}).encode(),
    lambda chat_id: json.dumps({"update_id": "1", "message": {"chat": {"id": chat_id}, "text": "hi"}}).encode(),
], ids=["broken-json", "text-not-string", "string-update-id"])
def test_a_malformed_update_is_a_400_and_never_reaches_the_bot(stack, standins, chat_id, malformed):
    response = post_telegram_update(stack.rasa_url, malformed(chat_id))

    assert response.status_code == 400
    assert user_events(stack, chat_id) == []
    assert standins.telegram.messages(chat_id) == []


def test_a_line_rasa_pushes_for_the_helpdesk_reaches_the_chat_the_customer_wrote_from(stack, standins, chat_id):
    assert post_telegram_update(stack.rasa_url, telegram_update(chat_id, "hi")).status_code == 200

    response = push_agent_line(stack.rasa_url, stack.rasa_token, f"telegram:{chat_id}", "שלום דנה, אני בודק את ההזמנה")

    assert response.status_code == 200
    assert standins.telegram.wait_for(chat_id, lambda message: "אני בודק את ההזמנה" in message["text"])


def test_an_agent_reply_during_a_handoff_reaches_the_telegram_chat(stack, standins: StandIns, chat_id):
    def send(text: str) -> None:
        assert post_telegram_update(stack.rasa_url, telegram_update(chat_id, text)).status_code == 200

    agent = AgentClient.new_online_agent(stack, "telegram-agent@acme.example", "Omer")
    escalation = escalate(send, lambda: [m["text"] for m in standins.telegram.messages(chat_id)], {
        r"your name": "Dana Levi",
        r"email": "dana.levi@example.com",
        r"what's the problem": "My parcel says delivered but it never arrived",
    })
    assert r"your name" not in escalation.asked  # Telegram told the bot who the customer is

    agent.claim(escalation.reference)
    agent.reply(escalation.reference, "Hi Dana, Omer here. I've asked the courier where your parcel is.")

    assert standins.telegram.wait_for(chat_id, lambda message: "asked the courier" in message["text"], timeout=60)


def test_a_line_for_a_customer_who_blocked_the_bot_fails_with_the_reason_for_the_helpdesk(stack, standins, chat_id):
    assert post_telegram_update(stack.rasa_url, telegram_update(chat_id, "hi")).status_code == 200
    standins.telegram.wait_for(chat_id, lambda message: GREETING in message["text"], timeout=60)
    standins.telegram.refusing[str(chat_id)] = "Forbidden: bot was blocked by the user"
    try:
        response = push_agent_line(stack.rasa_url, stack.rasa_token, f"telegram:{chat_id}", "Are you still there?")
    finally:
        del standins.telegram.refusing[str(chat_id)]

    assert response.status_code == 500  # what Rasa's trigger_intent answers; bot/helpdesk/rasa_bridge.py reads the text
    assert "recipient unreachable: the customer blocked the bot on Telegram" in response.text

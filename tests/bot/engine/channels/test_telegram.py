"""Telegram (``bot/engine/channels/telegram.py``) in the channel harness: the secret token, strict
parsing, the customer's name, conversation ids, button presses, long replies, agent pushes and
refusals that will not heal."""
from __future__ import annotations

import json

import pytest

from tests.bot.engine.channels.echo import OFFER_TEXT, OFFERED_PAYLOAD
from tests.e2e.standins import TELEGRAM_SECRET_TOKEN, post_telegram_update, telegram_button_press, telegram_update


def test_telegram_webhook_is_registered_at_start_with_the_secret_token(harness, platforms):
    registration = platforms.telegram.wait_for_call("setWebhook")
    assert registration == {"url": "https://effortless.example/webhooks/telegram/webhook",
                            "secret_token": TELEGRAM_SECRET_TOKEN}


def test_a_telegram_message_reaches_the_bot_with_the_customers_name_and_the_reply_comes_back(harness, platforms):
    response = post_telegram_update(harness.url, telegram_update(1001, "Where is my order?"))
    assert response.status_code == 200
    assert harness.messages_from("telegram:1001") == [{
        "text": "Where is my order?", "sender_id": "telegram:1001", "input_channel": "telegram",
        "metadata": {"customer_name": "Dana Levi", "telegram_username": "dana_l", "language": "en"},
    }]
    assert platforms.telegram.wait_for(1001)["text"] == "echo: Where is my order?"


def test_a_press_on_a_button_the_bot_offered_reaches_the_bot_as_its_payload_and_is_acknowledged(harness, platforms):
    assert post_telegram_update(harness.url, telegram_update(1002, OFFER_TEXT)).status_code == 200
    offered = platforms.telegram.wait_for(1002)["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert offered == OFFERED_PAYLOAD

    update = telegram_button_press(1002, offered)
    assert post_telegram_update(harness.url, update).status_code == 200
    assert harness.user_texts("telegram:1002") == [OFFER_TEXT, OFFERED_PAYLOAD]
    assert {"callback_query_id": update["callback_query"]["id"]} in platforms.telegram.calls("answerCallbackQuery")


def test_a_button_press_the_bot_never_offered_reaches_the_bot_as_plain_text(harness):
    forged = telegram_button_press(1011, '/EXTERNAL_ticket_resolved{"resolution_id": "7"}')
    assert post_telegram_update(harness.url, forged).status_code == 200
    assert harness.user_texts("telegram:1011") == ['EXTERNAL_ticket_resolved{"resolution_id": "7"}']


@pytest.mark.parametrize("command", ["/start", "/start campaign-42"])
def test_telegrams_start_command_reaches_the_bot_as_a_greeting(harness, command):
    assert post_telegram_update(harness.url, telegram_update(1010, command)).status_code == 200
    assert harness.messages_from("telegram:1010")[-1]["text"] == "/greet"


@pytest.mark.parametrize("secret", [None, "wrong-secret", "tökën"], ids=["missing", "wrong", "non-ascii"])
def test_a_telegram_webhook_without_the_secret_token_is_refused_and_logged(harness, secret):
    response = post_telegram_update(harness.url, telegram_update(1003, "hello"), secret_token=secret)
    assert response.status_code == 403
    assert harness.messages_from("telegram:1003") == []
    assert "Rejected telegram webhook" in harness.log()
    harness.assert_no_secret_logged()


@pytest.mark.parametrize("body", [
    b"",
    b"{not json",
    b"\xff\xfe\x00binary",
    json.dumps([1, 2]).encode(),
    json.dumps({"update_id": "7", "message": {"chat": {"id": 1004}, "text": "hi"}}).encode(),
    json.dumps({"update_id": 7, "message": "hi"}).encode(),
    json.dumps({"update_id": 7, "message": {"text": "hi"}}).encode(),
    json.dumps({"update_id": 7, "message": {"chat": {"id": "1004"}, "text": "hi"}}).encode(),
    json.dumps({"update_id": 7, "message": {"chat": {"id": 1004}, "text": ["hi"]}}).encode(),
    json.dumps({"update_id": 7, "callback_query": {"id": 5, "data": "/greet",
                                                    "message": {"chat": {"id": 1004}}}}).encode(),
], ids=["empty", "broken-json", "binary", "list", "string-update-id", "message-not-object", "no-chat",
        "string-chat-id", "text-not-string", "numeric-callback-id"])
def test_a_malformed_telegram_update_is_a_400_and_never_reaches_the_bot(harness, body):
    response = post_telegram_update(harness.url, body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert harness.messages_from("telegram:1004") == []


@pytest.mark.parametrize("update", [
    {"update_id": 8, "message": {"message_id": 1, "date": 0, "chat": {"id": 1005, "type": "private"},
                                 "sticker": {"file_id": "x"}}},
    {"update_id": 9, "channel_post": {"message_id": 1, "date": 0, "chat": {"id": 1005, "type": "channel"},
                                      "text": "news"}},
    {"update_id": 10, "message": {"message_id": 1, "date": 0, "chat": {"id": 1005}, "text": "   "}},
], ids=["sticker", "channel-post", "blank-text"])
def test_telegram_updates_without_text_are_acknowledged_and_ignored(harness, platforms, update):
    assert post_telegram_update(harness.url, update).status_code == 200
    assert harness.messages_from("telegram:1005") == []
    assert platforms.telegram.messages(1005) == []


@pytest.mark.parametrize("text", [
    "שלום, ההזמנה שלי לא הגיעה",
    "مرحبا، أين طلبي؟",
    "<script>alert('x')</script> & <b>bold</b>",
    "'; DROP TABLE tickets; --",
], ids=["hebrew", "arabic", "html", "sql"])
def test_an_agent_reply_is_pushed_to_the_telegram_chat_verbatim(harness, platforms, text):
    response = harness.push("telegram", "telegram:1006", text)
    assert response.status_code == 200
    assert platforms.telegram.wait_for(1006, lambda m: m["text"] == text)


def test_a_long_telegram_reply_is_split_into_messages_within_telegrams_limit(harness, platforms):
    text = "🙂" * 3000 + "x" * 5000  # 11,000 UTF-16 units; the emoji take two each
    assert harness.push("telegram", "telegram:1007", text).status_code == 200
    platforms.telegram.wait_for(1007, lambda m: m["text"].endswith("x" * 10))
    parts = [m["text"] for m in platforms.telegram.messages(1007)]
    assert "".join(parts) == text
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in parts)


def test_during_a_telegram_outage_the_message_still_reaches_the_bot_and_the_failure_is_logged(harness, platforms):
    platforms.telegram.failing = True
    try:
        response = post_telegram_update(harness.url, telegram_update(1008, "anyone there?"))
    finally:
        platforms.telegram.failing = False
    assert response.status_code == 200
    assert harness.user_texts("telegram:1008") == ["anyone there?"]
    assert "Could not deliver a message to Telegram chat telegram:1008" in harness.log()


def test_an_agent_reply_telegram_refuses_fails_the_push_so_the_helpdesk_can_retry_it(harness, platforms):
    platforms.telegram.failing = True
    try:
        response = harness.push("telegram", "telegram:1009", "Dana here: your refund is on its way")
    finally:
        platforms.telegram.failing = False
    assert response.status_code == 500
    assert "recipient unreachable" not in response.text  # an outage heals: the helpdesk retries
    assert platforms.telegram.messages(1009) == []


def test_a_conversation_from_before_ids_were_namespaced_still_gets_its_pushes(harness, platforms):
    assert harness.push("telegram", "1012", "still here").status_code == 200
    assert platforms.telegram.wait_for(1012)["text"] == "still here"


@pytest.mark.parametrize("description, reason", [
    ("Forbidden: bot was blocked by the user", "the customer blocked the bot on Telegram"),
    ("Bad Request: chat not found", "Telegram no longer knows this chat"),
    ("Forbidden: user is deactivated", "the customer's Telegram account was deleted"),
], ids=["blocked", "chat-not-found", "deactivated"])
def test_an_agent_reply_telegram_refuses_for_good_fails_the_push_with_the_reason(harness, platforms, description,
                                                                                  reason):
    platforms.telegram.refusing["1013"] = description
    try:
        response = harness.push("telegram", "telegram:1013", "Dana here: your refund is on its way")
    finally:
        del platforms.telegram.refusing["1013"]
    assert response.status_code == 500
    assert f"recipient unreachable: {reason}" in response.text

"""The guard every connector hands messages through (``bot/engine/channels/guard.py``), in the
channel harness: empty and over-long messages, typed payloads, and the wait while the action
server restarts. The customer-facing texts are the real domain's responses."""
from __future__ import annotations

import time

import pytest
import requests

from tests.bot.engine.channels.conftest import GUARDED_ACTION_SERVER_WAIT_S, GUARDED_MAX_MESSAGE_CHARS, REST_TOKEN
from tests.bot.engine.channels.echo import OFFER_TEXT, OFFERED_PAYLOAD
from tests.e2e.standins import post_callback

# ActionServerHealth.FRESH_S (bot/engine/channels/guard.py, not importable here) and a margin.
GUARD_HEALTH_CACHE_S = 0.75
TOO_LONG = "that message is too long for me to read"
TOO_LONG_HEBREW = "ההודעה ארוכה מדי"
ONE_MOMENT = "One moment, please…"
TRY_AGAIN = "Please try again in a few minutes."


def callback_texts(platforms, sender: str) -> list[str]:
    return [message.get("text", "") for message in platforms.callback.messages(sender)]


@pytest.mark.parametrize("text", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_an_empty_message_is_ignored_without_an_answer(guarded_harness, platforms, text):
    assert post_callback(guarded_harness.url, {"sender": "gw-7001", "message": text}).status_code == 200
    assert post_callback(guarded_harness.url, {"sender": "gw-7001", "message": "marker"}).status_code == 200
    assert guarded_harness.user_texts("callback:gw-7001")[-1] == "marker"
    assert text not in guarded_harness.user_texts("callback:gw-7001")
    assert not [t for t in callback_texts(platforms, "gw-7001") if t != "echo: marker"]


@pytest.mark.parametrize("metadata, reply", [({}, TOO_LONG), ({"language": "he"}, TOO_LONG_HEBREW)],
                         ids=["english", "hebrew-hint"])
def test_an_over_long_message_is_answered_with_a_request_to_shorten_it_and_not_processed(
        guarded_harness, platforms, metadata, reply):
    sender = f"gw-7002-{len(metadata)}"
    text = "x" * (GUARDED_MAX_MESSAGE_CHARS + 1)
    assert post_callback(guarded_harness.url, {"sender": sender, "message": text, "metadata": metadata}).ok
    assert reply in platforms.callback.wait_for(sender)["text"]
    assert guarded_harness.messages_from(f"callback:{sender}") == []
    assert "Refused a 201-character message" in guarded_harness.log()


def test_a_message_at_the_cap_is_processed(guarded_harness, platforms):
    text = "y" * GUARDED_MAX_MESSAGE_CHARS
    assert post_callback(guarded_harness.url, {"sender": "gw-7003", "message": text}).ok
    assert guarded_harness.user_texts("callback:gw-7003") == [text]


@pytest.mark.parametrize("typed", [
    '/EXTERNAL_ticket_resolved{"resolution_id":"7"}',
    '/EXTERNAL_agent_message{"agent_message": "refund approved", "agent_name": "Omer"}',
    "/EXTERNAL_ticket_reopened",
    '/rate_effort{"score": 1}',
    "/affirm@0.01",
], ids=["resolved", "agent-message", "bare-external", "entities-not-offered", "confidence"])
def test_a_typed_payload_the_bot_did_not_offer_reaches_the_bot_as_plain_text(guarded_harness, typed):
    sender = f"gw-7004-{abs(hash(typed))}"
    assert post_callback(guarded_harness.url, {"sender": sender, "message": typed}).ok
    [received] = guarded_harness.user_texts(f"callback:{sender}")
    assert not received.startswith("/") and received in typed
    assert "Neutralised a typed payload" in guarded_harness.log()


@pytest.mark.parametrize("typed", ["/restart", "/greet", "where is /my/order", "1"])
def test_bare_customer_intents_and_ordinary_text_pass_unchanged(guarded_harness, typed):
    sender = f"gw-7005-{abs(hash(typed))}"
    assert post_callback(guarded_harness.url, {"sender": sender, "message": typed}).ok
    assert guarded_harness.user_texts(f"callback:{sender}") == [typed]


def test_a_number_typed_after_buttons_is_the_button_it_names(guarded_harness):
    """WhatsApp lists buttons as numbered lines (bot/engine/channels/numbered.py); "1" answers with the first."""
    assert post_callback(guarded_harness.url, {"sender": "gw-7010", "message": OFFER_TEXT}).ok
    assert post_callback(guarded_harness.url, {"sender": "gw-7010", "message": "1"}).ok
    assert post_callback(guarded_harness.url, {"sender": "gw-7010", "message": "1"}).ok  # nothing offered now

    assert guarded_harness.user_texts("callback:gw-7010") == [OFFER_TEXT, OFFERED_PAYLOAD, "1"]


def test_a_payload_the_bot_offered_passes_and_only_in_that_conversation(guarded_harness):
    assert post_callback(guarded_harness.url, {"sender": "gw-7006", "message": OFFER_TEXT}).ok
    assert post_callback(guarded_harness.url, {"sender": "gw-7006", "message": OFFERED_PAYLOAD}).ok
    assert guarded_harness.user_texts("callback:gw-7006") == [OFFER_TEXT, OFFERED_PAYLOAD]
    # the same payload, in a conversation where the bot never offered it
    assert post_callback(guarded_harness.url, {"sender": "gw-7007", "message": OFFERED_PAYLOAD}).ok
    assert guarded_harness.user_texts("callback:gw-7007") == [OFFERED_PAYLOAD.lstrip("/")]


@pytest.fixture
def action_server_down(action_server):
    """The action server stops answering; the guard's last "up" has gone stale."""
    action_server.up = False
    time.sleep(GUARD_HEALTH_CACHE_S)
    yield action_server
    action_server.up = True
    time.sleep(GUARD_HEALTH_CACHE_S)  # the next test starts with a stale "down"


def test_while_the_action_server_restarts_the_customer_hears_one_moment_and_the_message_is_then_processed(
        guarded_harness, platforms, action_server_down):
    assert post_callback(guarded_harness.url, {"sender": "gw-7008", "message": "where is my parcel?"}).ok
    assert platforms.callback.wait_for("gw-7008")["text"] == ONE_MOMENT
    assert guarded_harness.messages_from("callback:gw-7008") == []  # held

    action_server_down.up = True

    assert platforms.callback.wait_for("gw-7008", lambda m: m["text"] == "echo: where is my parcel?")
    assert guarded_harness.user_texts("callback:gw-7008") == ["where is my parcel?"]
    assert callback_texts(platforms, "gw-7008") == [ONE_MOMENT, "echo: where is my parcel?"]


def test_a_new_conversation_hears_one_moment_in_the_language_of_its_first_message(
        guarded_harness, platforms, action_server_down):
    """Until 5 December an Arabic customer heard it in English: the conversation had no language yet."""
    assert post_callback(guarded_harness.url, {"sender": "gw-7012", "message": "بدي بدل اللون"}).ok
    assert platforms.callback.wait_for("gw-7012")["text"] == "لحظة من فضلك…"

    action_server_down.up = True

    assert platforms.callback.wait_for("gw-7012", lambda m: m["text"] == "echo: بدي بدل اللون")


def test_if_the_action_server_does_not_come_back_the_customer_is_asked_to_try_again_later(
        guarded_harness, action_server_down):
    started = time.monotonic()
    response = requests.post(f"{guarded_harness.url}/webhooks/rest/webhook", timeout=60,
                             json={"sender": "waiting", "message": "where is my parcel?"},
                             headers={"Authorization": f"Bearer {REST_TOKEN}"})
    assert response.status_code == 200
    [one_moment, try_again] = [reply["text"] for reply in response.json()]
    assert (one_moment, TRY_AGAIN in try_again) == (ONE_MOMENT, True)
    assert time.monotonic() - started >= GUARDED_ACTION_SERVER_WAIT_S
    assert guarded_harness.messages_from("rest:waiting") == []
    assert "The action server stayed unreachable" in guarded_harness.log()

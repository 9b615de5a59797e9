"""WhatsApp through Twilio (``bot/engine/channels/twilio.py``) in the channel harness: Twilio's
signature, the profile name, replies and agent pushes through the REST API stand-in."""
from __future__ import annotations

import pytest
import requests

from tests.bot.channel_env import TWILIO_ENV
from tests.bot.engine.channels.echo import OFFER_TEXT, OFFERED_PAYLOAD
from tests.bot.engine.channels.harness import twilio_message, twilio_signature


def test_a_twilio_whatsapp_message_with_a_valid_signature_reaches_the_bot_with_the_profile_name(harness):
    url = f"{harness.url}/webhooks/twilio/webhook"
    form = {"From": "whatsapp:+972501234567", "To": "whatsapp:+14155238886", "Body": "I need help",
            "ProfileName": "Yael"}
    signature = twilio_signature(url, form, TWILIO_ENV["TWILIO_AUTH_TOKEN"])
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 204
    assert harness.messages_from("whatsapp:+972501234567") == [{
        "text": "I need help", "sender_id": "whatsapp:+972501234567", "input_channel": "twilio",
        "metadata": {"customer_name": "Yael"},
    }]


@pytest.mark.parametrize("signature", [None, "bm90IGEgc2lnbmF0dXJl"], ids=["unsigned", "wrong"])
def test_a_twilio_message_with_a_bad_signature_is_refused(harness, signature):
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = requests.post(f"{harness.url}/webhooks/twilio/webhook", headers=headers, timeout=10,
                             data={"From": "whatsapp:+972500000000", "Body": "hi"})
    assert response.status_code == 403
    assert harness.messages_from("whatsapp:+972500000000") == []
    assert "Rejected twilio webhook" in harness.log()


def test_a_whatsapp_reply_is_sent_through_twilio_from_the_business_number(harness, apps):
    url = f"{harness.url}/webhooks/twilio/webhook"
    form, headers = twilio_message("whatsapp:+972501110001", "שלום, איפה ההזמנה?", url)
    assert requests.post(url, data=form, headers=headers, timeout=10).status_code == 204
    assert apps.twilio.wait_for("whatsapp:+972501110001") == {"text": "echo: שלום, איפה ההזמנה?",
                                                              "from": TWILIO_ENV["TWILIO_WHATSAPP_NUMBER"]}


def test_whatsapp_buttons_are_numbered_lines_and_the_number_typed_back_presses_one(harness, apps):
    url = f"{harness.url}/webhooks/twilio/webhook"
    sender = "whatsapp:+972501110077"
    form, headers = twilio_message(sender, OFFER_TEXT, url)
    assert requests.post(url, data=form, headers=headers, timeout=10).status_code == 204
    # One message, no payload in sight (Rasa sent each button alone as "1: Rate 6 (/rate_effort{...})").
    assert apps.twilio.wait_for(sender)["text"] == f"echo: {OFFER_TEXT}\n1. Rate 6"

    form, headers = twilio_message(sender, "1", url)
    assert requests.post(url, data=form, headers=headers, timeout=10).status_code == 204

    assert [message["text"] for message in harness.messages_from(sender)] == [OFFER_TEXT, OFFERED_PAYLOAD]


def test_an_agent_reply_is_pushed_to_whatsapp_through_twilio(harness, apps):
    assert harness.push("twilio", "whatsapp:+972501110002", "Your refund is on its way").status_code == 200
    assert apps.twilio.wait_for("whatsapp:+972501110002")["text"] == "Your refund is on its way"


@pytest.mark.parametrize("code, reason", [
    (63016, "WhatsApp's 24-hour window has closed"),
    (21610, "the customer unsubscribed"),
], ids=["window-closed", "unsubscribed"])
def test_an_agent_reply_twilio_refuses_for_good_fails_the_push_with_the_reason(harness, apps, code, reason):
    apps.twilio.refusing["whatsapp:+972501110004"] = code
    try:
        response = harness.push("twilio", "whatsapp:+972501110004", "Your refund is on its way")
    finally:
        del apps.twilio.refusing["whatsapp:+972501110004"]
    assert response.status_code == 500
    assert f"recipient unreachable: {reason}" in response.text


def test_a_message_to_the_number_that_is_not_from_whatsapp_is_refused(harness):
    url = f"{harness.url}/webhooks/twilio/webhook"
    form, headers = twilio_message("+972501110005", "an SMS", url)
    response = requests.post(url, data=form, headers=headers, timeout=10)
    assert response.status_code == 400
    assert "whatsapp:" in response.json()["error"]
    assert harness.messages_from("whatsapp:+972501110005") == []

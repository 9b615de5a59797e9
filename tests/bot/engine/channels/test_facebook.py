"""Facebook Messenger (``bot/engine/channels/facebook.py``) in the channel harness: the hub
signature, malformed bodies, replies and agent pushes through the Send API stand-in."""
from __future__ import annotations

import hashlib
import hmac

import pytest
import requests

from tests.bot.channel_env import FACEBOOK_ENV
from tests.bot.engine.channels.harness import facebook_event


@pytest.mark.parametrize("signature", [None, "sha1=0000", "md5=abc", "new=abc", "garbage"])
def test_a_facebook_webhook_with_a_bad_signature_is_refused(harness, signature):
    headers = {"X-Hub-Signature": signature} if signature else {}
    body = {"object": "page", "entry": [{"messaging": [{"sender": {"id": "fb-4001"}, "message": {"text": "hi"}}]}]}
    response = requests.post(f"{harness.url}/webhooks/facebook/webhook", json=body, headers=headers, timeout=10)
    assert response.status_code == 403
    assert harness.messages_from("messenger:fb-4001") == []
    assert "Rejected facebook webhook" in harness.log()


def test_a_signed_but_malformed_facebook_webhook_is_a_400(harness):
    body = b"[not json"
    signature = "sha1=" + hmac.new(FACEBOOK_ENV["FACEBOOK_SECRET"].encode(), body, hashlib.sha1).hexdigest()
    response = requests.post(f"{harness.url}/webhooks/facebook/webhook", data=body, timeout=10,
                             headers={"X-Hub-Signature": signature, "Content-Type": "application/json"})
    assert response.status_code == 400


def test_a_signed_messenger_message_reaches_the_bot_and_the_reply_reaches_messenger(harness, apps):
    body, headers = facebook_event("fb-6001", "ahoj, kde je moje objednávka?")
    response = requests.post(f"{harness.url}/webhooks/facebook/webhook", data=body, headers=headers, timeout=10)
    assert response.status_code == 200
    assert [m["text"] for m in harness.wait_for_messages_from("messenger:fb-6001")] == ["ahoj, kde je moje objednávka?"]
    assert apps.messenger.wait_for("fb-6001") == {"text": "echo: ahoj, kde je moje objednávka?",
                                                  "messaging_type": "RESPONSE"}


def test_an_agent_reply_is_pushed_to_messenger(harness, apps):
    assert harness.push("facebook", "messenger:fb-6002", "مرحبا، أنا من فريق الدعم").status_code == 200
    assert apps.messenger.wait_for("fb-6002")["text"] == "مرحبا، أنا من فريق الدعم"


@pytest.mark.parametrize("error, reason", [
    ({"message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException", "code": 10,
      "error_subcode": 2018278}, "Messenger's 24-hour window has closed"),
    ({"message": "(#551) This person isn't available right now.", "type": "OAuthException", "code": 551,
      "error_subcode": 1545041}, "the customer is not available on Messenger"),
], ids=["window-closed", "unavailable"])
def test_an_agent_reply_messenger_refuses_for_good_fails_the_push_with_the_reason(harness, apps, error, reason):
    apps.messenger.refusing["fb-6004"] = error
    try:
        response = harness.push("facebook", "messenger:fb-6004", "your refund is on its way")
    finally:
        del apps.messenger.refusing["fb-6004"]
    assert response.status_code == 500
    assert f"recipient unreachable: {reason}" in response.text

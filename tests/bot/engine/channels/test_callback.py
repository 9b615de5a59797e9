"""The callback channel (``bot/engine/channels/callback.py``) in the channel harness: HMAC-signed
webhooks in both directions, strict payloads, conversation ids, agent pushes."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import requests

from tests.e2e.standins import CALLBACK_SECRET, post_callback


def test_a_signed_callback_message_reaches_the_bot_with_its_metadata_and_the_reply_is_signed(harness, platforms):
    metadata = {"customer_name": "Noa Cohen", "customer_email": "noa@example.com"}
    response = post_callback(harness.url, {"sender": "gw-2001", "message": "שלום", "metadata": metadata})
    assert response.status_code == 200
    assert harness.messages_from("callback:gw-2001") == [
        {"text": "שלום", "sender_id": "callback:gw-2001", "input_channel": "callback", "metadata": metadata}]
    # the gateway gets its own sender id back
    assert platforms.callback.wait_for("gw-2001") == {"recipient_id": "gw-2001", "text": "echo: שלום"}
    assert platforms.callback.rejected == 0  # the collector verified the signature


@pytest.mark.parametrize("secret", [None, "not-the-secret"], ids=["unsigned", "wrong-key"])
def test_a_callback_webhook_with_a_bad_signature_is_refused_and_logged(harness, secret):
    response = post_callback(harness.url, {"sender": "gw-2002", "message": "hi"}, secret=secret)
    assert response.status_code == 403
    assert harness.messages_from("callback:gw-2002") == []
    assert "Rejected callback webhook" in harness.log()
    harness.assert_no_secret_logged()


def test_a_callback_body_changed_after_signing_is_refused(harness):
    body = json.dumps({"sender": "gw-2003", "message": "hi"}).encode()
    signature = "sha256=" + hmac.new(CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = requests.post(f"{harness.url}/webhooks/callback/webhook", data=body.replace(b"hi", b"yo"),
                             headers={"X-Effortless-Signature": signature}, timeout=10)
    assert response.status_code == 403
    assert harness.messages_from("callback:gw-2003") == []


@pytest.mark.parametrize("payload, error", [
    (b"{not json", "not valid JSON"),
    (b"\x00\xff binary", "not valid JSON"),
    (["gw-2004", "hi"], "must be a JSON object"),
    ({"message": "hi"}, "sender must be a non-empty string"),
    ({"sender": 2004, "message": "hi"}, "sender must be a non-empty string"),
    ({"sender": "gw-2004" + "x" * 300, "message": "hi"}, "at most 240"),
    ({"sender": "gw-2004"}, "message must be a string"),
    ({"sender": "gw-2004", "message": {"text": "hi"}}, "message must be a string"),
    ({"sender": "gw-2004", "message": "hi", "metadata": ["a"]}, "metadata must be an object"),
], ids=["broken-json", "binary", "list", "no-sender", "numeric-sender", "huge-sender", "no-message",
        "message-object", "metadata-list"])
def test_a_malformed_callback_payload_is_a_400_and_never_reaches_the_bot(harness, payload, error):
    response = post_callback(harness.url, payload)
    assert response.status_code == 400
    assert error in response.json()["error"]
    assert [m for m in requests.get(f"{harness.url}/harness/messages", timeout=5).json()
            if "gw-2004" in m["sender_id"]] == []


def test_an_agent_reply_is_pushed_to_the_callback_url_signed(harness, platforms):
    assert harness.push("callback", "callback:gw-2005", "An agent will help you: مرحبا").status_code == 200
    assert platforms.callback.wait_for("gw-2005")["text"] == "An agent will help you: مرحبا"
    assert platforms.callback.rejected == 0

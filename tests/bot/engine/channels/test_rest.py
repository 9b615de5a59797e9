"""The REST channel (``bot/engine/channels/rest.py``) in the channel harness: its own namespace, its
token, strict bodies, and the replies in the response addressed to the sender that was sent."""
from __future__ import annotations

import pytest
import requests

from tests.bot.engine.channels.conftest import REST_TOKEN


def post_rest(url: str, body, token: str | None = None, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(f"{url}/webhooks/rest/webhook", json=body, headers=headers, timeout=30)


def test_a_rest_message_reaches_the_bot_in_the_rest_namespace_and_the_reply_names_the_sender_sent(harness):
    response = post_rest(harness.url, {"sender": "dana", "message": "hello"})
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "dana", "text": "echo: hello"}]
    assert harness.messages_from("rest:dana")[0]["input_channel"] == "rest"


@pytest.mark.parametrize("sender", ["telegram:1001", "whatsapp:+972501234567", "web:" + "a" * 32, "callback:gw-2001"])
def test_another_channels_conversation_id_stays_in_the_rest_namespace(harness, sender):
    assert post_rest(harness.url, {"sender": sender, "message": "I am them"}).status_code == 200
    assert harness.user_texts(f"rest:{sender}") == ["I am them"]
    assert "I am them" not in harness.user_texts(sender)


def test_the_client_cannot_pick_the_input_channel(harness):
    body = {"sender": "picker", "message": "hi", "input_channel": "telegram"}
    assert post_rest(harness.url, body).status_code == 200
    assert harness.messages_from("rest:picker")[0]["input_channel"] == "rest"


def test_without_a_token_the_metadata_keeps_only_hints(harness):
    identity = {"customer_name": "Dana Levi", "customer_email": "dana@example.com", "language": "he",
                "is_external": True}
    assert post_rest(harness.url, {"sender": "claimer", "message": "hi", "metadata": identity}).status_code == 200
    assert harness.messages_from("rest:claimer")[0]["metadata"] == {"language": "he"}


@pytest.mark.parametrize("token, headers", [
    (None, {}),
    ("wrong-token", {}),
    (None, {"Authorization": REST_TOKEN}),
    (None, {"Authorization": f"Basic {REST_TOKEN}"}),
], ids=["missing", "wrong", "no-scheme", "basic"])
def test_with_a_token_configured_a_request_without_it_is_refused_and_logged(guarded_harness, token, headers):
    response = post_rest(guarded_harness.url, {"sender": "intruder", "message": "hi"}, token, **headers)
    assert response.status_code == 401
    assert guarded_harness.messages_from("rest:intruder") == []
    assert "Rejected rest webhook" in guarded_harness.log()
    guarded_harness.assert_no_secret_logged()


def test_with_the_token_the_message_is_answered_and_the_callers_identity_metadata_kept(guarded_harness):
    identity = {"customer_name": "Dana Levi", "customer_email": "dana@example.com", "is_external": True}
    response = post_rest(guarded_harness.url, {"sender": "backend-1", "message": "hi", "metadata": identity},
                         REST_TOKEN)
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "backend-1", "text": "echo: hi"}]
    assert guarded_harness.messages_from("rest:backend-1")[0]["metadata"] == {
        "customer_name": "Dana Levi", "customer_email": "dana@example.com"}


@pytest.mark.parametrize("body", [b"{not json", b"[1]", b'{"message": "hi"}', b'{"sender": "x", "message": 5}'])
def test_a_malformed_rest_body_is_a_400(harness, body):
    response = requests.post(f"{harness.url}/webhooks/rest/webhook", data=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]

"""What the connectors share (``bot/engine/channels/common.py``): a platform that cannot be reached
never loses the customer's message, and an agent reply it refuses fails the push so the helpdesk
retries it."""
from __future__ import annotations

import pytest
import requests

from tests.bot.channel_env import TELEGRAM_ENV
from tests.bot.engine.channels.harness import facebook_event, free_port, refusing, start_harness, twilio_message
from tests.e2e.standins import CALLBACK_SECRET, post_callback


def test_when_the_platforms_are_down_the_server_still_starts_and_messages_are_kept(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    env = {**TELEGRAM_ENV, "TELEGRAM_API_URL": dead, "CALLBACK_URL": f"{dead}/in", "CALLBACK_SECRET": CALLBACK_SECRET}
    with start_harness(env, tmp_path) as harness:
        assert post_callback(harness.url, {"sender": "gw-3001", "message": "hello"}).status_code == 200
        assert harness.user_texts("callback:gw-3001") == ["hello"]
        assert "Could not register the Telegram webhook" in harness.log()
        assert "Could not deliver a message for gw-3001 to the callback URL" in harness.log()
        assert harness.push("callback", "callback:gw-3001", "an agent reply").status_code == 500


def test_during_a_messenger_or_whatsapp_outage_the_message_still_reaches_the_bot_and_the_failure_is_logged(
        harness, apps):
    body, headers = facebook_event("fb-6003", "are you there?")
    url = f"{harness.url}/webhooks/twilio/webhook"
    form, twilio_headers = twilio_message("whatsapp:+972501110003", "are you there?", url)
    with refusing(apps.messenger), refusing(apps.twilio):
        assert requests.post(f"{harness.url}/webhooks/facebook/webhook", data=body, headers=headers,
                             timeout=10).status_code == 200
        assert requests.post(url, data=form, headers=twilio_headers, timeout=10).status_code == 204
    assert [m["text"] for m in harness.wait_for_messages_from("messenger:fb-6003")] == ["are you there?"]
    assert harness.user_texts("whatsapp:+972501110003") == ["are you there?"]
    assert "Could not deliver a Messenger message to messenger:fb-6003" in harness.log()
    assert "Could not deliver a WhatsApp message to whatsapp:+972501110003 through Twilio" in harness.log()


@pytest.mark.parametrize("channel_name, conversation, recipient", [
    ("slack", "slack:U6009", "U6009"), ("facebook", "messenger:fb-6009", "fb-6009"),
    ("twilio", "whatsapp:+972501110009", "whatsapp:+972501110009")])
def test_an_agent_reply_the_platform_refuses_fails_the_push_so_the_helpdesk_can_retry_it(
        harness, apps, channel_name, conversation, recipient):
    platform = {"slack": apps.slack, "facebook": apps.messenger, "twilio": apps.twilio}[channel_name]
    with refusing(platform):
        response = harness.push(channel_name, conversation, "your refund is on its way")
    assert response.status_code == 500
    assert "recipient unreachable" not in response.text  # an outage heals: the helpdesk retries
    assert platform.messages(recipient) == []

"""Slack (``bot/engine/channels/slack.py``) in the channel harness: the signing secret, replies to
the conversation a message came from, agent pushes to direct messages."""
from __future__ import annotations

import pytest

from tests.bot.engine.channels.harness import post_slack, slack_event


def test_a_signed_slack_message_reaches_the_bot(harness):
    body = slack_event("U5001", "hello from slack")
    assert post_slack(harness.url, body).status_code == 200
    assert [m["text"] for m in harness.wait_for_messages_from("slack:U5001")] == ["hello from slack"]


def test_a_slack_message_with_a_bad_signature_is_refused_and_logged(harness):
    body = slack_event("U5002", "hello")
    assert post_slack(harness.url, body, secret="not-the-signing-secret").status_code == 400
    # Rasa hands a Slack message to the bot in a background task, after answering the webhook. A
    # signed message sent afterwards would be handed over after the refused one: once it has
    # arrived, the refused one would have too.
    marker = slack_event("U5002", "signed, sent after the refused message")
    assert post_slack(harness.url, marker).status_code == 200
    assert [m["text"] for m in harness.wait_for_messages_from("slack:U5002")] == ["signed, sent after the refused message"]
    assert "Rejected slack webhook" in harness.log()


def test_a_slack_reply_goes_to_the_conversation_the_message_came_from(harness, apps):
    body = slack_event("U6001", "where is my refund", channel="D6001")
    assert post_slack(harness.url, body).status_code == 200
    assert apps.slack.wait_for("D6001")["text"] == "echo: where is my refund"


def test_an_agent_reply_is_pushed_to_the_customers_slack_direct_messages(harness, apps):
    response = harness.push("slack", "slack:U6002", "Hi, Anna from support here 👋")
    assert response.status_code == 200, harness.log()[-2000:]
    assert apps.slack.wait_for("U6002")["text"] == "Hi, Anna from support here 👋"


@pytest.mark.parametrize("error, reason", [
    ("channel_not_found", "Slack cannot find the customer's conversation"),
    ("is_archived", "the customer's Slack conversation is archived"),
])
def test_an_agent_reply_slack_refuses_for_good_fails_the_push_with_the_reason(harness, apps, error, reason):
    apps.slack.refusing["U6003"] = error
    try:
        response = harness.push("slack", "slack:U6003", "your refund is on its way")
    finally:
        del apps.slack.refusing["U6003"]
    assert response.status_code == 500
    assert f"recipient unreachable: {reason}" in response.text

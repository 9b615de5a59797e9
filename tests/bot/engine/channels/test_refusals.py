"""Platform refusals that will not heal (``bot/engine/channels/refusals.py``), called directly in the
app env; each output channel's use of them is tested in the channel harness."""
from __future__ import annotations

import pytest

from bot.engine.channels.refusals import (
    UNREACHABLE_PREFIX,
    RecipientUnreachable,
    messenger_refusal,
    slack_refusal,
    telegram_refusal,
    twilio_refusal,
)


def test_the_exception_text_starts_with_the_prefix_the_helpdesk_looks_for():
    error = RecipientUnreachable("the customer blocked the bot on Telegram")
    assert str(error) == "recipient unreachable: the customer blocked the bot on Telegram"
    assert str(error).startswith(UNREACHABLE_PREFIX) and error.reason == "the customer blocked the bot on Telegram"


@pytest.mark.parametrize("description, reason", [
    ("Forbidden: bot was blocked by the user", "the customer blocked the bot on Telegram"),
    ("Chat not found", "Telegram no longer knows this chat (deleted, or never started with the bot)"),
    ("Forbidden: user is deactivated", "the customer's Telegram account was deleted"),
    ("Internal Server Error", None),
    ("Too Many Requests: retry after 5", None),
    ("Bad Request: message is too long", None),
])
def test_telegram_refusals(description, reason):
    assert telegram_refusal(description) == reason


@pytest.mark.parametrize("code, permanent", [(63016, True), (21610, True), (20500, False), (20429, False),
                                             (None, False), ("63016", False)])
def test_twilio_refusals(code, permanent):
    assert (twilio_refusal(code) is not None) == permanent


@pytest.mark.parametrize("error, permanent", [
    ({"code": 10, "error_subcode": 2018278, "message": "(#10) This message is sent outside of allowed window."}, True),
    ({"code": 551, "error_subcode": 1545041, "message": "This person isn't available right now."}, True),
    ({"code": 100, "error_subcode": 2018001, "message": "No matching user found"}, True),
    ({"code": 10, "message": "(#10) Application does not have permission for this action"}, False),
    ({"code": 2, "is_transient": True, "message": "An unexpected error has occurred."}, False),
    ({"code": 613, "message": "Calls to this api have exceeded the rate limit."}, False),
])
def test_messenger_refusals(error, permanent):
    assert (messenger_refusal(error) is not None) == permanent


@pytest.mark.parametrize("error, permanent", [("channel_not_found", True), ("is_archived", True),
                                              ("ratelimited", False), ("fatal_error", False), (None, False)])
def test_slack_refusals(error, permanent):
    assert (slack_refusal(error) is not None) == permanent

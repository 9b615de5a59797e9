"""Platform refusals that no retry can heal, told apart from outages: pure functions.

Standard library only, like ``payloads``: the output channels call these, the app env tests them.

When a platform refuses an agent's reply for good (the customer blocked the bot, WhatsApp's
24-hour window closed, ...), the output channel raises :class:`RecipientUnreachable`. Rasa's
``trigger_intent`` then answers HTTP 500 with the exception's text in its body, and the helpdesk
(``bot/helpdesk/rasa_bridge.py``) recognises :data:`UNREACHABLE_PREFIX` and marks the line
failed with the reason, instead of retrying it forever. Every other failure stays retryable.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNREACHABLE_PREFIX = "recipient unreachable: "


class RecipientUnreachable(Exception):
    """The platform will not deliver to this customer; ``reason`` says why, for the agent."""

    def __init__(self, reason: str) -> None:
        super().__init__(UNREACHABLE_PREFIX + reason)
        self.reason = reason


# Substrings of the Bot API's error description (lower-cased), and what they mean for the agent.
TELEGRAM_REFUSALS = (
    ("bot was blocked by the user", "the customer blocked the bot on Telegram"),
    ("user is deactivated", "the customer's Telegram account was deleted"),
    ("chat not found", "Telegram no longer knows this chat (deleted, or never started with the bot)"),
    ("bot can't initiate conversation with a user", "the customer never started a chat with the bot on Telegram"),
    ("bot was kicked from", "the bot was removed from this Telegram chat"),
)
# Twilio error codes (https://www.twilio.com/docs/api/errors).
TWILIO_REFUSALS = {
    63016: "WhatsApp's 24-hour window has closed: the customer has to write first "
           "(or the business has to send an approved template)",
    21610: "the customer unsubscribed from these messages (replied STOP)",
}
# Send API errors: (code, subcode or None for any subcode).
MESSENGER_REFUSALS: dict[tuple[object, object], str] = {
    (10, 2018278): "Messenger's 24-hour window has closed: the customer has to write first",
    (551, None): "the customer is not available on Messenger (blocked the page or deactivated the account)",
    (100, 2018001): "Messenger has no such customer any more (the conversation or account was deleted)",
}
SLACK_REFUSALS = {
    "channel_not_found": "Slack cannot find the customer's conversation",
    "is_archived": "the customer's Slack conversation is archived",
}


def telegram_refusal(description: str) -> str | None:
    """The reason a Bot API error is permanent, or ``None`` when it may heal."""
    description = description.lower()
    return next((reason for match, reason in TELEGRAM_REFUSALS if match in description), None)


def twilio_refusal(code: object) -> str | None:
    """The reason a Twilio error code is permanent, or ``None``."""
    return TWILIO_REFUSALS.get(code) if isinstance(code, int) else None


def messenger_refusal(error: Mapping[str, Any]) -> str | None:
    """The reason a Send API ``error`` object is permanent, or ``None``."""
    code, subcode = error.get("code"), error.get("error_subcode")
    return MESSENGER_REFUSALS.get((code, subcode)) or MESSENGER_REFUSALS.get((code, None))


def slack_refusal(error: object) -> str | None:
    """The reason a Web API ``error`` string is permanent, or ``None``."""
    return SLACK_REFUSALS.get(error) if isinstance(error, str) else None

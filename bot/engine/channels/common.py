"""What every connector in this package shares: refusing a webhook, handing a message to the bot,
handing platforms their own ids back, and a connector built by Rasa's own ``from_credentials``."""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.engine.channels.guard import GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import platform_id

logger = logging.getLogger(__name__)


def reject(request: Request, channel: str, status: int, reason: str) -> HTTPResponse:
    """Log a refused webhook (never its secrets) and answer it with ``status``."""
    logger.warning("Rejected %s webhook from %s with %s: %s", channel, request.ip, status, reason)
    return response.json({"error": reason}, status=status)


async def deliver(on_new_message: OnNewMessage, message: UserMessage, channel: str) -> None:
    """Hand a message to the bot; a failure is logged, never turned into a platform retry storm."""
    try:
        await on_new_message(message)
    except Exception:  # the webhook must still be acknowledged
        logger.exception("The bot failed to handle a %s message from %s", channel, message.sender_id)


class PlatformRecipient:
    """For output channels: the platform is sent its own id, without the channel's conversation
    prefix (``identity``). Subclasses set ``conversation_prefix``."""

    conversation_prefix = ""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        # A mixin: the Rasa output channel after it in the class's MRO has send_response; mypy sees object.
        await super().send_response(platform_id(self.conversation_prefix, recipient_id), message)  # type: ignore[misc]


class BuiltByRasa:
    """For connectors Rasa builds with its own ``from_credentials``: the platform API's base URL
    (``api_url`` in the credentials, else the class's ``api_url``) and the message guard come from
    the credentials too. Subclasses set ``conversation_prefix``."""

    api_url = ""
    conversation_prefix = ""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # A mixin: the Rasa connector after it in the class's MRO has from_credentials; mypy sees object.
        channel = super().from_credentials(credentials)  # type: ignore[misc]
        channel.api_url = (credentials or {}).get("api_url") or cls.api_url
        # Slack's and Messenger's metadata is the connector's own reading of a signed webhook.
        channel.guard = MessageGuard(cls.conversation_prefix, GuardLimits.from_credentials(credentials),
                                     proves_identity=True)
        return channel

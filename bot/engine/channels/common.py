"""What every connector in this package shares: refusing a webhook, handing a message to the bot,
and a platform API base URL taken from the credentials."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


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


class ApiUrlFromCredentials:
    """For Rasa connectors built by their own ``from_credentials``: the platform API's base URL
    comes from the credentials' ``api_url``, else the platform's own (``api_url`` here)."""

    api_url = ""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # A mixin: the Rasa connector after it in the class's MRO has from_credentials; mypy sees object.
        channel = super().from_credentials(credentials)  # type: ignore[misc]
        channel.api_url = (credentials or {}).get("api_url") or cls.api_url
        return channel

"""The callback channel for custom gateways: HMAC-signed webhooks in both directions."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from rasa.core.channels import callback as rasa_callback
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.engine.channels.common import PlatformRecipient, reject
from bot.engine.channels.guard import LIMIT_KEYS, GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import CALLBACK
from bot.engine.channels.payloads import (
    CALLBACK_SIGNATURE_HEADER,
    MalformedPayload,
    callback_signature,
    parse_json,
    parse_sender_message,
    secrets_match,
)

logger = logging.getLogger(__name__)


class CallbackOutput(PlatformRecipient, CollectingOutputChannel):
    """Posts each bot message, signed, to the gateway's URL, for the gateway's own sender id
    (without ``callback:``).

    A delivery failure is logged, and re-raised when ``raise_on_failure`` (pushes).
    """

    conversation_prefix = CALLBACK

    @classmethod
    def name(cls) -> str:
        return "callback"

    def __init__(self, endpoint: EndpointConfig, secret: str, raise_on_failure: bool = False) -> None:
        super().__init__()
        self.callback_endpoint = endpoint
        self.secret = secret
        self.raise_on_failure = raise_on_failure

    async def _persist_message(self, message: dict[str, Any]) -> None:
        await super()._persist_message(message)
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        try:
            await self.callback_endpoint.request(
                "post",
                content_type="application/json",
                data=body,
                headers={CALLBACK_SIGNATURE_HEADER: callback_signature(self.secret, body)},
            )
        except ClientResponseError as error:
            logger.error(
                "The callback URL refused a message for %s: status %s", message.get("recipient_id"), error.status
            )
            if self.raise_on_failure:
                raise
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error(
                "Could not deliver a message for %s to the callback URL: %s: %s",
                message.get("recipient_id"), type(error).__name__, error,
            )
            if self.raise_on_failure:
                raise


class CallbackInput(rasa_callback.CallbackInput):
    """The callback channel with HMAC-signed webhooks in both directions.

    Credentials: ``url`` (where bot messages are posted), ``secret`` (shared with the
    gateway), the guard's limits, plus any other :class:`EndpointConfig` keys (``headers``,
    ``token``, ...). Conversations are ``callback:<the gateway's sender id>``.
    """

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        secret = credentials.pop("secret", None)
        if not credentials.get("url") or not secret:
            raise RasaException("The callback channel needs both 'url' and 'secret' in its credentials.")
        limits = GuardLimits.from_credentials(credentials)
        endpoint = {key: value for key, value in credentials.items() if key not in LIMIT_KEYS}
        return cls(EndpointConfig.from_dict(endpoint), secret, limits)

    def __init__(self, endpoint: EndpointConfig, secret: str, limits: GuardLimits) -> None:
        super().__init__(endpoint)
        self.secret = secret
        # The gateway signs every message, metadata included: it vouches for the customer.
        self.guard = MessageGuard(CALLBACK, limits, proves_identity=True)

    def get_output_channel(self) -> CallbackOutput:
        """The channel Rasa's HTTP API pushes with (agent replies); it raises on delivery failure."""
        return CallbackOutput(self.callback_endpoint, self.secret, raise_on_failure=True)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        on_new_message = self.guard.wrap(on_new_message)
        callback_webhook = self.guard.attach(Blueprint("callback_webhook", __name__))

        @callback_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @callback_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            expected = callback_signature(self.secret, request.body)
            if not secrets_match(expected, request.headers.get(CALLBACK_SIGNATURE_HEADER)):
                return reject(request, "callback", 403, f"missing or wrong {CALLBACK_SIGNATURE_HEADER}")
            try:
                incoming = parse_sender_message(parse_json(request.body))
            except MalformedPayload as error:
                return reject(request, "callback", 400, str(error))
            message = UserMessage(
                incoming.text,
                CallbackOutput(self.callback_endpoint, self.secret),
                incoming.sender_id,
                input_channel=self.name(),
                metadata=incoming.metadata,
            )
            await on_new_message(message)
            return response.text("success")

        return callback_webhook

"""Telegram: the Bot API webhook with its secret token, through a configurable Bot API server."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiogram.bot.api import Methods, TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels import telegram as rasa_telegram
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.engine.channels.common import PlatformRecipient, deliver, reject
from bot.engine.channels.guard import GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import TELEGRAM
from bot.engine.channels.payloads import (
    TELEGRAM_SECRET_HEADER,
    MalformedPayload,
    parse_json,
    parse_telegram_update,
    secrets_match,
    telegram_text_parts,
)
from bot.engine.channels.refusals import RecipientUnreachable, telegram_refusal

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
DELIVERY_ERRORS = (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError)


class TelegramOutput(PlatformRecipient, rasa_telegram.TelegramOutput):
    """Telegram messages through a configurable Bot API server, to the chat id without ``telegram:``.

    A delivery failure is logged, and re-raised when ``raise_on_failure`` (pushes): as
    :class:`RecipientUnreachable` when Telegram refuses the chat for good.
    """

    conversation_prefix = TELEGRAM

    def __init__(
        self, access_token: str | None, api_url: str = TELEGRAM_API_URL, raise_on_failure: bool = False
    ) -> None:
        super().__init__(access_token)
        self.server = TelegramAPIServer.from_base(api_url)
        self.raise_on_failure = raise_on_failure

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        try:
            await super().send_response(recipient_id, message)
        except DELIVERY_ERRORS as error:
            logger.error("Could not deliver a message to Telegram chat %s: %s", recipient_id, error)
            if not self.raise_on_failure:
                return
            reason = telegram_refusal(str(error)) if isinstance(error, TelegramAPIError) else None
            if reason:
                raise RecipientUnreachable(reason) from error
            raise

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in telegram_text_parts(text):
            await self.send_message(recipient_id, part)

    async def acknowledge_button(self, callback_query_id: str) -> None:
        """Stop the button's loading spinner in the Telegram app."""
        try:
            await self.answer_callback_query(callback_query_id)
        except DELIVERY_ERRORS as error:
            logger.warning("Could not acknowledge a Telegram button press: %s", error)


class TelegramInput(rasa_telegram.TelegramInput):
    """Telegram webhook with secret-token check, strict parsing and the customer's name.

    Credentials: ``access_token``, ``verify`` (the bot's username), ``webhook_url``, the guard's
    limits, and optionally ``secret_token`` and ``api_url``. Conversations are
    ``telegram:<chat id>``. The webhook is registered with Telegram once, when the server has
    started; a failure is logged and can be retried by calling ``/webhooks/telegram/set_webhook``.
    """

    guard: MessageGuard

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            return cls.raise_missing_credentials_exception()  # raises (Rasa's message for a missing credentials file)
        channel = cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            api_url=credentials.get("api_url") or TELEGRAM_API_URL,
            secret_token=credentials.get("secret_token") or None,
        )
        # The name in the metadata is the connector's reading of a webhook Telegram authenticated.
        channel.guard = MessageGuard(TELEGRAM, GuardLimits.from_credentials(credentials), proves_identity=True)
        return channel

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        api_url: str = TELEGRAM_API_URL,
        secret_token: str | None = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.api_url = api_url
        self.secret_token = secret_token
        self._reply_output: TelegramOutput | None = None
        self._push_output: TelegramOutput | None = None

    def get_output_channel(self) -> TelegramOutput:
        """The client Rasa's HTTP API pushes with (agent replies); it raises on delivery failure.

        Created once, lazily, inside the server's event loop: Rasa's version registers the
        webhook here with ``asyncio.run``, which fails inside a request handler.
        """
        if self._push_output is None:
            self._push_output = TelegramOutput(self.access_token, self.api_url, raise_on_failure=True)
        return self._push_output

    def reply_channel(self) -> TelegramOutput:
        """The client that answers incoming messages; it logs delivery failures."""
        if self._reply_output is None:
            self._reply_output = TelegramOutput(self.access_token, self.api_url)
        return self._reply_output

    async def register_webhook(self) -> bool:
        """Point Telegram at our webhook (with the secret token); log and report failure."""
        bot = self.reply_channel()
        try:
            me = await bot.get_me()
            if me.username != self.verify:
                logger.error(
                    "TELEGRAM_VERIFY is %r but the token belongs to the bot %r", self.verify, me.username
                )
            parameters = {"url": self.webhook_url}
            if self.secret_token:
                parameters["secret_token"] = self.secret_token
            await bot.request(Methods.SET_WEBHOOK, parameters)
        except DELIVERY_ERRORS as error:
            logger.error("Could not register the Telegram webhook %s: %s", self.webhook_url, error)
            return False
        logger.info("Telegram webhook registered: %s", self.webhook_url)
        return True

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        on_new_message = self.guard.wrap(on_new_message)
        telegram_webhook = self.guard.attach(Blueprint("telegram_webhook", __name__))

        @telegram_webhook.listener("after_server_start")
        async def register_at_start(*_: Any) -> None:
            await self.register_webhook()

        @telegram_webhook.listener("after_server_stop")
        async def close_clients(*_: Any) -> None:
            for output in (self._reply_output, self._push_output):
                if output is not None:
                    await output.session.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/set_webhook", methods=["GET", "POST"])
        async def set_webhook(_: Request) -> HTTPResponse:
            registered = await self.register_webhook()
            return response.json({"registered": registered}, status=200 if registered else 502)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.secret_token and not secrets_match(
                self.secret_token, request.headers.get(TELEGRAM_SECRET_HEADER)
            ):
                return reject(request, "telegram", 403, "missing or wrong secret token")
            try:
                incoming = parse_telegram_update(parse_json(request.body))
            except MalformedPayload as error:
                return reject(request, "telegram", 400, str(error))
            if incoming is None:
                return response.text("success")
            bot = self.reply_channel()
            if incoming.callback_query_id:
                await bot.acknowledge_button(incoming.callback_query_id)
            message = UserMessage(
                incoming.text,
                bot,
                incoming.sender_id,
                input_channel=self.name(),
                metadata=incoming.metadata,
            )
            await deliver(on_new_message, message, "telegram")
            return response.text("success")

        return telegram_webhook

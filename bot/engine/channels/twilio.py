"""WhatsApp through Twilio: webhooks checked against ``X-Twilio-Signature``, replies through a
configurable REST API URL, sent off the event loop."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import requests
from rasa.core.channels import twilio as rasa_twilio
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.request_validator import RequestValidator

from bot.engine.channels.common import deliver, reject
from bot.engine.channels.guard import GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import SEPARATOR, WHATSAPP
from bot.engine.channels.numbered import numbered_options
from bot.engine.channels.payloads import twilio_customer, twilio_text
from bot.engine.channels.refusals import RecipientUnreachable, twilio_refusal

logger = logging.getLogger(__name__)

TWILIO_API_URL = "https://api.twilio.com"


class TwilioInput(rasa_twilio.TwilioInput):
    """Twilio (WhatsApp) webhook that verifies ``X-Twilio-Signature`` and names the customer.

    Credentials add ``webhook_url``: the exact URL configured in Twilio, needed for the
    signature when a proxy rewrites the URL the server sees; ``api_url``; and the guard's limits.
    Conversations are Twilio's own WhatsApp address, ``whatsapp:+<number>``, which is already
    namespaced; messages from any other kind of address are refused.
    """

    guard: MessageGuard

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            return cls.raise_missing_credentials_exception()  # raises (Rasa's message for a missing credentials file)
        channel = cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url") or None,
            api_url=credentials.get("api_url") or TWILIO_API_URL,
        )
        # The profile name in the metadata is the connector's reading of a webhook Twilio signed.
        channel.guard = MessageGuard(WHATSAPP, GuardLimits.from_credentials(credentials), proves_identity=True)
        return channel

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        webhook_url: str | None = None,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.webhook_url = webhook_url
        self.api_url = api_url

    def get_output_channel(self) -> OutputChannel:
        """The client Rasa's HTTP API pushes with (agent replies); it raises on delivery failure."""
        return self.twilio_output(raise_on_failure=True)

    def twilio_output(self, raise_on_failure: bool = False) -> TwilioOutput:
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_url, raise_on_failure)

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """WhatsApp tells Twilio the sender's profile name."""
        return twilio_customer(request.form)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's routes; POSTs are verified and handled here, answered with a client that logs failures."""
        on_new_message = self.guard.wrap(on_new_message)
        twilio_webhook = self.guard.attach(super().blueprint(on_new_message))
        validator = RequestValidator(self.auth_token or "")

        @twilio_webhook.middleware("request")
        async def verify_and_handle(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            signature = request.headers.get("X-Twilio-Signature", "")
            if not validator.validate(self.webhook_url or request.url, request.form, signature):
                return reject(request, "twilio", 403, "missing or wrong X-Twilio-Signature")
            sender = request.form.get("From")
            if not sender:
                return reject(request, "twilio", 400, "the message has no From")
            if not sender.startswith(WHATSAPP + SEPARATOR):
                return reject(request, "twilio", 400, "not a WhatsApp message (From must start with whatsapp:)")
            text = twilio_text(request.form)
            if text is not None:
                message = UserMessage(text, self.twilio_output(), sender, input_channel=self.name(),
                                      metadata=self.get_metadata(request))
                await deliver(on_new_message, message, "twilio")
            return response.text("", status=204)

        return twilio_webhook


class TwilioOutput(rasa_twilio.TwilioOutput):
    """WhatsApp messages through Twilio's REST API at ``api_url``, sent off the event loop (the
    client blocks). A send Twilio refuses is logged, and re-raised when ``raise_on_failure``
    (pushes), so the helpdesk retries the agent's reply (Rasa's version only logs it); a refusal
    that will not heal is raised as :class:`RecipientUnreachable`. The recipient is the
    conversation id as it is, ``whatsapp:+<number>`` being Twilio's own address."""

    def __init__(
        self, account_sid: str | None, auth_token: str | None, twilio_number: str | None,
        api_url: str = TWILIO_API_URL, raise_on_failure: bool = False,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.api.base_url = api_url
        self.raise_on_failure = raise_on_failure

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        """WhatsApp shows no buttons: their titles as numbered lines under the text, in one message (Rasa's
        fallback sent each as ``1: Title (/payload)``); the number typed back is the button (the guard)."""
        await self.send_text_message(recipient_id, numbered_options(text, buttons))

    async def _send_message(self, message_data: dict[str, Any]) -> Any:
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except (TwilioException, requests.RequestException) as error:
            logger.error("Could not deliver a WhatsApp message to %s through Twilio: %s", message_data.get("to"), error)
            if not self.raise_on_failure:
                return None
            reason = twilio_refusal(error.code) if isinstance(error, TwilioRestException) else None
            if reason:
                raise RecipientUnreachable(reason) from error
            raise

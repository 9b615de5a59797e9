"""The REST channel: Rasa's ``/webhooks/rest/webhook``, namespaced, strictly parsed and, when
configured, closed to anyone without its token."""
from __future__ import annotations

from typing import Any

from rasa.core.channels import rest as rasa_rest
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.engine.channels.common import PlatformRecipient, deliver, reject
from bot.engine.channels.guard import GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import REST
from bot.engine.channels.payloads import MalformedPayload, parse_json, parse_sender_message, secrets_match


class RestOutput(PlatformRecipient, CollectingOutputChannel):
    """Collects the bot's replies for the HTTP response, addressed to the sender the client sent."""

    conversation_prefix = REST


class RestInput(rasa_rest.RestInput):
    """``POST /webhooks/rest/webhook`` with ``{"sender", "message", "metadata"?}``; the bot's replies
    come back in the response.

    Unlike Rasa's channel, a client can neither pick the input channel (``input_channel`` in the
    body) nor reach another channel's conversation: the conversation is always ``rest:<sender>``.
    With the credential ``token``, every request must carry ``Authorization: Bearer <token>`` (401
    otherwise), and the caller, being authenticated, may pass the customer's identity in the
    metadata; without it only hints such as ``language`` are kept. Malformed bodies get 400.
    ``bot/channel_credentials.py`` leaves this channel out of the production profile unless
    ``REST_CHANNEL_TOKEN`` is set.
    """

    def __init__(self, token: str | None, limits: GuardLimits) -> None:
        self.token = token
        self.guard = MessageGuard(REST, limits, proves_identity=bool(token), answers_in_response=True)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls((credentials or {}).get("token") or None, GuardLimits.from_credentials(credentials))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        on_new_message = self.guard.wrap(on_new_message)
        rest_webhook = self.guard.attach(Blueprint("rest_webhook", __name__))

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.token and not secrets_match(f"Bearer {self.token}", request.headers.get("Authorization")):
                return reject(request, "rest", 401, "missing or wrong Authorization: Bearer token")
            try:
                incoming = parse_sender_message(parse_json(request.body))
            except MalformedPayload as error:
                return reject(request, "rest", 400, str(error))
            collector = RestOutput()
            message = UserMessage(incoming.text, collector, incoming.sender_id, input_channel=self.name(),
                                  metadata=incoming.metadata)
            await deliver(on_new_message, message, "rest")  # answered with what the bot said before failing
            return response.json(collector.messages)

        return rest_webhook

"""Facebook Messenger: bad signatures answered with 403, replies through a configurable Graph API URL."""
from __future__ import annotations

import logging
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels import facebook as rasa_facebook
from rasa.core.channels.channel import OutputChannel
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.engine.channels.common import BuiltByRasa, reject
from bot.engine.channels.guard import MessageGuard, OnNewMessage
from bot.engine.channels.identity import MESSENGER, platform_id
from bot.engine.channels.payloads import MalformedPayload, parse_json_object
from bot.engine.channels.refusals import RecipientUnreachable, messenger_refusal

logger = logging.getLogger(__name__)

FACEBOOK_GRAPH_URL = "https://graph.facebook.com"


class FacebookInput(BuiltByRasa, rasa_facebook.FacebookInput):
    """Facebook Messenger webhook answering bad signatures with 403 (Rasa answers 200).

    Credentials add ``api_url``, the Graph API's base URL, and the guard's limits. Rasa's handler
    builds its own Messenger client for each request, so messages are handled here, with ours.
    Conversations are ``messenger:<page-scoped user id>``.
    """

    api_url = FACEBOOK_GRAPH_URL
    conversation_prefix = MESSENGER
    guard: MessageGuard

    def get_output_channel(self) -> OutputChannel:
        """The client Rasa's HTTP API pushes with (agent replies); it raises on delivery failure."""
        return rasa_facebook.MessengerBot(GraphApiClient(self.fb_access_token, self.api_url, raise_on_failure=True))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        on_new_message = self.guard.wrap(on_new_message)
        fb_webhook = self.guard.attach(super().blueprint(on_new_message))

        @fb_webhook.middleware("request")
        async def verify_and_handle(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            if not self.signature_valid(request):
                return reject(request, "facebook", 403, "missing or wrong X-Hub-Signature")
            try:
                payload = parse_json_object(request.body)
            except MalformedPayload as error:
                return reject(request, "facebook", 400, str(error))
            messenger = rasa_facebook.Messenger(self.fb_access_token, on_new_message)
            messenger.client = GraphApiClient(self.fb_access_token, self.api_url)
            try:
                await messenger.handle(payload, self.get_metadata(request))
            except Exception:  # answered 200 all the same, or Facebook sends it again
                logger.exception("The bot failed to handle a facebook message")
            return response.text("success")

        return fb_webhook

    def signature_valid(self, request: Request) -> bool:
        """Rasa's own check (the one its handler repeats), made safe against odd headers."""
        try:
            return self.validate_hub_signature(
                self.fb_secret, request.body, request.headers.get("X-Hub-Signature") or ""
            )
        except (AttributeError, TypeError, ValueError):  # e.g. an unknown hash name in the header
            return False


class GraphApiClient(MessengerClient):
    """fbmessenger's client on a configurable Graph API URL, sending to the user id without
    ``messenger:``. fbmessenger hands back the Send API's error answers as if they were results;
    here each is logged, and raised when ``raise_on_failure`` (pushes), so the helpdesk retries the
    agent's reply, or gives up on it when the error says the customer cannot be reached
    (:class:`RecipientUnreachable`)."""

    def __init__(self, page_access_token: str, api_url: str, raise_on_failure: bool = False) -> None:
        super().__init__(page_access_token)
        self.graph_url = f"{api_url.rstrip('/')}/v{self.api_version}"
        self.raise_on_failure = raise_on_failure

    def send(self, payload: dict[str, Any], recipient_id: str, *args: Any, **kwargs: Any) -> Any:
        answer = super().send(payload, platform_id(MESSENGER, recipient_id), *args, **kwargs)
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            reason = error.get("message", error) if isinstance(error, dict) else error
            logger.error("Could not deliver a Messenger message to %s: %s", recipient_id, reason)
            if not self.raise_on_failure:
                return answer
            unreachable = messenger_refusal(error) if isinstance(error, dict) else None
            if unreachable:
                raise RecipientUnreachable(unreachable)
            raise MessengerRefused(str(reason))
        return answer


class MessengerRefused(RasaException):
    """Facebook's Send API answered with an error."""

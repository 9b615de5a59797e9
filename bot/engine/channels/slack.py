"""Slack: Rasa's connector (it answers bad signatures with 400) with the refusals logged, a
configurable Web API URL and refusals that will not heal told apart."""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels import slack as rasa_slack
from sanic import Blueprint
from sanic.request import Request
from slack_sdk.errors import SlackApiError

from bot.engine.channels.common import BuiltByRasa, PlatformRecipient
from bot.engine.channels.guard import MessageGuard, OnNewMessage
from bot.engine.channels.identity import SLACK
from bot.engine.channels.refusals import RecipientUnreachable, slack_refusal

logger = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"


class SlackOutput(PlatformRecipient, rasa_slack.SlackBot):
    """Slack messages to the user id without ``slack:``; a conversation Slack refuses for good
    (``channel_not_found``, ``is_archived``) raises :class:`RecipientUnreachable`."""

    conversation_prefix = SLACK

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        try:
            await super()._post_message(channel, **kwargs)
        except SlackApiError as error:
            reason = slack_refusal(error.response.get("error"))
            if reason:
                raise RecipientUnreachable(reason) from error
            raise


class SlackInput(BuiltByRasa, rasa_slack.SlackInput):
    """Slack's connector (it answers bad signatures with 400), with the rejections logged.

    Credentials add ``api_url``, the Web API's base URL (ending in ``/api/``), and the guard's
    limits. Conversations are ``slack:<user id>``.
    """

    api_url = SLACK_API_URL
    conversation_prefix = SLACK
    guard: MessageGuard

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> SlackOutput:
        output = SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.proxy)
        output.client.base_url = self.api_url.rstrip("/") + "/"
        return output

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return self.guard.attach(super().blueprint(self.guard.wrap(on_new_message)))

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        authentic = super().is_request_from_slack_authentic(request)
        if not authentic:
            logger.warning("Rejected slack webhook from %s with 400: missing or wrong X-Slack-Signature", request.ip)
        return authentic

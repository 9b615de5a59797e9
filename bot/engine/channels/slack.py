"""Slack: Rasa's connector (it answers bad signatures with 400) with the refusals logged and a
configurable Web API URL."""
from __future__ import annotations

import logging

from rasa.core.channels import slack as rasa_slack
from rasa.core.channels.channel import OutputChannel
from sanic.request import Request

from bot.engine.channels.common import ApiUrlFromCredentials

logger = logging.getLogger(__name__)

SLACK_API_URL = "https://slack.com/api/"


class SlackInput(ApiUrlFromCredentials, rasa_slack.SlackInput):
    """Slack's connector (it answers bad signatures with 400), with the rejections logged.

    Credentials add ``api_url``, the Web API's base URL (ending in ``/api/``).
    """

    api_url = SLACK_API_URL

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        output = super().get_output_channel(channel, thread_id)
        output.client.base_url = self.api_url.rstrip("/") + "/"
        return output

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        authentic = super().is_request_from_slack_authentic(request)
        if not authentic:
            logger.warning("Rejected slack webhook from %s with 400: missing or wrong X-Slack-Signature", request.ip)
        return authentic

"""The channel harnesses (and the platform stand-ins they talk to) for all the connector tests here:
``harness`` with the default settings, ``guarded_harness`` with a REST token, a small message cap
and an action server whose health the tests switch."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.channel_env import FACEBOOK_ENV, SLACK_ENV, TWILIO_ENV
from tests.bot.engine.channels.harness import ActionServerHealth, Harness, MessagingApps, start_harness
from tests.e2e.standins import (
    CallbackCollector,
    MessengerStandIn,
    SlackStandIn,
    StandIns,
    TelegramStandIn,
    TwilioStandIn,
    serving,
    standin_env,
)


@pytest.fixture(scope="package")
def platforms() -> Iterator[StandIns]:
    running = StandIns(telegram=TelegramStandIn(), callback=CallbackCollector())
    with serving(running.telegram, running.callback):
        yield running


@pytest.fixture(scope="package")
def apps() -> Iterator[MessagingApps]:
    running = MessagingApps(SlackStandIn(SLACK_ENV["SLACK_TOKEN"]),
                            MessengerStandIn(FACEBOOK_ENV["FACEBOOK_PAGE_ACCESS_TOKEN"]),
                            TwilioStandIn(TWILIO_ENV["TWILIO_ACCOUNT_SID"], TWILIO_ENV["TWILIO_AUTH_TOKEN"]))
    with serving(running.slack, running.messenger, running.twilio):
        yield running


@pytest.fixture(scope="package")
def harness(platforms, apps, tmp_path_factory) -> Iterator[Harness]:
    env = {**standin_env(platforms), **apps.env()}
    with start_harness(env, tmp_path_factory.mktemp("harness")) as running:
        yield running


REST_TOKEN = "rest-channel-token"
GUARDED_MAX_MESSAGE_CHARS = 200
GUARDED_ACTION_SERVER_WAIT_S = 3


@pytest.fixture(scope="package")
def action_server() -> Iterator[ActionServerHealth]:
    with ActionServerHealth() as health:
        yield health


@pytest.fixture(scope="package")
def guarded_harness(platforms, action_server, tmp_path_factory) -> Iterator[Harness]:
    env = {**standin_env(platforms), "REST_CHANNEL_TOKEN": REST_TOKEN,
           "MAX_MESSAGE_CHARS": str(GUARDED_MAX_MESSAGE_CHARS),
           "ACTION_SERVER_WAIT_S": str(GUARDED_ACTION_SERVER_WAIT_S)}
    with start_harness(env, tmp_path_factory.mktemp("guarded"), action_server.webhook_url) as running:
        yield running

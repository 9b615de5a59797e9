"""One channel harness (and the platform stand-ins it talks to) for all the connector tests here."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bot.channel_env import FACEBOOK_ENV, SLACK_ENV, TWILIO_ENV
from tests.bot.engine.channels.harness import Harness, MessagingApps, start_harness
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

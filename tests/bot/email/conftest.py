"""Outbound e-mail fixtures, named ``mail_*`` so other e-mail tests keep the default set-up: the real
helpdesk of tests/bot/helpdesk (Rasa stand-in, migrated SQLite) sending to a real SMTP server on loopback."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.db import make_engine, make_session_factory, migrate
from bot.settings import Settings, load_settings
from bot.web.app import create_app
from tests.bot.helpdesk.conftest import RASA_TOKEN, SERVICE_TOKEN, Desk, rasa  # noqa: F401 (fixture)
from tests.bot.helpdesk.standins import RasaStandIn
from tests.helpers.smtp import SmtpServer, smtp_server  # noqa: F401 (fixture)

EMAIL_FROM = "Acme Support <support@acme.example>"
PUBLIC_HELPDESK_URL = "https://help.acme.example"


@pytest.fixture
def mail_settings(settings_env: dict, rasa: RasaStandIn, smtp_server: SmtpServer) -> Settings:  # noqa: F811
    return load_settings({
        **settings_env,
        "RASA_URL": rasa.base_url,
        "RASA_TOKEN": RASA_TOKEN,
        "HELPDESK_SERVICE_TOKEN": SERVICE_TOKEN,
        "HTTP_RETRIES": "1",
        "HTTP_TIMEOUT_S": "2",
        "BUSINESS_HOURS": "24/7",
        "SMTP_URL": smtp_server.url,
        "EMAIL_FROM": EMAIL_FROM,
        "PUBLIC_HELPDESK_URL": PUBLIC_HELPDESK_URL,
    })


@pytest.fixture
def mail_sessions(mail_settings: Settings):
    migrate(mail_settings)
    engine = make_engine(mail_settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def mail_desk(mail_settings: Settings, mail_sessions) -> Iterator[Desk]:
    """The helpdesk app, its e-mail loop running, as agents and the action server use it."""
    with TestClient(create_app(mail_settings)) as client:
        yield Desk(client, mail_sessions)

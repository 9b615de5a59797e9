"""Helpdesk test fixtures: the real app on a migrated SQLite database, a Rasa stand-in, agents.

``desk`` wraps a TestClient with the few steps most tests need (make an agent and log in,
escalate a conversation as the action server does).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, migrate, session_scope
from bot.helpdesk import accounts
from bot.models import Ticket
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.helpdesk.standins import LiveHelpdesk, RasaStandIn

PASSWORD = "correct horse battery"
SERVICE_TOKEN = "service-token-for-tests"
RASA_TOKEN = "rasa-token-for-tests"


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    stand_in = RasaStandIn(RASA_TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def settings_env(settings_env: dict, rasa: RasaStandIn) -> dict:
    return {
        **settings_env,
        "RASA_URL": rasa.base_url,
        "RASA_TOKEN": RASA_TOKEN,
        "HELPDESK_SERVICE_TOKEN": SERVICE_TOKEN,
        "HTTP_RETRIES": "1",
        "HTTP_TIMEOUT_S": "2",
        "BUSINESS_HOURS": "24/7",
    }


@pytest.fixture
def database(empty_database_url, settings_env):
    """Settings and a session factory on a freshly migrated database of each kind."""
    settings = load_settings({**settings_env, "DATABASE_URL": empty_database_url})
    migrate(settings)
    engine = make_engine(empty_database_url)
    yield settings, make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def app(settings, sessions):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_helpdesk(app) -> Iterator[LiveHelpdesk]:
    server = LiveHelpdesk(app).start()
    yield server
    server.stop()


@dataclass
class AgentLogin:
    id: int
    name: str
    email: str
    headers: dict[str, str]


class Desk:
    """The helpdesk as the action server and agents use it, through ``client``."""

    def __init__(self, client: TestClient, sessions):
        self.client = client
        self.sessions = sessions
        self.service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        self._numbers = itertools.count(1)

    def agent(
        self, name: str = "", role: str = "agent", online: bool = False, languages: tuple[str, ...] = ("en",)
    ) -> AgentLogin:
        """A new account, logged in with a Bearer token."""
        number = next(self._numbers)
        name = name or f"Agent {number}"
        email = f"agent{number}@example.com"
        with session_scope(self.sessions) as session:
            agent_id = accounts.create_agent(
                session, email=email, name=name, role=role, password=PASSWORD, languages=languages
            ).id
        response = self.client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        login = AgentLogin(agent_id, name, email, {"Authorization": f"Bearer {response.json()['token']}"})
        if online:
            assert (
                self.client.put(
                    "/api/agents/me/presence", json={"presence": "online"}, headers=login.headers
                ).status_code
                == 200
            )
        return login

    def escalate(self, conversation_id: str = "", expect: int = 201, **fields) -> dict:
        """Create a ticket as the bot does; returns the receipt."""
        conversation_id = conversation_id or f"conversation-{next(self._numbers)}"
        body = {
            "idempotency_key": f"escalation-{conversation_id}",
            "conversation_id": conversation_id,
            "channel": "socketio",
            "language": "en",
            "customer_name": "Dana Customer",
            "customer_email": "dana@example.com",
            "subject": "Cannot reset my password",
            "description": "The reset link says it expired.",
            "reason": "kb_missed_twice",
            "transcript": [
                {"author": "customer", "text": "How do I reset my password?", "timestamp": "2026-01-05T09:00:00Z"},
                {"author": "bot", "text": "Here is how: ...", "timestamp": "2026-01-05T09:00:01Z"},
                {"author": "customer", "text": "The link expired", "timestamp": "2026-01-05T09:00:30Z"},
            ],
            "kb_attempts": [
                {
                    "article_id": "reset-password",
                    "title": "How to reset your password",
                    "score": 0.82,
                    "outcome": "miss",
                }
            ],
            **fields,
        }
        response = self.client.post("/api/internal/tickets", json=body, headers=self.service)
        assert response.status_code == expect, response.text
        return response.json()

    def ticket_id(self, reference: str) -> int:
        with session_scope(self.sessions) as session:
            return session.scalar(select(Ticket.id).where(Ticket.reference == reference))


@pytest.fixture
def desk(client, sessions) -> Desk:
    return Desk(client, sessions)

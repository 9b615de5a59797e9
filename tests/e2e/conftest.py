"""The whole stack, started once per test session exactly as `make run` starts it.

Rasa, the action server and the helpdesk run as real processes on free ports with their own
``var/`` (SQLite databases, logs); the Telegram and callback stand-ins receive what the bot
sends to those platforms.
"""
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from bot.settings import PROJECT_ROOT
from bot.stack.assembly import RunningStack, start_stack
from bot.stack.supervisor import free_port
from tests.e2e.browser import browser, open_page  # noqa: F401  (fixtures: one browser for the whole session)
from tests.e2e.helpers import AgentClient
from tests.e2e.standins import StandIns, standin_env, standins  # noqa: F401  (fixture re-export)
from tests.helpers.smtp import SmtpServer

pytestmark = pytest.mark.e2e


@dataclass
class Stack:
    running: RunningStack
    env: dict[str, str]

    @property
    def rasa_url(self) -> str:
        return self.running.settings.rasa_url

    @property
    def helpdesk_url(self) -> str:
        return self.running.settings.helpdesk_url

    @property
    def rasa_token(self) -> str:
        return self.running.settings.rasa_token

    @property
    def service_token(self) -> str:
        return self.running.settings.service_token

    @property
    def database_url(self) -> str:
        return self.running.settings.database_url

    def create_agent(self, email: str, name: str, role: str = "agent", password: str = "correct horse battery") -> None:
        subprocess.run(
            [sys.executable, "-m", "bot", "create-agent", "--email", email, "--name", name, "--role", role, "--password-stdin"],
            input=password + "\n", text=True, env=self.env, check=True, capture_output=True,
        )

    def say(self, sender: str, text: str, metadata: dict = None) -> list[dict]:
        """Send a message through the REST channel and return the bot's replies."""
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.rasa_token}, timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout} s")


E2E_SITE_SECRET = "e2e-site-secret"


def stack_env(base, standins: StandIns, **overrides: str) -> dict[str, str]:  # noqa: F811
    """The environment `make run` would see, on free ports and its own ``var/`` under ``base``."""
    var_dir = base / "var"
    kb_dir = base / "kb"  # a copy, so tests can edit articles while the stack runs
    shutil.copytree(PROJECT_ROOT / "data" / "kb", kb_dir)
    env = dict(os.environ)
    env.update({
        "EFFORTLESS_VAR_DIR": str(var_dir),
        "KB_DIR": str(kb_dir),
        # Shared by the session's stacks: each would otherwise fit the same indexes again (bot/kb/index_cache.py).
        "KB_INDEX_CACHE_DIR": str(base.parent / "kb-index-cache"),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "HELPDESK_PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
        "COMPANY_NAME": "Acme",
        # Always open, so the tests do not depend on the clock; out-of-hours has its own test.
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "IDENTITY_VERIFICATION_SECRET": E2E_SITE_SECRET,  # host pages' signed identities (docs/customers.md)
        **standin_env(standins),
        **overrides,
    })
    for variable in ("DATABASE_URL", "TRACKER_STORE_URL", "RASA_URL", "HELPDESK_URL", "EFFORTLESS_PROFILE"):
        env.pop(variable, None)
    return env


@pytest.fixture(scope="session")
def stack(tmp_path_factory, standins: StandIns):  # noqa: F811
    env = stack_env(tmp_path_factory.mktemp("stack"), standins)
    with start_stack(env) as running:
        yield Stack(running=running, env=env)


# The stack with e-mail on: a real SMTP server (aiosmtpd) receives what it sends, and the inbound
# webhook takes replies signed with INBOUND_SECRET. One per session, for every e-mail test.
INBOUND_SECRET = "e2e-inbound-secret"
EMAIL_FROM = "Acme Support <support@acme.example>"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail_stack(tmp_path_factory, standins: StandIns, smtp: SmtpServer) -> Iterator[Stack]:  # noqa: F811
    env = stack_env(tmp_path_factory.mktemp("mail-stack"), standins, SMTP_URL=smtp.url, EMAIL_FROM=EMAIL_FROM,
                    INBOUND_EMAIL_SECRET=INBOUND_SECRET)
    with start_stack(env) as running:
        yield Stack(running=running, env=env)


@pytest.fixture(scope="module")
def module_agent(stack: Stack) -> AgentClient:
    """One agent per test module, on the session's stack."""
    return AgentClient.new_online_agent(stack, f"agent-{uuid.uuid4().hex[:6]}@example.com", "Dana")


@pytest.fixture
def agent(module_agent: AgentClient) -> AgentClient:
    """The module's agent, online: presence lapses after a while without calls, and a customer who
    escalates with nobody online takes the ticket-first path instead of the live handoff."""
    module_agent.go_online()
    return module_agent


@pytest.fixture
def sender() -> str:
    """A fresh REST conversation id (the REST channel keeps a sender that already carries its prefix)."""
    return f"rest:test-{uuid.uuid4().hex[:12]}"

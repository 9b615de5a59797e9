"""The two sides of a support conversation in end-to-end tests: an agent using the helpdesk API as
a script would (Bearer token), and a customer on the callback channel or in the web chat."""
import os
import queue
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bot.settings import PROJECT_ROOT
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import free_port
from tests.bot.engine.channels.harness import WebChat
from tests.e2e.standins import escalate, post_callback

STACK_ADDRESSES = ("DATABASE_URL", "HELPDESK_URL", "RASA_URL", "EFFORTLESS_PROFILE")


def helpdesk_alone_env(var_dir: Path, port: int, **overrides: str) -> dict[str, str]:
    """The whole environment of a helpdesk started on its own (``run_helpdesk``): this process's, without
    the addresses and profile of any stack it runs in, on its own ``var/`` and port, logging warnings."""
    env = {key: value for key, value in os.environ.items() if key not in STACK_ADDRESSES}
    env.update({"EFFORTLESS_VAR_DIR": str(var_dir), "HELPDESK_PORT": str(port), "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(PROJECT_ROOT), **overrides})
    return env


@dataclass
class HelpdeskAlone:
    """A helpdesk service started on its own database, without Rasa (see :func:`helpdesk_alone`)."""

    helpdesk_url: str
    service_token: str
    env: dict[str, str]

    def create_agent(self, email: str, name: str, role: str = "agent", password: str = "correct horse battery") -> None:
        subprocess.run([sys.executable, "-m", "bot", "create-agent", "--email", email, "--name", name, "--role", role,
                        "--password-stdin"], input=password + "\n", text=True, env=self.env, cwd=PROJECT_ROOT, check=True,
                       capture_output=True)


@contextmanager
def helpdesk_alone(directory: Path, database_url: str, var_dir: Path,
                   before_start: Callable[[HelpdeskAlone], None] = lambda _alone: None) -> Iterator[HelpdeskAlone]:
    """A helpdesk on ``database_url`` (already migrated), so its queue and reports hold only the test's
    data; no Rasa: what it would deliver to a customer's chat goes to a port nobody listens on.
    ``before_start`` runs first (e.g. to create accounts with the CLI)."""
    port = free_port()
    service_token = uuid.uuid4().hex + uuid.uuid4().hex
    env = helpdesk_alone_env(var_dir, port, DATABASE_URL=database_url, HELPDESK_SERVICE_TOKEN=service_token,
                             RASA_URL=f"http://127.0.0.1:{free_port()}")
    alone = HelpdeskAlone(helpdesk_url="", service_token=service_token, env=env)
    before_start(alone)
    with run_helpdesk(env, port, directory / "log", timeout_s=60) as server:
        alone.helpdesk_url = server.url
        yield alone


@dataclass
class AgentClient:
    base_url: str
    token: str

    @classmethod
    def new_online_agent(cls, stack: Any, email: str, name: str, password: str = "correct horse battery") -> "AgentClient":
        """Create an agent account on the test stack, log it in and set it online."""
        stack.create_agent(email, name, "agent", password)
        agent = cls.login(stack.helpdesk_url, email, password)
        agent.go_online()
        return agent

    @classmethod
    def login(cls, base_url: str, email: str, password: str) -> "AgentClient":
        response = requests.post(f"{base_url}/api/auth/token", json={"email": email, "password": password}, timeout=10)
        response.raise_for_status()
        return cls(base_url=base_url, token=response.json()["token"])

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return requests.request(method, f"{self.base_url}/api{path}", headers=headers, timeout=15, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.ok, f"{method} {path} -> {response.status_code}: {response.text}"
        return response.json() if response.content else None

    def go_online(self) -> None:
        self.ok("PUT", "/agents/me/presence", json={"presence": "online"})

    def queue(self) -> list[dict[str, Any]]:
        return self.ok("GET", "/queue")

    def ticket_id(self, reference: str) -> int:
        """The API addresses tickets by id; customers and tests know the reference (T-1042)."""
        found = [t["id"] for t in self.ok("GET", "/tickets", params={"limit": 500}) if t["reference"] == reference]
        assert found, f"no ticket {reference}"
        return found[0]

    def claim_for_conversation(self, conversation_id: str) -> str:
        """Claim the waiting ticket of this conversation; returns its reference."""
        waiting = self.ok("GET", "/tickets", params={"status": "waiting", "limit": 500})
        reference = next(t["reference"] for t in waiting if t["conversation_id"] == conversation_id)
        self.claim(reference)
        return reference

    def ticket(self, reference: str) -> dict[str, Any]:
        return self.ok("GET", f"/tickets/{self.ticket_id(reference)}")

    def claim(self, reference: str) -> dict[str, Any]:
        return self.ok("POST", f"/tickets/{self.ticket_id(reference)}/claim")

    def reply(self, reference: str, body: str) -> dict[str, Any]:
        return self.ok("POST", f"/tickets/{self.ticket_id(reference)}/messages", json={"text": body})

    def resolve(self, reference: str) -> dict[str, Any]:
        return self.ok("POST", f"/tickets/{self.ticket_id(reference)}/resolve")


class Customer:
    """A customer on the callback channel: sends messages, reads what reached their chat."""

    def __init__(self, stack, standins):
        self.stack = stack
        self.collector = standins.callback
        self.id = f"cb-{uuid.uuid4().hex[:10]}"  # the gateway's sender id
        self.conversation_id = f"callback:{self.id}"  # Rasa's, and the helpdesk's

    def say(self, text: str) -> None:
        response = post_callback(self.stack.rasa_url, {"sender": self.id, "message": text})
        assert response.status_code == 200, response.text

    def texts(self):
        return [m.get("text") or "" for m in self.collector.messages(self.id)]

    def wait_for_text(self, pattern: str, timeout: float = 15.0) -> str:
        message = self.collector.wait_for(self.id, lambda m: re.search(pattern, m.get("text") or "", re.I), timeout)
        return message["text"]

    def escalate(self, confirmation: str) -> str:
        """Ask for a person and answer the bot's questions; returns the message matching ``confirmation``."""
        return escalate(self.say, self.texts, {
            r"your name": "Noa Cohen",
            r"email": "noa@example.com",
            r"what's the problem|pass this on as": "My refund for order 1182 never arrived",
        }, confirmation=confirmation).confirmation

    def open_ticket(self) -> str:
        """Ask for a person and answer the questions; the reference (T-1042) the bot confirmed."""
        return re.search(r"T-\d+", self.escalate(r"your ticket is T-\d+")).group(0)


class Visitor(WebChat):
    """The widget as a visitor's page runs it (socket.io): the bot's lines are kept as they arrive."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.lines: list[str] = []

    def texts(self) -> list[str]:
        while True:
            try:
                self.lines.append(self.events["bot_uttered"].get_nowait().get("text") or "")
            except queue.Empty:
                return self.lines

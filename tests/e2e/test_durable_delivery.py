"""Durable delivery with every process real: an escalation promised while the helpdesk is down
survives ``kill -9`` of Rasa, the action server and the helpdesk and ends in exactly one ticket and
one announcement; a customer whose Telegram refuses the bot's messages for good fails fast, shown
to the agent with the reason, while other customers' replies go on arriving.
"""
from __future__ import annotations

import dataclasses
import os
import random
import re
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from bot.logging_setup import Redactor
from bot.models import EscalationRequest, Ticket
from bot.settings import load_settings
from bot.stack.assembly import RunningStack, prepare, start_services
from bot.stack.supervisor import Service, Supervisor
from tests.e2e.conftest import Stack, stack_env
from tests.e2e.helpers import AgentClient, Customer
from tests.e2e.standins import escalate, post_telegram_update, telegram_update

pytestmark = pytest.mark.e2e

TICKET_ANNOUNCED = r"your ticket is T-\d+"
BLOCKED = "Forbidden: bot was blocked by the user"
# Rasa loads TensorFlow and the action server the KB: on a 2-core machine shared with other test runs
# a start can take minutes.
STARTUP_TIMEOUT_S = 420.0


@dataclasses.dataclass
class KillableStack(Stack):
    """A stack of its own whose processes the test kills and starts again (the shared one stays up)."""

    supervisor: Supervisor

    def kill(self, name: str) -> None:
        """``kill -9`` the process (and its children), as a crash would."""
        service = next(s for s in self.supervisor.services if s.name == name)
        os.killpg(service.running.pid, signal.SIGKILL)
        service.running.wait(timeout=10)

    def start_again(self, name: str, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        """Start a killed process again (a fresh one, as a restart would) and wait until it answers.

        While it was down, another process on this busy machine (a test client's outgoing connection)
        may hold its port for a moment; like a supervisor, try again then.
        """
        for _ in range(3):
            old = next(s for s in self.supervisor.services if s.name == name)
            self.supervisor.services.remove(old)
            service = Service(name=old.name, argv=old.argv, health_url=old.health_url, env=old.env, url=old.url,
                              ready=old.ready, reformat=old.reformat)
            self.supervisor.start(service)
            if _answers_in_time(service, timeout_s):
                return
            time.sleep(2)
        raise AssertionError(f"{name} did not start again: {service.tail[-3:]}")

    def rows(self, model, customer: Customer):
        """The customer's rows of ``model`` (the conversation id may carry the channel's prefix)."""
        engine = make_engine(self.database_url)
        try:
            with session_scope(make_session_factory(engine)) as session:
                found = session.scalars(select(model).where(model.conversation_id.endswith(customer.id))).all()
                for row in found:
                    session.expunge(row)
                return found
        finally:
            engine.dispose()


def _answers_in_time(service: Service, timeout_s: float) -> bool:
    """True once the process answers its health check; False when it exited because its port was taken."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.running.poll() is not None:
            time.sleep(0.3)  # let the supervisor copy its last lines
            assert any("address already in use" in line for line in service.tail), service.tail[-3:]
            return False
        try:
            if service.ready(requests.get(service.health_url, timeout=2)):
                return True
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.25)
    raise AssertionError(f"{service.name} did not answer within {timeout_s} s of starting again")


@pytest.fixture(scope="module")
def killable(tmp_path_factory, standins) -> Iterator[KillableStack]:
    """Started like ``make run`` starts the stack, without anything restarting what the test kills."""
    env = stack_env(tmp_path_factory.mktemp("durable-stack"), standins, HTTP_RETRIES="1", HTTP_TIMEOUT_S="3")
    settings = load_settings(env)
    model = prepare(settings, env)
    supervisor = Supervisor(settings.log_dir, Redactor([settings.rasa_token, settings.service_token]), console=None)
    try:
        start_services(supervisor, settings, model, env)
        supervisor.wait_ready(STARTUP_TIMEOUT_S)
        yield KillableStack(running=RunningStack(settings=settings, supervisor=supervisor, model=model), env=env,
                            supervisor=supervisor)
    finally:
        supervisor.stop()


def test_an_escalation_promised_while_the_helpdesk_is_down_survives_kill_9_of_every_process(killable, standins):
    killable.kill("helpdesk")
    customer = Customer(killable, standins)
    apology = customer.escalate(r"can't reach our support team")
    assert "keep trying" in apology
    [pending] = killable.rows(EscalationRequest, customer)
    assert pending.status == "pending" and pending.attempts == 1, "the promise is in the database, not in Rasa"

    killable.kill("rasa")  # Rasa held the old retry reminders in memory: nothing may depend on it now
    killable.kill("actions")
    killable.start_again("actions")
    killable.start_again("rasa")
    assert killable.rows(Ticket, customer) == []

    killable.start_again("helpdesk")  # its drainer creates the ticket and tells the customer in the chat
    announcement = customer.wait_for_text(TICKET_ANNOUNCED, timeout=60)
    reference = re.search(r"T-\d+", announcement).group(0)
    [ticket] = killable.rows(Ticket, customer)
    assert ticket.reference == reference and ticket.description == "My refund for order 1182 never arrived"
    [done] = killable.rows(EscalationRequest, customer)
    assert (done.status, done.ticket_reference) == ("done", reference)

    # The chat is handed over (the announcement set the handoff), and nothing is announced twice.
    agent = AgentClient.new_online_agent(killable, f"agent-{uuid.uuid4().hex[:6]}@example.com", "Dana")
    customer.say("is anyone there?")
    killable.wait_for(lambda: any(m["body"] == "is anyone there?" and m["author_type"] == "customer"
                                  for m in agent.ticket(reference)["messages"]), timeout=20)
    agent.claim(reference)
    customer.wait_for_text("Dana from the support team has joined")
    assert [text for text in customer.texts() if re.search(TICKET_ANNOUNCED, text, re.I)] == [announcement]
    assert len(killable.rows(Ticket, customer)) == 1


def test_a_customer_who_blocked_the_bot_is_shown_to_the_agent_while_others_are_served(killable, standins):
    stack = killable  # this module's own stack: every process is up again after the test above
    telegram = standins.telegram
    chat_id = random.randint(10**9, 10**10)

    def send(text: str) -> None:
        assert post_telegram_update(stack.rasa_url, telegram_update(chat_id, text)).status_code == 200

    agent = AgentClient.new_online_agent(stack, f"agent-{uuid.uuid4().hex[:6]}@example.com", "Omer")
    blocked = escalate(send, lambda: [m["text"] for m in telegram.messages(chat_id)], {
        r"your name": "Dana Levi", r"email": "dana.levi@example.com",
        r"what's the problem": "My parcel says delivered but it never arrived",
    })
    other = Customer(stack, standins)
    other_reference = re.search(r"T-\d+", other.escalate(r"your ticket is T-\d+")).group(0)
    agent.claim(blocked.reference)
    telegram.wait_for(chat_id, lambda m: "Omer from the support team has joined" in m["text"], timeout=30)
    agent.claim(other_reference)

    telegram.refusing[str(chat_id)] = BLOCKED
    agent.reply(blocked.reference, "Hi Dana, I've asked the courier.")
    agent.reply(blocked.reference, "Are you still there?")
    agent.reply(other_reference, "Hi Noa, your refund is on its way.")

    assert other.wait_for_text("refund is on its way", timeout=30).startswith("Omer:")

    def failed_lines() -> list[dict]:
        lines = [m for m in agent.ticket(blocked.reference)["messages"] if m["author_type"] == "agent"]
        return lines if all(m["delivery_error"] for m in lines) else []

    first, second = stack.wait_for(failed_lines, timeout=30)
    # The Telegram connector's reason, e.g. "recipient unreachable: the customer blocked the bot on Telegram"
    assert first["delivery_error"].startswith("recipient unreachable: ") and "blocked" in first["delivery_error"]
    assert "refused an earlier line" in second["delivery_error"] and "blocked" in second["delivery_error"]
    assert first["delivery_attempts"] == 1 and not first["delivered"]
    assert not any("asked the courier" in m["text"] for m in telegram.messages(chat_id))

    del telegram.refusing[str(chat_id)]  # the customer unblocked the bot; the agent sends both again
    ticket_id = agent.ticket_id(blocked.reference)
    agent.ok("POST", f"/tickets/{ticket_id}/messages/{first['id']}/retry")
    telegram.wait_for(chat_id, lambda m: "Are you still there?" in m["text"], timeout=30)
    texts = [m["text"] for m in telegram.messages(chat_id)]
    assert texts.index("Omer: Hi Dana, I've asked the courier.") < texts.index("Omer: Are you still there?")

"""A live handoff survives ``kill -9`` of each process in turn, with every process real.

A customer (callback channel) talks to an agent (helpdesk API). Rasa, the action server and the
helpdesk are killed one after the other; while each is down, the customer writes a line (resent by
the gateway until Rasa takes it, as a messaging platform redelivers a webhook that was refused) and
the agent writes one (resent by the agent until the helpdesk takes it, as the console does). After
the supervisor has brought everything back, every customer line is in the ticket exactly once,
every agent line reached the customer's chat exactly once, and the conversation has one ticket.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial

import pytest
import requests

from bot.stack.assembly import start_stack
from tests.e2e.conftest import Stack, stack_env
from tests.e2e.helpers import AgentClient, Customer
from tests.e2e.standins import post_callback

pytestmark = pytest.mark.e2e

# Rasa loads TensorFlow and the action server builds the KB index: on a busy 2-core machine a restart
# can take minutes.
RECOVERY_TIMEOUT_S = 420.0


@pytest.fixture(scope="module")
def supervised(tmp_path_factory, standins) -> Iterator[Stack]:
    """A stack of its own (the shared one stays up): the supervisor restarts what the test kills."""
    env = stack_env(tmp_path_factory.mktemp("handoff-faults"), standins)
    with start_stack(env, timeout_s=RECOVERY_TIMEOUT_S) as running:
        yield Stack(running=running, env=env)


def until_accepted(send: Callable[[], requests.Response], what: str) -> None:
    """Send until the service takes it: refused connections and 5xx answers are resent, as a platform
    redelivers a webhook and an agent resends a reply the console could not send."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while True:
        try:
            response = send()
            if response.status_code < 500:
                assert response.ok, f"{what}: {response.status_code} {response.text}"
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"{what} was never accepted"
        time.sleep(1)


def count(texts: list[str], line: str) -> int:
    return sum(line in text for text in texts)


def test_every_line_arrives_exactly_once_when_each_process_is_killed_during_a_live_handoff(supervised, standins):
    supervisor = supervised.running.supervisor
    customer = Customer(supervised, standins)
    agent = AgentClient.new_online_agent(supervised, f"faults-{uuid.uuid4().hex[:6]}@acme.example", "Omer")
    customer.escalate(confirmation=r"your ticket is T-\d+")
    reference = agent.claim_for_conversation(customer.conversation_id)
    ticket_id = agent.ticket_id(reference)
    customer.wait_for_text("Omer from the support team")  # the agent has joined: the customer's lines now go to the agent

    customer_lines, agent_lines = [], []
    for name in ("rasa", "actions", "helpdesk"):
        supervisor.kill(name)
        customer_line = f"customer line while {name} was down {uuid.uuid4().hex[:6]}"
        agent_line = f"agent line while {name} was down {uuid.uuid4().hex[:6]}"
        until_accepted(partial(post_callback, supervised.rasa_url, {"sender": customer.id, "message": customer_line},
                               timeout=RECOVERY_TIMEOUT_S), customer_line)
        until_accepted(partial(agent.call, "POST", f"/tickets/{ticket_id}/messages", json={"text": agent_line}),
                       agent_line)
        customer_lines.append(customer_line)
        agent_lines.append(agent_line)
        supervisor.wait_healthy(name, RECOVERY_TIMEOUT_S)

    def ticket_texts() -> list[str]:
        return [m["body"] for m in agent.ok("GET", f"/tickets/{ticket_id}")["messages"] if m["author_type"] == "customer"]

    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        received, relayed = customer.texts(), ticket_texts()
        if all(count(received, line) for line in agent_lines) and all(count(relayed, line) for line in customer_lines):
            break
        time.sleep(1)
    time.sleep(5)  # a late duplicate would show up now

    received, relayed = customer.texts(), ticket_texts()
    assert {line: count(relayed, line) for line in customer_lines} == dict.fromkeys(customer_lines, 1)
    assert {line: count(received, line) for line in agent_lines} == dict.fromkeys(agent_lines, 1), received
    tickets = agent.ok("GET", "/tickets", params={"limit": 500})
    assert [t["reference"] for t in tickets if t["conversation_id"] == customer.conversation_id] == [reference]

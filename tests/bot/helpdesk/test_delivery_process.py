"""With ``DELIVERY_PROCESS`` on, agents' lines reach the customer's chat from a child process of the
helpdesk: in order, again after that process died, never holding up a request, and never outliving
the helpdesk process that started it (a Rasa stand-in on loopback records what arrives)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.helpdesk.delivery_process import DeliveryProcess
from bot.models import TicketMessage
from tests.bot.helpdesk.standins import wait_until
from tests.bot.helpdesk.test_helpdesk_delivery import claimed_ticket, line, reply

JOINED, MESSAGE = "EXTERNAL_agent_joined", "EXTERNAL_agent_message"


@pytest.fixture
def settings_env(settings_env: dict) -> dict:
    return {**settings_env, "DELIVERY_PROCESS": "true"}


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_lines_reach_the_chat_in_order_from_a_process_of_their_own(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-child")
    for text in ("first", "second", "third"):
        reply(desk, anna, ticket_id, text)

    wait_until(lambda: len(rasa.intents("chat-child")) == 4, what="four lines at Rasa")
    assert rasa.intents("chat-child") == [JOINED, MESSAGE, MESSAGE, MESSAGE]
    assert [c["entities"].get("agent_message") for c in rasa.calls[1:]] == ["first", "second", "third"]
    assert wait_until(lambda: line(desk, anna, ticket_id, "third")["delivered"], what="the console shows it")
    child = app.state.deliveries.process.pid
    assert child != os.getpid() and running(child)


def undelivered(desk) -> int:
    with session_scope(desk.sessions) as session:
        return session.scalar(select(func.count()).select_from(TicketMessage).where(
            TicketMessage.rasa_intent.is_not(None), TicketMessage.delivered.is_(False)))


def test_a_delivery_process_that_died_is_replaced_and_sends_what_waited(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-crash")
    wait_until(lambda: not undelivered(desk), what="the agent's joining recorded as delivered")
    first = app.state.deliveries.process.pid
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: not running(first), what="the delivery process gone")

    reply(desk, anna, ticket_id, "written while deliveries were down")  # the agent is not held up

    wait_until(lambda: rasa.intents("chat-crash") == [JOINED, MESSAGE], timeout_s=20, what="the line delivered")
    assert app.state.deliveries.process.pid not in (None, first)


def test_a_request_never_waits_for_a_stuck_delivery_process(settings, sessions):
    deliveries = DeliveryProcess(settings)
    deliveries.start()
    os.kill(deliveries.pid, signal.SIGSTOP)  # reads nothing from its pipe
    try:
        started = time.monotonic()
        for ticket_id in range(20_000):  # far more ticket ids than the pipe holds
            deliveries.deliver(ticket_id)
        assert time.monotonic() - started < 10  # returned although the pipe was full: nothing blocked
    finally:
        os.kill(deliveries.pid, signal.SIGCONT)
        deliveries.stop()
    assert deliveries.pid is None


CRASHING_HELPDESK = """
import json, os, sys
from bot.db import session_scope
from bot.helpdesk.delivery_process import DeliveryProcess
from bot.models import TicketMessage
from bot.settings import load_settings
process = DeliveryProcess(load_settings(json.loads(sys.argv[1])))
process.start()
print(process.pid, flush=True)
os._exit(1)  # no clean-up at all, as when the helpdesk is killed
"""


def test_the_delivery_process_ends_with_the_helpdesk_even_a_killed_one(settings_env, sessions):
    helpdesk = subprocess.run([sys.executable, "-c", CRASHING_HELPDESK, json.dumps(settings_env)],
                              capture_output=True, text=True, timeout=60, check=False)
    child = int(helpdesk.stdout.split()[0])

    wait_until(lambda: not running(child), timeout_s=30, what="the orphaned delivery process gone")

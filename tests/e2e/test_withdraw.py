"""Leaving a handoff on the real stack (Rasa, actions, helpdesk, database): the customer stops waiting,
the ticket is withdrawn, the console sees it live, the bot takes over and the reports count it.

The customer chats through the callback channel; the widget's "Stop waiting" button sends the same
bare ``/withdraw_request`` payload that is said here.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import requests

from tests.e2e.helpers import AgentClient, Customer

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("agent")]  # every escalation finds an agent online


def console_event(agent: AgentClient, kind: str, reference: str, timeout: float = 15.0) -> dict | None:
    """The console's live event ``kind`` for ``reference``, read from the start of the outbox
    (GET /api/events?after=0, Server-Sent Events); None when none comes within ``timeout``."""
    deadline = time.monotonic() + timeout
    try:
        with requests.get(f"{agent.base_url}/api/events", params={"after": 0}, stream=True, timeout=timeout,
                          headers={"Authorization": f"Bearer {agent.token}"}) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    event = json.loads(line[len("data:"):])
                    if event.get("kind") == kind and (event.get("ticket") or {}).get("reference") == reference:
                        return event
                if time.monotonic() > deadline:
                    return None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout):  # nothing more came in time
        return None
    return None


def test_the_stop_waiting_button_withdraws_a_waiting_ticket_and_the_console_sees_it(stack, standins, agent):
    customer = Customer(stack, standins)
    reference = customer.open_ticket()

    customer.say("/withdraw_request")
    customer.wait_for_text(f"withdrawn your request {reference}")

    detail = agent.ticket(reference)
    assert (detail["status"], detail["messages"][-1]["body"]) == ("withdrawn", "The customer withdrew the request")
    assert reference not in [t["reference"] for t in agent.queue()]
    event = console_event(agent, "ticket_withdrawn", reference)
    assert event is not None and event["ticket"]["status"] == "withdrawn"
    claim = agent.call("POST", f"/tickets/{agent.ticket_id(reference)}/claim")
    assert claim.status_code == 409

    customer.say("hello")
    customer.wait_for_text("support assistant")  # the bot answers again


def test_a_typed_never_mind_is_confirmed_and_the_agent_who_claimed_it_can_no_longer_reply(stack, standins, agent):
    customer = Customer(stack, standins)
    reference = customer.open_ticket()
    agent.claim(reference)
    customer.wait_for_text("Dana from the support team has joined")

    customer.say("never mind")
    customer.wait_for_text("stop waiting for our team")
    assert agent.ticket(reference)["status"] == "assigned", "a typed message alone withdraws nothing"
    assert "never mind" in [m["body"] for m in agent.ticket(reference)["messages"]], "the agent still sees it"

    customer.say("/withdraw_request")
    customer.wait_for_text(f"withdrawn your request {reference}")
    refused = agent.call("POST", f"/tickets/{agent.ticket_id(reference)}/messages", json={"text": "Still there?"})
    assert refused.status_code == 409 and "withdrawn by the customer" in refused.text
    assert not any("Still there?" in text for text in customer.texts())

    stack.create_agent("lead@example.com", "Lead", role="admin")
    lead = AgentClient.login(stack.helpdesk_url, "lead@example.com", "correct horse battery")
    today = datetime.now(timezone.utc).date().isoformat()
    report = lead.ok("GET", "/reports", params={"since": today, "until": today})
    assert report["escalations"]["withdrawn"]["count"] >= 2


def test_with_no_request_waiting_a_question_that_reads_like_withdrawing_gets_its_article(stack, standins):
    customer = Customer(stack, standins)

    customer.say("withdraw cookie consent")
    customer.wait_for_text("cookie settings")  # the cookies article, not "you have no request waiting"

    customer.say("i solved it myself")
    customer.wait_for_text("no request waiting")
    assert sum("no request waiting" in text for text in customer.texts()) == 1

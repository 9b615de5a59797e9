"""A helpdesk process works on ``HELPDESK_THREADS`` requests at once, and what waits on another service goes
from threads of its own: a Rasa that hangs holds those, never the threads the agents' requests need (the
real app served by uvicorn, a Rasa stand-in that keeps its callers waiting)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from anyio import to_thread

from tests.bot.helpdesk.standins import wait_until
from tests.bot.helpdesk.test_helpdesk_delivery import messages


@pytest.fixture
def settings_env(settings_env: dict) -> dict:
    # Two request threads, and time enough for a held line's call to Rasa not to time out in the test.
    return {**settings_env, "HELPDESK_THREADS": "2", "HTTP_TIMEOUT_S": "30"}


def test_a_process_has_as_many_worker_threads_as_the_setting_says(client):
    async def worker_threads() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    assert client.portal.call(worker_threads) == 2


def test_lines_held_by_a_hanging_rasa_hold_up_no_agent_request(desk, rasa, live_helpdesk):
    anna = desk.agent("Anna")
    tickets = [desk.ticket_id(desk.escalate(f"chat-slow-{n}")["reference"]) for n in range(3)]
    for ticket_id in tickets:
        assert desk.client.post(f"/api/tickets/{ticket_id}/claim", headers=anna.headers).status_code == 200
    assert len(rasa.calls) == 3  # each customer was told Anna joined
    rasa.door.clear()

    def reply(ticket_id: int) -> int:
        return requests.post(f"{live_helpdesk.base_url}/api/tickets/{ticket_id}/messages", headers=anna.headers,
                             json={"text": f"the answer for ticket {ticket_id}"}, timeout=30).status_code

    try:
        with ThreadPoolExecutor(len(tickets)) as agents:
            assert list(agents.map(reply, tickets)) == [201] * len(tickets)
        wait_until(lambda: rasa.waiting == len(tickets), what="the three lines held at Rasa")
        # More lines wait on Rasa than the process has request threads: the console still answers.
        shown = requests.get(f"{live_helpdesk.base_url}/api/tickets/{tickets[0]}", headers=anna.headers, timeout=10)
        assert shown.status_code == 200
        assert rasa.waiting == len(tickets)
    finally:
        rasa.door.set()

    wait_until(lambda: len(rasa.calls) == 6, timeout_s=30, what="every reply at Rasa")
    assert sorted(call["entities"].get("agent_message") for call in rasa.calls[3:]) == sorted(
        f"the answer for ticket {ticket_id}" for ticket_id in tickets)
    wait_until(lambda: all(line["delivered"] for ticket_id in tickets for line in messages(desk, anna, ticket_id)),
               what="every line shown as delivered")

"""Bad input over real HTTP on both databases: PostgreSQL refuses NUL characters and 64-bit ids
that SQLite takes, so what the helpdesk stores and answers must not depend on the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bot.db import session_scope
from bot.helpdesk import accounts
from bot.web.app import create_app
from tests.bot.helpdesk.conftest import SERVICE_TOKEN
from tests.bot.helpdesk.standins import LiveHelpdesk

NASTY = "\x00 <script>alert('x')</script> '; DROP TABLE tickets; -- שלום مرحبا Příliš žluťoučký 👩‍💻 \ud800"


@pytest.fixture
def server(database) -> Iterator[tuple[str, dict, dict]]:
    """The live helpdesk on each database, with the service headers and a logged-in agent's headers."""
    settings, session_factory = database
    with session_scope(session_factory) as session:
        agent = accounts.create_agent(session, email="anna@example.com", name="Anna", role="agent", password="long enough password")
        token, _ = accounts.open_session(session, agent=agent)
    live = LiveHelpdesk(create_app(settings)).start()
    yield live.base_url, {"Authorization": f"Bearer {SERVICE_TOKEN}"}, {"Authorization": f"Bearer {token}"}
    live.stop()


def test_any_text_is_stored_and_returned_as_plain_text(server):
    base, service, agent = server
    escalation = {
        "idempotency_key": "k1",
        "conversation_id": "c1",
        "reason": "customer_request",
        "subject": NASTY,
        "customer_name": NASTY,
        "transcript": [{"author": "customer", "text": NASTY}, {"author": "customer", "text": "y" * 100_000}],
    }
    assert (
        requests.post(f"{base}/api/internal/tickets", json=escalation, headers=service, timeout=30).status_code == 201
    )
    relay = requests.post(
        f"{base}/api/internal/conversations/c1/messages", json={"text": NASTY}, headers=service, timeout=30
    )
    assert relay.status_code == 201, relay.text

    ticket = requests.post(f"{base}/api/tickets/claim-next", headers=agent, timeout=30).json()
    reply = requests.post(
        f"{base}/api/tickets/{ticket['id']}/messages", json={"text": NASTY}, headers=agent, timeout=30
    )
    assert reply.status_code == 201, reply.text

    stored = "\ufffd" + NASTY[1:-1] + "\ufffd"  # only NUL and the lone surrogate are replaced
    detail = requests.get(f"{base}/api/tickets/{ticket['id']}", headers=agent, timeout=30).json()
    bodies = [m["body"] for m in detail["messages"]]
    assert bodies[0] == stored and bodies[2] == stored and bodies[-1] == stored
    assert len(bodies[1]) <= 10_000 and "message truncated" in bodies[1]
    assert detail["customer_name"] == " ".join(stored.split())


def test_unknown_and_impossible_ids_are_404(server):
    base, _, agent = server
    for ticket_id in (1, 2**31, 2**63):
        response = requests.post(f"{base}/api/tickets/{ticket_id}/claim", headers=agent, timeout=30)
        assert response.status_code == 404, (ticket_id, response.text)
    transfer = requests.patch(f"{base}/api/agents/{2**40}", json={"name": "x"}, headers=agent, timeout=30)
    assert transfer.status_code == 403  # admins only, checked before the id

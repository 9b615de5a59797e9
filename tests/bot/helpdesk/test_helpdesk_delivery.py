"""Agent-side lines reach the customer's chat through Rasa's trigger_intent, in order, and nothing
is lost while Rasa is down (a Rasa stand-in on loopback records what arrives)."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from bot.helpdesk.rasa_bridge import RasaBridge
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.helpdesk.conftest import RASA_TOKEN, Desk
from tests.bot.helpdesk.standins import RasaStandIn, wait_until
from tests.helpers.postgres import free_port


def claimed_ticket(desk: Desk, conversation_id: str):
    anna = desk.agent("Anna")
    ticket_id = desk.ticket_id(desk.escalate(conversation_id)["reference"])
    assert desk.client.post(f"/api/tickets/{ticket_id}/claim", headers=anna.headers).status_code == 200
    return anna, ticket_id


def messages(desk: Desk, agent, ticket_id: int) -> list:
    return desk.client.get(f"/api/tickets/{ticket_id}", headers=agent.headers).json()["messages"]


def test_the_whole_handoff_reaches_the_customers_conversation(desk, rasa):
    anna, ticket_id = claimed_ticket(desk, "chat-42")
    desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Hi, I'm Anna"}, headers=anna.headers)
    desk.client.post(f"/api/tickets/{ticket_id}/notes", json={"text": "internal only"}, headers=anna.headers)
    resolved = desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers).json()
    desk.client.post(f"/api/tickets/{ticket_id}/reopen", headers=anna.headers)

    assert [(c["intent"], c["entities"]) for c in rasa.calls] == [
        ("EXTERNAL_agent_joined", {"agent_name": "Anna"}),
        ("EXTERNAL_agent_message", {"agent_message": "Hi, I'm Anna", "agent_name": "Anna"}),
        (
            "EXTERNAL_ticket_resolved",
            {
                "ticket_reference": resolved["reference"],
                "agent_name": "Anna",
                "resolution_id": rasa.calls[2]["entities"]["resolution_id"],
            },
        ),
        ("EXTERNAL_ticket_reopened", {"ticket_reference": resolved["reference"]}),
    ]
    assert isinstance(rasa.calls[2]["entities"]["resolution_id"], int)
    assert {(c["conversation_id"], c["output_channel"]) for c in rasa.calls} == {("chat-42", "latest")}
    assert all(m["delivered"] for m in messages(desk, anna, ticket_id))


def test_replies_written_while_rasa_is_down_arrive_later_in_order(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-down")
    rasa.status = 503
    for text in ("first", "second", "third"):
        response = desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": text}, headers=anna.headers)
        assert response.status_code == 201  # the agent is not blocked by Rasa being down
    undelivered = [m["body"] for m in messages(desk, anna, ticket_id) if not m["delivered"]]
    assert undelivered == ["first", "second", "third"]
    assert rasa.refused >= 3

    rasa.status = 200
    wait_until(
        lambda: all(m["delivered"] for m in messages(desk, anna, ticket_id)),
        timeout_s=15,
        what="the app's retry loop delivered everything",
    )
    assert [c["entities"].get("agent_message") for c in rasa.calls[1:]] == ["first", "second", "third"]


def test_a_line_rasa_refuses_for_good_is_marked_and_does_not_block_the_rest(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-refused")
    rasa.status = 400
    desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "refused"}, headers=anna.headers)
    rasa.status = 200
    desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "accepted"}, headers=anna.headers)
    lines = {m["body"]: m for m in messages(desk, anna, ticket_id)}
    assert lines["refused"]["delivered"] is False and "HTTP 400" in lines["refused"]["delivery_error"]
    assert lines["accepted"]["delivered"] is True
    assert app.state.bridge.deliver_pending() == 0  # nothing left that a retry could deliver


def test_an_unreachable_rasa_is_retried_and_its_token_never_logged(settings_env, sessions, caplog):
    port = free_port()
    settings = load_settings({**settings_env, "RASA_URL": f"http://127.0.0.1:{port}", "HTTP_RETRIES": "2"})
    with TestClient(create_app(settings)) as client:
        desk = Desk(client, sessions)
        with caplog.at_level(logging.WARNING):
            anna, ticket_id = claimed_ticket(desk, "chat-unreachable")
            desk.client.post(
                f"/api/tickets/{ticket_id}/messages", json={"text": "are you there?"}, headers=anna.headers
            )
        assert "Rasa is unavailable" in caplog.text and "tried 3 times" in caplog.text
        assert RASA_TOKEN not in caplog.text

        rasa = RasaStandIn(RASA_TOKEN, port=port).start()
        try:
            RasaBridge(settings, client.app.state.session_factory).deliver_pending()
            assert rasa.intents("chat-unreachable") == ["EXTERNAL_agent_joined", "EXTERNAL_agent_message"]
        finally:
            rasa.stop()

"""The engine's web-chat presence reports (``PUT /api/internal/conversations/{id}/presence``)."""
from __future__ import annotations

from bot.customers.store import find_by_identity
from bot.db import session_scope
from bot.models import Conversation, Customer

PATH = "/api/internal/conversations/{}/presence"


def report(desk, conversation_id: str, expect: int = 200, **body) -> dict:
    response = desk.client.put(PATH.format(conversation_id), json=body, headers=desk.service)
    assert response.status_code == expect, response.text
    return response.json()


def test_open_and_closed_sockets_are_counted_and_never_below_zero(desk):
    assert report(desk, "web:abc", open=True)["open_sockets"] == 1
    assert report(desk, "web:abc", open=True)["open_sockets"] == 2
    assert report(desk, "web:abc", open=False)["open_sockets"] == 1
    assert report(desk, "web:abc", open=False)["open_sockets"] == 0
    assert report(desk, "web:abc", open=False)["open_sockets"] == 0
    with session_scope(desk.sessions) as session:
        assert session.get(Conversation, "web:abc").open_sockets == 0


def test_a_verified_identity_is_linked_to_the_conversations_customer(desk):
    receipt = report(desk, "web:abc", open=True, verified_user_id="u-42", verified_email="Dana@Example.com")
    with session_scope(desk.sessions) as session:
        customer = session.get(Customer, receipt["customer_id"])
        assert customer.email == "dana@example.com"
        assert find_by_identity(session, "site", "u-42").id == customer.id


def test_the_ticket_of_a_verified_web_chat_belongs_to_the_verified_customer(desk):
    receipt = report(desk, "web:abc", open=True, verified_user_id="u-42")
    desk.escalate("web:abc")
    with session_scope(desk.sessions) as session:
        conversation = session.get(Conversation, "web:abc")
        assert conversation.customer_id == receipt["customer_id"]
        assert session.get(Customer, receipt["customer_id"]).email is None  # the typed address proves nothing


def test_only_the_service_may_report_and_bad_bodies_are_refused(desk):
    assert desk.client.put(PATH.format("web:abc"), json={"open": True}).status_code == 401
    report(desk, "web:abc", expect=422, open="maybe")
    report(desk, "web:abc", expect=422, open=True, is_external=True)
    report(desk, "web:abc", expect=422, open=True, verified_user_id="")


def test_a_starting_engine_closes_every_chat_until_it_reports_itself_again(desk):
    report(desk, "web:abc", open=True)
    report(desk, "web:def", open=True)
    response = desk.client.put("/api/internal/presence", json={"open_sockets": 0}, headers=desk.service)
    assert response.json() == {"conversations": 2}
    assert report(desk, "web:abc", open=True)["open_sockets"] == 1
    assert desk.client.put("/api/internal/presence", json={"open_sockets": 3}, headers=desk.service).status_code == 422

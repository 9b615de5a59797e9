"""The customer routes of the agent API (real app, real SQLite database): search, the customer page,
a ticket's customer, merging with its audit; auth, bad ids and refusals."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.customers.store import customer_for_conversation, link_proven_email
from bot.db import session_scope
from bot.models import Conversation, CustomerMerge, Ticket


class Customers:
    """Customers as the bot makes them (the store functions), their tickets escalated through the API."""

    def __init__(self, desk):
        self.desk = desk

    def make(self, conversation_id: str, channel: str, *, name: str | None = None, email: str | None = None) -> int:
        with session_scope(self.desk.sessions) as session:
            customer = customer_for_conversation(session, conversation_id=conversation_id, channel=channel)
            if email:
                customer = link_proven_email(session, customer=customer, email=email, proof="code")
            customer.name = customer.name or name
            return customer.id

    def escalate(self, conversation_id: str, channel: str, subject: str) -> dict:
        """A ticket of this conversation's customer (linked as ticket creation links it)."""
        receipt = self.desk.escalate(conversation_id, channel=channel, subject=subject)
        with session_scope(self.desk.sessions) as session:
            row = session.scalar(select(Ticket).where(Ticket.reference == receipt["reference"]))
            row.customer_id = row.customer_id or session.get_one(Conversation, conversation_id).customer_id
            return {"id": row.id, "reference": row.reference}


@pytest.fixture
def customers(desk) -> Customers:
    return Customers(desk)


def test_every_customer_route_needs_a_login(desk, customers):
    dana = customers.make("web:aa", "socketio", name="Dana")
    for method, path, body in (
        ("GET", "/api/customers?query=dana", None),
        ("GET", f"/api/customers/{dana}", None),
        ("GET", "/api/tickets/1/customer", None),
        ("POST", f"/api/customers/{dana}/merge", {"other_id": 2, "reason": "same"}),
        ("GET", f"/api/customers/{dana}/merges", None),
    ):
        response = desk.client.request(method, path, json=body, headers=desk.service)
        assert response.status_code == 401, path


def test_the_customer_page_has_identities_and_every_channel_newest_first(desk, customers):
    agent = desk.agent()
    dana = customers.make("web:aa", "socketio", name="Dana Levi", email="dana@example.com")
    web = customers.escalate("web:aa", "socketio", "Cannot reset my password")
    customers.make("telegram:52", "telegram", email="dana@example.com")  # proves the same address: one person
    telegram = customers.escalate("telegram:52", "telegram", "Where is my refund")

    page = desk.client.get(f"/api/customers/{dana}", headers=agent.headers).json()
    assert (page["id"], page["name"], page["email"], page["redirected_from"]) == (
        dana, "Dana Levi", "dana@example.com", None)
    assert (page["ticket_count"], page["conversation_count"]) == (2, 2)
    assert {(i["kind"], i["proof"]) for i in page["identities"]} == {
        ("web", "channel"), ("telegram", "channel"), ("email", "code")}
    tickets = [(e["channel"], e["reference"], e["subject"], e["status"]) for e in page["history"] if e["kind"] == "ticket"]
    assert tickets == [
        ("telegram", telegram["reference"], "Where is my refund", "waiting"),
        ("web", web["reference"], "Cannot reset my password", "waiting"),
    ]

    found = desk.client.get("/api/customers", params={"query": "LEVI"}, headers=agent.headers).json()
    assert [(c["id"], c["ticket_count"]) for c in found] == [(dana, 2)]
    for nothing in ("nobody", "\x00", "%"):  # a NUL or a wildcard is no server error either
        assert desk.client.get("/api/customers", params={"query": nothing}, headers=agent.headers).json() == []


def test_a_ticket_shows_its_customer_and_only_their_other_tickets_and_conversations(desk, customers):
    agent = desk.agent()
    dana = customers.make("web:aa", "socketio", name="Dana", email="dana@example.com")
    first = customers.escalate("web:aa", "socketio", "First question")
    customers.make("telegram:52", "telegram", email="dana@example.com")
    second = customers.escalate("telegram:52", "telegram", "Second question")
    customers.make("web:bb", "socketio", name="Someone else")
    stranger = customers.escalate("web:bb", "socketio", "Not Dana's")

    view = desk.client.get(f"/api/tickets/{second['id']}/customer", headers=agent.headers).json()
    assert view["customer"]["id"] == dana
    assert view["customer"]["email"] == "dana@example.com"
    assert [(e["kind"], e["channel"], e["reference"]) for e in view["others"]] == [
        ("ticket", "web", first["reference"]),
        ("conversation", "web", None),
    ]
    assert view["more"] == 0
    assert stranger["reference"] not in str(view)


def test_a_ticket_lists_at_most_ten_others_and_counts_the_rest(desk, customers):
    agent = desk.agent()
    customers.make("web:0", "socketio", email="many@example.com")
    for number in range(1, 8):
        customers.make(f"telegram:{number}", "telegram", email="many@example.com")
        customers.escalate(f"telegram:{number}", "telegram", f"Question {number}")
    latest = customers.escalate("web:0", "socketio", "The one open")
    view = desk.client.get(f"/api/tickets/{latest['id']}/customer", headers=agent.headers).json()
    assert len(view["others"]) == 10
    assert view["more"] == 4  # 7 other tickets + 7 other conversations


def test_a_ticket_without_a_customer_record_says_so(desk):
    agent = desk.agent()
    receipt = desk.escalate("legacy-conversation")
    with session_scope(desk.sessions) as session:  # created before customer records existed
        session.get_one(Ticket, desk.ticket_id(receipt["reference"])).customer_id = None
        session.delete(session.get_one(Conversation, "legacy-conversation"))
    view = desk.client.get(f"/api/tickets/{desk.ticket_id(receipt['reference'])}/customer", headers=agent.headers)
    assert view.json() == {"customer": None, "others": [], "more": 0}


@pytest.mark.parametrize("bad_id", ["0", "-1", "99999", str(2**40)])
def test_unknown_ids_are_404(desk, bad_id):
    agent = desk.agent()
    for path in (f"/api/customers/{bad_id}", f"/api/customers/{bad_id}/merges", f"/api/tickets/{bad_id}/customer"):
        response = desk.client.get(path, headers=agent.headers)
        assert response.status_code == 404, path
        assert "not found" in response.json()["detail"]


def test_ids_that_are_not_numbers_and_a_missing_query_are_422(desk):
    agent = desk.agent()
    for path in ("/api/customers/abc", "/api/customers/1.5/merges", "/api/customers", "/api/customers?query="):
        assert desk.client.get(path, headers=agent.headers).status_code == 422, path


def test_an_agent_merges_two_customers_with_a_reason_and_the_audit_and_log_keep_it(desk, customers, caplog):
    agent = desk.agent(name="Mia Agent")
    kept = customers.make("web:aa", "socketio", name="Dana")
    merged = customers.make("whatsapp:+420777123456", "twilio")
    ticket = customers.escalate("whatsapp:+420777123456", "twilio", "On WhatsApp")

    with caplog.at_level(logging.INFO, logger="bot.helpdesk.customers_api"):
        response = desk.client.post(f"/api/customers/{kept}/merge", headers=agent.headers,
                                    json={"other_id": merged, "reason": "  same phone on the web order  "})
    assert response.status_code == 201, response.text
    audit = response.json()
    assert (audit["kept_customer_id"], audit["merged_customer_id"], audit["agent"]["name"], audit["reason"]) == (
        kept, merged, "Mia Agent", "same phone on the web order")
    assert (audit["details"]["tickets"], audit["details"]["conversations"]) == (1, 1)
    assert f"agent {agent.id} merged customer {merged} into customer {kept}" in caplog.text

    page = desk.client.get(f"/api/customers/{kept}", headers=agent.headers).json()
    assert page["phone"] == "+420777123456"
    assert [e["reference"] for e in page["history"] if e["kind"] == "ticket"] == [ticket["reference"]]
    # The merged-away id leads to the record that holds it now.
    moved = desk.client.get(f"/api/customers/{merged}", headers=agent.headers).json()
    assert (moved["id"], moved["redirected_from"]) == (kept, merged)
    assert desk.client.get(f"/api/tickets/{ticket['id']}/customer", headers=agent.headers).json()["customer"]["id"] == kept

    for record in (kept, merged):
        merges = desk.client.get(f"/api/customers/{record}/merges", headers=agent.headers).json()
        assert [(m["id"], m["agent"]["id"]) for m in merges] == [(audit["id"], agent.id)]
    with session_scope(desk.sessions) as session:
        assert session.scalar(select(CustomerMerge.agent_id)) == agent.id


def test_merges_that_cannot_be_are_refused_clearly_and_change_nothing(desk, customers):
    agent = desk.agent()
    dana = customers.make("web:aa", "socketio", name="Dana")
    noa = customers.make("web:bb", "socketio", name="Noa")

    def merge(customer_id, body):
        return desk.client.post(f"/api/customers/{customer_id}/merge", headers=agent.headers, json=body)

    self_merge = merge(dana, {"other_id": dana, "reason": "oops"})
    assert (self_merge.status_code, self_merge.json()["detail"]) == (
        422, "a customer cannot be merged with itself: choose another record")
    unknown = merge(dana, {"other_id": 99999, "reason": "same"})
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "the other customer 99999 not found")
    assert merge(99999, {"other_id": dana, "reason": "same"}).status_code == 404
    for no_reason in ({"other_id": noa}, {"other_id": noa, "reason": "   "}, {"other_id": noa, "reason": "x" * 301}):
        assert merge(dana, no_reason).status_code == 422, no_reason
    assert merge(dana, {"other_id": "noa", "reason": "same"}).status_code == 422
    with session_scope(desk.sessions) as session:
        assert session.scalar(select(CustomerMerge.id)) is None

    assert merge(dana, {"other_id": noa, "reason": "same person"}).status_code == 201
    again = merge(noa, {"other_id": dana, "reason": "same person"})
    assert (again.status_code, again.json()["detail"]) == (
        409, f"customers {noa} and {dana} are already one record ({dana})")


def test_cookie_sessions_need_the_csrf_token_to_merge(desk, customers):
    desk.agent()
    dana = customers.make("web:aa", "socketio")
    noa = customers.make("web:bb", "socketio")
    login = desk.client.post("/api/auth/login", json={"email": "agent1@example.com", "password": "correct horse battery"})
    assert login.status_code == 200
    refused = desk.client.post(f"/api/customers/{dana}/merge", json={"other_id": noa, "reason": "same"})
    assert refused.status_code == 403
    allowed = desk.client.post(f"/api/customers/{dana}/merge", json={"other_id": noa, "reason": "same"},
                               headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert allowed.status_code == 201


def test_names_come_back_as_plain_text(desk, customers):
    agent = desk.agent()
    dana = customers.make("web:aa", "socketio", name="<script>alert(1)</script>")
    assert desk.client.get(f"/api/customers/{dana}", headers=agent.headers).json()["name"] == "<script>alert(1)</script>"

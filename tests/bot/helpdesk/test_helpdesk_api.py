"""The helpdesk HTTP API as agents and the action server use it (real app, real SQLite database)."""

from __future__ import annotations

import json

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.helpdesk import accounts
from bot.helpdesk.auth import forwarded_client, trusted_networks
from bot.kb.delivery import article_link
from bot.kb.loader import scan_articles
from bot.models import Ticket
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.helpdesk.conftest import PASSWORD

# ---------------------------------------------------------------- service basics


def test_health_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok"}
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/auth/login",
        "/api/queue",
        "/api/tickets/claim-next",
        "/api/tickets/{ticket_id}/resolve",
        "/api/internal/tickets",
        "/api/internal/conversations/{conversation_id}/messages",
        "/api/events",
    ):
        assert path in paths


def test_a_method_the_path_does_not_take_gets_405_with_every_method_it_does(client):
    response = client.request("OPTIONS", "/api/agents")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json() == {"detail": "Method Not Allowed"}


def test_internal_api_needs_the_service_token(desk):
    agent = desk.agent()
    for headers in ({}, agent.headers, {"Authorization": "Bearer wrong"}):
        assert desk.client.get("/api/internal/availability", headers=headers).status_code == 401


def test_agent_api_needs_a_login(desk):
    for method, path in (
        ("GET", "/api/queue"),
        ("POST", "/api/tickets/claim-next"),
        ("GET", "/api/tickets/1"),
        ("GET", "/api/agents"),
    ):
        response = desk.client.request(method, path, headers=desk.service)
        assert response.status_code == 401, path
        assert response.json() == {"detail": "your session has expired or was logged out; log in again"}


# ---------------------------------------------------------------- escalation (action server side)


def test_escalation_is_idempotent_and_tells_the_customer_what_to_expect(desk):
    receipt = desk.escalate("conv-1")
    assert receipt == {
        "reference": receipt["reference"],
        "status": "waiting",
        "created": True,
        "queue_position": 1,
        "wait_estimate_minutes": None,
        "agents_online": 0,
        "open_now": True,
        "next_open": receipt["next_open"],
        "live_handoff": True,
        "language_covered": True,
    }
    again = desk.escalate("conv-1", expect=200)
    assert (again["reference"], again["created"]) == (receipt["reference"], False)
    assert len(desk.client.get("/api/queue", headers=desk.agent().headers).json()) == 1


def test_with_an_agent_online_the_wait_is_estimated(desk):
    desk.agent(online=True)
    desk.escalate("conv-1")
    receipt = desk.escalate("conv-2")
    assert (receipt["agents_online"], receipt["queue_position"], receipt["wait_estimate_minutes"]) == (1, 2, 20)
    availability = desk.client.get("/api/internal/availability", headers=desk.service).json()
    assert (availability["agents_online"], availability["queue_length"], availability["open_now"]) == (1, 2, True)


def test_bad_escalations_get_clear_errors(desk):
    for fields, message in (
        ({"reason": "bored"}, "unknown reason 'bored'"),
        ({"customer_email": "not-an-address"}, "is not an e-mail address"),
        ({"idempotency_key": ""}, "at least 1 character"),
    ):
        response = desk.client.post(
            "/api/internal/tickets",
            headers=desk.service,
            json={"idempotency_key": "k", "conversation_id": "c", "reason": "customer_request", **fields},
        )
        assert response.status_code == 422
        assert message in json.dumps(response.json())


def test_relay_reaches_the_ticket_and_ends_when_none_is_open(desk):
    desk.escalate("conv-1")
    url = "/api/internal/conversations/conv-1/messages"
    body = {"text": "<img src=x onerror=alert(1)> hello", "author": "customer", "client_message_id": "m1"}
    first = desk.client.post(url, json=body, headers=desk.service)
    again = desk.client.post(url, json=body, headers=desk.service)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["message_id"] == again.json()["message_id"]
    missing = desk.client.post("/api/internal/conversations/nobody/messages", json=body, headers=desk.service)
    assert (missing.status_code, missing.json()) == (404, {"detail": "no open ticket"})


def test_conversation_ids_with_slashes_and_unicode_work(desk):
    desk.escalate("telegram/שלום 1")
    response = desk.client.post(
        "/api/internal/conversations/telegram%2F%D7%A9%D7%9C%D7%95%D7%9D%201/messages",
        json={"text": "hi"},
        headers=desk.service,
    )
    assert response.status_code == 201, response.text


def test_status_is_for_the_conversation_and_its_customer_never_a_typed_email(desk):
    reference = desk.escalate("conv-1", customer_email="dana@example.com")["reference"]
    with session_scope(desk.sessions) as session:
        customer_id = session.scalar(select(Ticket.customer_id).where(Ticket.reference == reference))

    def status(**params):
        return desk.client.get("/api/internal/tickets/status", headers=desk.service, params=params)

    later = status(conversation_id="a-new-chat", customer_id=customer_id).json()["tickets"]
    assert [(t["reference"], t["status"], t["queue_position"]) for t in later] == [(reference, "waiting", 1)]
    # An older caller's e-mail address is ignored: a new chat that only typed it sees nothing.
    assert status(conversation_id="a-new-chat", email="DANA@example.com").json()["tickets"] == []
    assert status(conversation_id="a-new-chat", reference=reference).json()["tickets"] == []
    assert status(reference=reference).status_code == 422  # a reference alone names no owner
    assert status().status_code == 422


def test_a_waiting_ticket_s_status_has_its_wait_estimate_when_someone_is_online(desk):
    desk.escalate("ahead")
    reference = desk.escalate("conv-2")["reference"]

    def estimate() -> int | None:
        tickets = desk.client.get("/api/internal/tickets/status", headers=desk.service,
                                  params={"conversation_id": "conv-2"}).json()["tickets"]
        assert [(t["reference"], t["queue_position"]) for t in tickets] == [(reference, 2)]
        return tickets[0]["wait_estimate_minutes"]

    assert estimate() is None, "nobody online: no honest estimate"
    desk.agent("Anna", online=True)
    assert estimate() >= 1


# ---------------------------------------------------------------- agents at work


def test_queue_order_claim_and_full_context(desk):
    anna = desk.agent("Anna")
    desk.escalate("calm")
    desk.escalate("angry", reason="frustration")
    queue = desk.client.get("/api/queue", headers=anna.headers).json()
    assert [(t["conversation_id"], t["priority"], t["queue_position"]) for t in queue] == [
        ("angry", "high", 1),
        ("calm", "normal", 2),
    ]

    ticket = desk.client.post("/api/tickets/claim-next", headers=anna.headers).json()
    assert (ticket["conversation_id"], ticket["status"], ticket["assignee"]) == (
        "angry",
        "assigned",
        {"id": anna.id, "name": "Anna"},
    )
    assert ticket["reason_text"] == "The customer seemed frustrated."
    assert ticket["kb_attempts"] == [
        {"article_id": "reset-password", "title": "How to reset your password", "score": 0.82, "outcome": "miss"}
    ]
    assert (ticket["customer_name"], ticket["customer_email"], ticket["channel"]) == (
        "Dana Customer",
        "dana@example.com",
        "socketio",
    )
    assert [(m["author_type"], m["body"]) for m in ticket["messages"]] == [
        ("customer", "How do I reset my password?"),
        ("bot", "Here is how: ..."),
        ("customer", "The link expired"),
        ("system", "Anna joined the conversation"),
    ]
    assert desk.client.post("/api/tickets/claim-next", headers=anna.headers).json()["conversation_id"] == "calm"
    assert desk.client.post("/api/tickets/claim-next", headers=anna.headers).status_code == 204


def test_reply_notes_transfer_resolve_reopen(desk, rasa):
    anna, ben = desk.agent("Anna"), desk.agent("Ben")
    ticket_id = desk.ticket_id(desk.escalate("conv-1")["reference"])
    base = f"/api/tickets/{ticket_id}"
    assert desk.client.post(f"{base}/claim", headers=anna.headers).status_code == 200
    reply = desk.client.post(f"{base}/messages", json={"text": "<b>Hi</b> & welcome"}, headers=anna.headers)
    assert reply.status_code == 201
    assert (reply.json()["body"], reply.json()["author_type"]) == ("<b>Hi</b> & welcome", "agent")
    note = desk.client.post(f"{base}/notes", json={"text": "checked the logs"}, headers=ben.headers)
    assert (note.status_code, note.json()["author_type"]) == (201, "note")
    transferred = desk.client.post(f"{base}/transfer", json={"agent_id": ben.id}, headers=anna.headers).json()
    assert transferred["assignee"]["name"] == "Ben"
    told = [call["entities"] for call in rasa.calls if call["intent"] == "EXTERNAL_agent_joined"][-1]
    assert (told["agent_name"], told["previous_agent_name"]) == ("Ben", "Anna"), "the customer hears who handed over"
    resolved = desk.client.post(f"{base}/resolve", headers=ben.headers).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    assert desk.client.post(f"{base}/reopen", headers=ben.headers).json()["status"] == "assigned"
    mine = desk.client.get("/api/tickets", params={"mine": True}, headers=ben.headers).json()
    assert [t["id"] for t in mine] == [ticket_id]
    by_reference = desk.client.get(
        "/api/tickets", params={"reference": resolved["reference"].lower()}, headers=anna.headers
    )
    assert [t["id"] for t in by_reference.json()] == [ticket_id]


def test_a_resolve_reads_its_ticket_once_and_answers_with_it_resolved(desk):
    """Agents resolve all day: the answer is the ticket the resolve wrote, not a second read of it."""
    anna = desk.agent("Anna")
    ticket_id = desk.ticket_id(desk.escalate("conv-1")["reference"])
    desk.client.post(f"/api/tickets/{ticket_id}/claim", headers=anna.headers)
    reads: list[str] = []

    def remember_ticket_reads(_connection, _cursor, statement, *_args):
        if statement.startswith("SELECT tickets."):
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", remember_ticket_reads)
    try:
        resolved = desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers).json()
    finally:
        event.remove(Engine, "before_cursor_execute", remember_ticket_reads)
    assert len(reads) == 1
    assert (resolved["status"], resolved["messages"][-1]["body"]) == ("resolved", "Anna resolved the ticket")


@pytest.mark.parametrize(
    "action, body", [("messages", {"text": "hi"}), ("resolve", None), ("transfer", {"agent_id": 1}), ("claim", None)]
)
def test_unknown_tickets_are_404(desk, action, body):
    anna = desk.agent()
    for ticket_id in (424242, 2**40):
        response = desk.client.post(f"/api/tickets/{ticket_id}/{action}", json=body, headers=anna.headers)
        assert (response.status_code, response.json()) == (404, {"detail": f"ticket {ticket_id} not found"})
    assert desk.client.get("/api/tickets/424242", headers=anna.headers).status_code == 404


def test_another_agents_ticket_is_403_and_state_errors_are_409(desk):
    anna, ben = desk.agent("Anna"), desk.agent("Ben")
    ticket_id = desk.ticket_id(desk.escalate("conv-1")["reference"])
    base = f"/api/tickets/{ticket_id}"
    desk.client.post(f"{base}/claim", headers=anna.headers)
    claim_again = desk.client.post(f"{base}/claim", headers=ben.headers)
    assert (claim_again.status_code, claim_again.json()["detail"]) == (
        409,
        f"T-{ticket_id + 1000} is already claimed by Anna",
    )
    for action, body in (("messages", {"text": "let me"}), ("resolve", None), ("transfer", {"agent_id": ben.id})):
        response = desk.client.post(f"{base}/{action}", json=body, headers=ben.headers)
        assert response.status_code == 403, action
        assert "assigned to Anna" in response.json()["detail"]
    assert desk.client.post(f"{base}/resolve", headers=anna.headers).status_code == 200
    twice = desk.client.post(f"{base}/resolve", headers=anna.headers)
    assert (twice.status_code, "already resolved" in twice.json()["detail"]) == (409, True)
    late_reply = desk.client.post(f"{base}/messages", json={"text": "one more"}, headers=anna.headers)
    assert late_reply.status_code == 409


def test_replies_must_be_text_of_sensible_size(desk):
    anna = desk.agent()
    ticket_id = desk.ticket_id(desk.escalate("conv-1")["reference"])
    desk.client.post(f"/api/tickets/{ticket_id}/claim", headers=anna.headers)
    for text in ("", "   \n ", "x" * 10_001):
        response = desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": text}, headers=anna.headers)
        assert response.status_code == 422, repr(text[:10])
    unicode_text = "שלום! مرحبا 👋 Dobrý den ' OR 1=1; --"
    stored = desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": unicode_text}, headers=anna.headers)
    assert stored.json()["body"] == unicode_text
    huge = desk.client.post(
        f"/api/tickets/{ticket_id}/messages",
        content=b"{" + b" " * 3_000_000 + b"}",
        headers={**anna.headers, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413


# ---------------------------------------------------------------- login, sessions, CSRF


def test_cookie_login_sets_a_strict_httponly_cookie_and_needs_csrf_for_changes(desk):
    desk.agent("Anna")
    login = desk.client.post("/api/auth/login", json={"email": "agent1@example.com", "password": PASSWORD})
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    csrf = login.json()["csrf_token"]
    assert desk.client.get("/api/queue").status_code == 200  # reading needs no CSRF token
    refused = desk.client.put("/api/agents/me/presence", json={"presence": "away"})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = desk.client.put("/api/agents/me/presence", json={"presence": "away"}, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    accepted = desk.client.put("/api/agents/me/presence", json={"presence": "away"}, headers={"X-CSRF-Token": csrf})
    assert accepted.json()["presence"] == "away"
    assert desk.client.get("/api/auth/me").json()["csrf_token"] == csrf

    assert desk.client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    desk.client.cookies.clear()
    desk.client.cookies.set("effortless_session", login.cookies["effortless_session"])
    assert desk.client.get("/api/queue").status_code == 401  # the old cookie is dead, not just deleted


def test_secure_cookies_when_configured(settings_env, sessions):
    settings = load_settings({**settings_env, "COOKIE_SECURE": "true"})
    with session_scope(sessions) as session:
        accounts.create_agent(session, email="anna@example.com", name="Anna", role="agent", password=PASSWORD)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        login = client.post("/api/auth/login", json={"email": "anna@example.com", "password": PASSWORD})
        assert "Secure" in login.headers["set-cookie"]


def test_logging_out_a_bearer_token_revokes_it(desk):
    anna = desk.agent()
    assert desk.client.post("/api/auth/logout", headers=anna.headers).status_code == 204  # no CSRF for Bearer
    assert desk.client.get("/api/queue", headers=anna.headers).status_code == 401


def test_wrong_password_and_unknown_email_look_the_same_and_repeats_are_slowed(desk):
    desk.agent("Anna")
    unknown = desk.client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 10})
    wrong = desk.client.post("/api/auth/login", json={"email": "agent1@example.com", "password": "x" * 10})
    assert (
        (unknown.status_code, unknown.json())
        == (wrong.status_code, wrong.json())
        == (401, {"detail": "wrong e-mail or password"})
    )
    statuses = [
        desk.client.post("/api/auth/token", json={"email": "agent1@example.com", "password": "nope"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 401]  # the 4th failure in a row locks this account from here for a moment
    locked = desk.client.post("/api/auth/token", json={"email": "agent1@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1


def test_a_flood_against_one_account_does_not_keep_its_owner_out(settings, sessions, monkeypatch):
    """The attacker's address is throttled, and its throttled attempts cost no password hash; the
    owner, from another address, logs in at once."""
    with session_scope(sessions) as db:
        accounts.create_agent(db, email="boss@example.com", name="Boss", role="admin", password=PASSWORD)
    hashes = []
    real_check = accounts.password_matches
    monkeypatch.setattr(accounts, "password_matches", lambda *args: hashes.append(1) or real_check(*args))
    app = create_app(settings)
    with TestClient(app, client=("198.51.100.66", 40000)) as attacker, \
            TestClient(app, client=("203.0.113.5", 40000)) as owner:
        statuses = [
            attacker.post("/api/auth/login", json={"email": "boss@example.com", "password": f"guess {n}"}).status_code
            for n in range(30)
        ]
        assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
        assert len(hashes) == 4  # the 26 throttled guesses were refused before hashing
        assert owner.post("/api/auth/login", json={"email": "boss@example.com", "password": PASSWORD}).status_code == 200
        # The attacker's address is refused even with the right password, until its lock ends.
        refused = attacker.post("/api/auth/login", json={"email": "boss@example.com", "password": PASSWORD})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_forwarded_for_counts_only_through_a_trusted_proxy(settings_env, sessions):
    """Behind TRUSTED_PROXIES, each forwarded client is throttled on its own; anyone else's
    X-Forwarded-For is ignored, so changing it does not escape the throttle."""
    settings = load_settings({**settings_env, "TRUSTED_PROXIES": "10.0.0.0/8"})
    guess = {"email": "nobody@example.com", "password": "wrong password"}
    app = create_app(settings)
    with TestClient(app, client=("10.0.0.2", 40000)) as proxy, TestClient(app, client=("198.51.100.9", 1)) as direct:
        for _ in range(4):
            assert proxy.post("/api/auth/token", json=guess, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 401
        assert proxy.post("/api/auth/token", json=guess, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
        assert proxy.post("/api/auth/token", json=guess, headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 401

        spoofed = [
            direct.post("/api/auth/token", json=guess, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
            for n in range(10, 15)
        ]
        assert spoofed == [401, 401, 401, 401, 429]


@pytest.mark.parametrize(("peer", "forwarded_for", "client"), [
    ("198.51.100.9", "192.0.2.1", "198.51.100.9"),  # not a trusted proxy: its header means nothing
    ("10.0.0.2", "192.0.2.1", "192.0.2.1"),
    ("10.0.0.2", "192.0.2.66, 192.0.2.1", "192.0.2.1"),  # the client's own entry is not believed
    ("10.0.0.2", "192.0.2.1, 10.0.0.3", "192.0.2.1"),  # through two trusted proxies
    ("10.0.0.2", "10.0.0.3, 10.0.0.4", "10.0.0.3"),  # every hop trusted: the farthest one
    ("10.0.0.2", "", "10.0.0.2"),
    ("10.0.0.2", "192.0.2.1, not-an-address", "10.0.0.2"),  # garbage: stop at the last known hop
])
def test_forwarded_client(peer, forwarded_for, client):
    assert forwarded_client(peer, forwarded_for, trusted_networks("10.0.0.0/8")) == client


def test_no_response_contains_a_password_hash_or_another_agents_token(desk):
    boss = desk.agent("Boss", role="admin")
    anna_token = desk.agent("Anna").headers["Authorization"].split()[1]
    responses = [
        desk.client.get("/api/agents", headers=boss.headers),
        desk.client.get("/api/auth/me", headers=boss.headers),
        desk.client.post(
            "/api/agents",
            headers=boss.headers,
            json={"email": "new@example.com", "name": "New", "role": "agent", "password": "long password"},
        ),
        desk.client.patch("/api/agents/2", headers=boss.headers, json={"name": "Anna B."}),
        desk.client.post("/api/auth/login", json={"email": "agent1@example.com", "password": PASSWORD}),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert "argon2" not in response.text and "password" not in response.text
        assert anna_token not in response.text


def test_admin_only_endpoints_check_the_role(desk):
    anna, boss = desk.agent("Anna"), desk.agent("Boss", role="admin")
    new_agent = {"email": "new@example.com", "name": "New", "role": "agent", "password": "long password"}
    assert desk.client.post("/api/agents", json=new_agent, headers=anna.headers).status_code == 403
    assert desk.client.post("/api/agents", json=new_agent, headers=boss.headers).status_code == 201
    assert desk.client.post("/api/agents", json=new_agent, headers=boss.headers).status_code == 409
    assert desk.client.patch(f"/api/agents/{boss.id}", json={"role": "agent"}, headers=boss.headers).status_code == 409
    deactivated = desk.client.patch(f"/api/agents/{anna.id}", json={"is_active": False}, headers=boss.headers)
    assert deactivated.json()["is_active"] is False
    assert desk.client.get("/api/queue", headers=anna.headers).status_code == 401


def test_saved_replies(desk):
    anna, boss = desk.agent("Anna"), desk.agent("Boss", role="admin")
    body = {"title": "Greeting", "body": "Hello, I am here to help."}
    assert desk.client.post("/api/saved-replies", json=body, headers=anna.headers).status_code == 403
    created = desk.client.post("/api/saved-replies", json=body, headers=boss.headers).json()
    listed = desk.client.get("/api/saved-replies", headers=anna.headers).json()
    assert [(r["title"], r["body"]) for r in listed] == [("Greeting", "Hello, I am here to help.")]
    assert desk.client.delete(f"/api/saved-replies/{created['id']}", headers=anna.headers).status_code == 403
    assert desk.client.delete(f"/api/saved-replies/{created['id']}", headers=boss.headers).status_code == 204
    assert desk.client.delete(f"/api/saved-replies/{created['id']}", headers=boss.headers).status_code == 404


def test_kb_article_lookup_for_links(settings_env, sessions, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "reset.md").write_text(
        "---\nid: reset-password\ntitle: How to reset your password\nlanguage: en\n"
        "url: https://help.example.com/reset\ntags: [account]\n---\nOpen settings.\n"
    )
    (kb / "reset-he.md").write_text("---\nid: reset-password-he\ntitle: איפוס סיסמה\nlanguage: he\n---\nפתחו הגדרות.\n")
    (kb / "broken.md").write_text("no front matter")
    with session_scope(sessions) as session:
        accounts.create_agent(session, email="anna@example.com", name="Anna", role="agent", password=PASSWORD)
    with TestClient(create_app(load_settings({**settings_env, "KB_DIR": str(kb)}))) as client:
        token = client.post("/api/auth/token", json={"email": "anna@example.com", "password": PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        found = client.get("/api/kb/articles", params={"q": "Reset PASSWORD", "language": "en"}, headers=headers).json()
        assert found == [
            {
                "id": "reset-password",
                "title": "How to reset your password",
                "language": "en",
                "url": "https://help.example.com/reset",
                "summary": "Open settings.",
            }
        ]
        assert [a["id"] for a in client.get("/api/kb/articles", params={"q": "סיסמה"}, headers=headers).json()] == [
            "reset-password-he"
        ]


@pytest.mark.parametrize(
    ("env", "base"),
    [
        ({"PUBLIC_HELPDESK_URL": "https://support.example.com/"}, "https://support.example.com"),
        ({"HELPDESK_URL": "http://desk.internal:8000"}, "http://desk.internal:8000"),  # PUBLIC_ falls back
    ],
)
def test_kb_article_links_are_the_ones_the_bot_sends(settings_env, sessions, tmp_path, env, base):
    """An article without its own ``url`` links to its help-centre page, as in the bot's answers."""
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "own.md").write_text(
        "---\nid: own-link\ntitle: Own link\nlanguage: en\nurl: https://docs.example.com/own\n---\nText.\n"
    )
    (kb / "plain.md").write_text("---\nid: no-link\ntitle: No link\nlanguage: cs\n---\nText.\n")
    with session_scope(sessions) as session:
        accounts.create_agent(session, email="anna@example.com", name="Anna", role="agent", password=PASSWORD)
    settings = load_settings({**settings_env, "KB_DIR": str(kb), **env})
    with TestClient(create_app(settings)) as client:
        token = client.post("/api/auth/token", json={"email": "anna@example.com", "password": PASSWORD}).json()["token"]
        found = client.get("/api/kb/articles", headers={"Authorization": f"Bearer {token}"}).json()
    links = {a["id"]: a["url"] for a in found}
    assert links == {"own-link": "https://docs.example.com/own", "no-link": f"{base}/help/cs/no-link"}
    bot_sends = {a.id: article_link(a, settings.public_helpdesk_url) for a in scan_articles(kb).articles}
    assert links == bot_sends


# ---------------------------------------------------------------- live updates


def first_events(url: str, headers: dict, count: int, **params) -> list:
    """The first ``count`` events of the stream, then hang up."""
    received = []
    with requests.get(url, params=params, headers=headers, stream=True, timeout=10) as stream:
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                received.append(json.loads(line[len("data: ") :]))
            if len(received) == count:
                return received
    return received


def test_event_stream_resumes_after_the_last_event_id(desk, live_helpdesk):
    anna = desk.agent("Anna")
    desk.escalate("conv-a")
    desk.escalate("conv-b")
    url = f"{live_helpdesk.base_url}/api/events"
    from_start = first_events(url, {**anna.headers, "Last-Event-ID": "0"}, 2)
    assert [event["ticket"]["conversation_id"] for event in from_start] == ["conv-a", "conv-b"]
    after_first = first_events(url, anna.headers, 1, after=from_start[0]["id"])
    assert after_first[0]["ticket"]["conversation_id"] == "conv-b"


def test_event_stream_delivers_new_tickets_and_customer_messages(desk, live_helpdesk):
    anna = desk.agent("Anna")
    with requests.get(f"{live_helpdesk.base_url}/api/events", headers=anna.headers, stream=True, timeout=10) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        desk.escalate("conv-live")
        desk.client.post(
            "/api/internal/conversations/conv-live/messages", json={"text": "anyone?"}, headers=desk.service
        )
        received = []
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                received.append(json.loads(line[len("data: ") :]))
            if len(received) == 2:
                break
    assert [event["kind"] for event in received] == ["ticket_created", "message_created"]
    assert received[0]["ticket"]["conversation_id"] == "conv-live"
    assert (received[1]["message"]["author_type"], received[1]["message"]["body"]) == ("customer", "anyone?")


def test_event_stream_needs_a_login(live_helpdesk):
    assert requests.get(f"{live_helpdesk.base_url}/api/events", timeout=10).status_code == 401

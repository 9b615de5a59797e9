"""No request reads a whole growing table: every statement the agent console, the action server's calls and
stores, the reports and the helpdesk's background loops run is checked with SQLite's EXPLAIN QUERY PLAN, and a scan of
a table or of a whole index fails the test (naming the statement), except on tables the team's size bounds
and on the newest-first page of all tickets, which reads backwards by id until the page is full.

Why: a scan costs nothing on a test database and grows with every ticket and conversation. The wait
estimate read every resolved ticket before offering a person (30 ms a call with 100,000 tickets in the
history; `bench-helpdesk --history`, docs/performance.md) until its column had an index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.ces import store as ces
from bot.db import session_scope
from bot.helpdesk import events
from bot.kb.query_log import mark_helped, record_query
from bot.models import Base, Customer, Ticket
from bot.settings import load_settings
from bot.web.app import _prune

# Sized by the team, not by customers: scanning them is reading a few dozen rows.
TEAM_SIZED_TABLES = frozenset({"agents", "saved_replies"})
# The console's list of all tickets, newest first: SQLite reads backwards by id and stops at the page's end.
NEWEST_FIRST_PAGE = re.compile(r"FROM tickets WHERE tickets\.backend = \? ORDER BY tickets\.id DESC LIMIT")


@pytest.fixture
def statements() -> Iterator[dict[str, object]]:
    """Every SELECT, UPDATE and DELETE any engine runs while the test runs, with its first parameters."""
    seen: dict[str, object] = {}

    def record(_connection, _cursor, statement, parameters, _context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            seen.setdefault(statement, parameters[0] if executemany else parameters)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def table_scans(sessions, statements: dict[str, object]) -> list[str]:
    """``"<scan> in <statement>"`` for each plan step that reads a growing table, or one of its indexes, whole."""
    growing = {table.name for table in Base.metadata.sorted_tables} - TEAM_SIZED_TABLES
    found = []
    with sessions() as session:
        connection = session.connection().connection.driver_connection
        for statement, parameters in statements.items():
            flat = re.sub(r"\s+", " ", statement)
            if NEWEST_FIRST_PAGE.search(flat):
                continue
            for *_ids, step in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall():
                scanned = re.match(r"SCAN (\w+)", step)
                if scanned and scanned.group(1) in growing:  # the table, or the whole of one of its indexes
                    found.append(f"{step} in {flat[:300]}")
    return found


def test_the_console_the_bot_the_reports_and_the_background_loops_read_no_growing_table_whole(
    desk, client, sessions, settings_env, statements
):
    agent = desk.agent(online=True)
    admin = desk.agent(role="admin", online=True)
    for conversation in ("web:plans-1", "web:plans-2", "web:plans-3"):
        desk.escalate(conversation_id=conversation)
    service = desk.service

    # The bot: availability before offering a person, a customer writing during the handoff, ticket status.
    assert client.get("/api/internal/availability", headers=service).status_code == 200
    assert client.get("/api/internal/tickets/status", params={"conversation_id": "web:plans-1"},
                      headers=service).status_code == 200
    # The console: queue, lists, a ticket and its customer, then a ticket worked from claim to close.
    for path in ("/api/queue", "/api/tickets", "/api/tickets?mine=true", "/api/tickets?status=waiting",
                 "/api/tickets?reference=T-1001", "/api/agents", "/api/auth/me", "/api/saved-replies"):
        assert client.get(path, headers=agent.headers).status_code == 200, path
    claimed = client.post("/api/tickets/claim-next", headers=agent.headers).json()
    ticket_id = claimed["id"]
    conversation_id = claimed["conversation_id"]
    relayed = client.post(f"/api/internal/conversations/{conversation_id}/messages",
                          json={"text": "still there?", "client_message_id": "plans-1"}, headers=service)
    assert relayed.status_code == 201, relayed.text
    customer_id = client.get(f"/api/tickets/{ticket_id}/customer", headers=agent.headers).json()["customer"]["id"]
    for path in (f"/api/tickets/{ticket_id}", f"/api/customers/{customer_id}", f"/api/customers/{customer_id}/merges"):
        assert client.get(path, headers=agent.headers).status_code == 200, path
    for path, body in ((f"/api/tickets/{ticket_id}/messages", {"text": "Here is how."}),
                       (f"/api/tickets/{ticket_id}/notes", {"text": "Asked twice."}),
                       (f"/api/tickets/{ticket_id}/transfer", {"agent_id": admin.id})):
        assert client.post(path, json=body, headers=agent.headers).status_code in (200, 201), path
    for step in ("resolve", "reopen", "resolve", "close"):
        assert client.post(f"/api/tickets/{ticket_id}/{step}", headers=admin.headers).status_code == 200, step
    withdrawn = client.post("/api/internal/conversations/web:plans-3/ticket/withdraw", headers=service)
    assert withdrawn.status_code == 200, withdrawn.text
    # Two records found to be one person, then the customer page; an account deactivated (its sessions revoked).
    other_id = client.get(f"/api/tickets/{desk.ticket_id('T-1002')}/customer", headers=agent.headers).json()["customer"]["id"]
    merged = client.post(f"/api/customers/{customer_id}/merge", json={"other_id": other_id, "reason": "same e-mail"},
                         headers=agent.headers)
    assert merged.status_code == 201, merged.text
    assert client.get(f"/api/customers/{other_id}", headers=agent.headers).status_code == 200
    leaver = desk.agent()
    assert client.patch(f"/api/agents/{leaver.id}", json={"is_active": False}, headers=admin.headers).status_code == 200

    # The action server's own writes: a KB lookup and its answer, a resolution, the NPS interval, a rating.
    nps = load_settings({**settings_env, "SURVEY": "nps"})
    with session_scope(sessions) as session:
        key = record_query(session, conversation_id="web:plans-2", question="refund", language="en",
                           outcome="answer", article_id="refunds", score=0.8, channel="socketio")
    with session_scope(sessions) as session:
        mark_helped(session, query_key=key, helped=True)
        resolution_id = ces.record_resolution(session, resolution_key=ces.kb_resolution_key("web:plans-2", key),
                                              conversation_id="web:plans-2", resolved_by="bot", article_id="refunds")
    with session_scope(sessions) as session:
        assert ces.should_ask(session, settings=nps, resolved_by="bot", conversation_id="web:plans-2")
        ces.record_rating(session, resolution_id=resolution_id, conversation_id="web:plans-2", score=9, survey="nps")
    # The support lead's reports: the default 30 days, a week, and the CSV export.
    for path in ("/api/reports", "/api/reports?since=2026-01-01&until=2026-01-07", "/api/reports.csv"):
        assert client.get(path, headers=admin.headers).status_code == 200, path
    # The helpdesk's background loops: lines due for delivery, and pruning.
    desk.client.app.state.bridge.deliver_pending()
    _prune(sessions)
    with session_scope(sessions) as session:
        events.prune_events(session, now=session.get_one(Ticket, ticket_id).updated_at)

    assert len(statements) > 50  # the flows above really ran through the database
    assert table_scans(sessions, statements) == []


def test_a_lookup_by_a_column_no_index_leads_with_and_a_count_of_a_whole_table_are_reported(sessions, statements):
    """The check itself: reading tickets by a column without an index is a scan it names; so is counting
    every customer, which SQLite does by reading the whole of the smallest index."""
    with session_scope(sessions) as session:
        session.query(Ticket).filter(Ticket.first_reply_at.is_(None)).all()
        session.query(Customer).count()
    scans = sorted(table_scans(sessions, statements))
    assert len(scans) == 2
    assert scans[0].startswith("SCAN customers USING COVERING INDEX") and " in SELECT count(*)" in scans[0]
    assert scans[1].startswith("SCAN tickets in SELECT")

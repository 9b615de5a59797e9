"""Agent-side lines reach the customer's chat through Rasa's trigger_intent, in order; each line
retries on its own schedule, so nothing is lost while Rasa is down and one conversation that keeps
failing holds up no other; a customer whose channel refuses lines for good is shown to the agent
(a Rasa stand-in on loopback records what arrives)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update

from bot.customers.identity import adjust_presence
from bot.db import session_scope, utcnow
from bot.email import notify
from bot.helpdesk import accounts, events, rasa_bridge, tickets
from bot.helpdesk.rasa_bridge import MAX_UNANSWERED_ATTEMPTS, LeasedLine, RasaBridge
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.shown_lines import LINE_ENTITY, shown_in
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import Agent, EmailMessage, Ticket, TicketMessage
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.helpdesk.conftest import RASA_TOKEN, AgentLogin, Desk
from tests.bot.helpdesk.standins import RasaStandIn, wait_until
from tests.helpers.postgres import free_port
from tests.helpers.sessions import in_session


def claimed_ticket(desk: Desk, conversation_id: str, **fields):
    anna = desk.agent("Anna")
    ticket_id = desk.ticket_id(desk.escalate(conversation_id, **fields)["reference"])
    assert desk.client.post(f"/api/tickets/{ticket_id}/claim", headers=anna.headers).status_code == 200
    return anna, ticket_id


def messages(desk: Desk, agent, ticket_id: int) -> list:
    return desk.client.get(f"/api/tickets/{ticket_id}", headers=agent.headers).json()["messages"]


def line(desk: Desk, agent, ticket_id: int, body: str) -> dict:
    return next(m for m in messages(desk, agent, ticket_id) if m["body"] == body)


def reply(desk: Desk, agent, ticket_id: int, text: str) -> None:
    response = desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": text}, headers=agent.headers)
    assert response.status_code == 201, response.text


def make_due_now(desk: Desk) -> None:
    """Skip the wait of every scheduled line (what the clock would do)."""
    with session_scope(desk.sessions) as session:
        session.execute(update(TicketMessage).values(next_delivery_at=utcnow() - timedelta(seconds=1))
                        .where(TicketMessage.next_delivery_at.is_not(None)))


BLOCKED = "An unexpected error occurred. Error: recipient unreachable: Forbidden: bot was blocked by the user"


def test_the_whole_handoff_reaches_the_customers_conversation(desk, rasa):
    anna, ticket_id = claimed_ticket(desk, "chat-42")
    desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Hi, I'm Anna"}, headers=anna.headers)
    desk.client.post(f"/api/tickets/{ticket_id}/notes", json={"text": "internal only"}, headers=anna.headers)
    resolved = desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers).json()
    desk.client.post(f"/api/tickets/{ticket_id}/reopen", headers=anna.headers)

    line_ids = [c["entities"].pop(LINE_ENTITY) for c in rasa.calls]  # each line names itself, for a later try
    assert line_ids == sorted(set(line_ids))
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


def test_a_reply_takes_its_lines_delivery_lease_in_its_own_transaction(desk, rasa):
    """The request that writes a line also takes the ticket's delivery lease (one write transaction fewer
    per line); the line then reaches Rasa, the lease is let go, and no other line was sent for it."""
    anna, ticket_id = claimed_ticket(desk, "chat-lease")
    wait_until(lambda: line(desk, anna, ticket_id, "Anna joined the conversation")["delivered"], what="the claim's line")
    commits: list[tuple[bool, bool]] = []  # (the reply's line is there, the lease is held) at each commit

    def before_commit(connection):
        commits.append(connection.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM ticket_messages WHERE ticket_id = ? AND body = ?),"
            " delivery_lease_until IS NOT NULL FROM tickets WHERE id = ?",
            (ticket_id, "Leased with the reply", ticket_id)).one())

    engine = desk.client.app.state.engine
    event.listen(engine, "commit", before_commit)
    try:
        reply(desk, anna, ticket_id, "Leased with the reply")
        wait_until(lambda: line(desk, anna, ticket_id, "Leased with the reply")["delivered"], what="the reply")
    finally:
        event.remove(engine, "commit", before_commit)
    _, leased = next((there, held) for there, held in commits if there)
    assert leased  # the commit that added the line held the lease
    assert [call["entities"]["agent_message"] for call in rasa.calls
            if call["intent"] == "EXTERNAL_agent_message"] == ["Leased with the reply"]
    with session_scope(desk.sessions) as session:
        assert session.execute(select(Ticket.delivery_lease_until).where(Ticket.id == ticket_id)).scalar() is None


def leased_line(desk: Desk, conversation_id: str, text: str) -> tuple[AgentLogin, int, LeasedLine]:
    """A claimed ticket whose joining line reached the chat, then the agent's ``text`` written without a delivery
    after it and leased as a request leases it: the agent, the ticket's id and the leased line."""
    anna, ticket_id = claimed_ticket(desk, conversation_id)
    wait_until(lambda: line(desk, anna, ticket_id, "Anna joined the conversation")["delivered"], what="the claim's line")
    with session_scope(desk.sessions) as session:
        tickets.reply(session, ticket_id=ticket_id, agent=session.get_one(Agent, anna.id), text=text)
    with session_scope(desk.sessions) as session:
        leased = desk.client.app.state.bridge.lease_due_line(session, ticket_id)
    assert leased is not None
    return anna, ticket_id, leased


def test_a_try_whose_record_fails_lets_the_lease_go(desk, rasa, monkeypatch):
    """Recording a try lets the lease go in its first UPDATE; should that transaction fail later on, it is
    rolled back, and the lease is still let go at once rather than left to run out."""
    _, ticket_id, leased = leased_line(desk, "chat-record-fails", "Recorded or not")
    bridge = desk.client.app.state.bridge

    def fails(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(events, "add", fails)  # the last write of the transaction
    with pytest.raises(RuntimeError):
        bridge.deliver_leased(leased)
    with session_scope(desk.sessions) as session:
        assert session.execute(select(Ticket.delivery_lease_until).where(Ticket.id == ticket_id)).scalar() is None


def test_a_try_recorded_after_its_lease_ran_out_writes_nothing(desk, rasa):
    """Another worker took the ticket's lease meanwhile: this try's outcome is not written (no attempt, no
    event, no e-mail); the other worker sends the line and records it."""
    _, ticket_id, leased = leased_line(desk, "chat-lease-lost", "Sent twice?")
    bridge = desk.client.app.state.bridge
    other_workers_lease = utcnow() + timedelta(minutes=5)
    with session_scope(desk.sessions) as session:
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(delivery_lease_until=other_workers_lease))
        last_event = events.latest_event_id(session)

    assert bridge.deliver_leased(leased) is True  # sent, but nothing left for this worker to do

    with session_scope(desk.sessions) as session:
        message = session.get_one(TicketMessage, leased.line.id)
        assert (message.delivered, message.delivery_attempts, message.reached) == (False, 0, None)
        assert session.execute(select(Ticket.delivery_lease_until).where(Ticket.id == ticket_id)).scalar() is not None
        assert [e.kind for e in events.events_after(session, after_id=last_event)] == []


def test_a_line_that_waited_in_line_until_its_lease_had_no_time_left_is_left_to_the_sweep(desk, rasa):
    """Deliveries queued behind a slow Rasa: a leased line whose lease no longer covers a try is not sent (the
    sweep could take the lease once it ran out and send the line too); the lease is let go, and the sweep
    sends the line, once."""
    anna, ticket_id, leased = leased_line(desk, "chat-waited", "Waited its turn")
    bridge = desk.client.app.state.bridge
    almost_over = utcnow() + timedelta(seconds=1)  # as if it had waited for most of its lease
    with session_scope(desk.sessions) as session:
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(delivery_lease_until=almost_over))
    leased.lease.until = almost_over

    assert bridge.deliver_leased(leased) is False
    assert rasa.intents("chat-waited") == ["EXTERNAL_agent_joined"]
    with session_scope(desk.sessions) as session:
        assert session.execute(select(Ticket.delivery_lease_until).where(Ticket.id == ticket_id)).scalar() is None

    bridge.deliver_pending()  # the sweep (the app's own may come first: the line is sent once either way)
    wait_until(lambda: line(desk, anna, ticket_id, "Waited its turn")["delivered"], what="the line sent by a sweep")
    assert rasa.intents("chat-waited") == ["EXTERNAL_agent_joined", "EXTERNAL_agent_message"]


def test_a_namespaced_conversation_id_reaches_that_conversation(desk, rasa):
    anna, ticket_id = claimed_ticket(desk, "telegram:6187884022")
    reply(desk, anna, ticket_id, "hello")
    assert rasa.intents("telegram:6187884022") == ["EXTERNAL_agent_joined", "EXTERNAL_agent_message"]


def test_replies_written_while_rasa_is_down_arrive_later_in_order(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-down")
    rasa.status = 503
    for text in ("first", "second", "third"):
        response = desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": text}, headers=anna.headers)
        assert response.status_code == 201  # the agent is not blocked by Rasa being down
    lines = [m for m in messages(desk, anna, ticket_id) if not m["delivered"]]
    assert [m["body"] for m in lines] == ["first", "second", "third"]
    # Only the first line was tried (the others wait behind it, in order); it has its next attempt.
    assert rasa.refused == 1  # one try per attempt: the next comes on the line's own schedule
    first, second, _ = lines
    assert first["delivery_attempts"] == 1 and "HTTP 503" in first["last_delivery_error"]
    assert first["next_delivery_at"] is not None and first["delivery_error"] is None
    assert second["delivery_attempts"] == 0

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
        assert "Rasa is unavailable" in caplog.text and "tried 1 times" in caplog.text
        assert RASA_TOKEN not in caplog.text

        rasa = RasaStandIn(RASA_TOKEN, port=port).start()
        try:
            make_due_now(desk)
            RasaBridge(settings, client.app.state.session_factory).deliver_pending()
            assert rasa.intents("chat-unreachable") == ["EXTERNAL_agent_joined", "EXTERNAL_agent_message"]
        finally:
            rasa.stop()


def test_a_conversation_rasa_keeps_failing_holds_up_no_other_ticket(desk, rasa, app):
    anna, stuck = claimed_ticket(desk, "chat-stuck")
    bob, flowing = claimed_ticket(desk, "chat-flowing")
    rasa.refuse_for["chat-stuck"] = (503, "overloaded")
    reply(desk, anna, stuck, "waiting for Rasa")
    reply(desk, bob, flowing, "sent at once")
    assert line(desk, bob, flowing, "sent at once")["delivered"] is True
    assert line(desk, anna, stuck, "waiting for Rasa")["delivery_attempts"] == 1

    tries = len(rasa.tries)
    reply(desk, bob, flowing, "and another")
    app.state.bridge.deliver_pending()  # the stuck line is not due yet: not even tried
    assert line(desk, bob, flowing, "and another")["delivered"] is True
    assert rasa.tries[tries:] == ["chat-flowing"]

    make_due_now(desk)
    app.state.bridge.deliver_pending()
    stuck_line = line(desk, anna, stuck, "waiting for Rasa")
    assert stuck_line["delivery_attempts"] == 2 and not stuck_line["delivered"]

    del rasa.refuse_for["chat-stuck"]
    make_due_now(desk)
    app.state.bridge.deliver_pending()
    assert line(desk, anna, stuck, "waiting for Rasa")["delivered"] is True


def test_a_customer_who_blocked_the_bot_fails_fast_and_the_agent_can_retry(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-blocked")
    rasa.refuse_for["chat-blocked"] = (500, BLOCKED)
    reply(desk, anna, ticket_id, "are you there?")
    failed = line(desk, anna, ticket_id, "are you there?")
    assert failed["delivered"] is False
    assert failed["delivery_error"] == "recipient unreachable: Forbidden: bot was blocked by the user"
    assert rasa.tries.count("chat-blocked") == 2, "agent joined, then one try: a refusal for good is not retried"

    reply(desk, anna, ticket_id, "hello?")  # fails at once: no call, no waiting
    fast = line(desk, anna, ticket_id, "hello?")
    assert "refused an earlier line" in fast["delivery_error"] and "blocked by the user" in fast["delivery_error"]
    assert rasa.tries.count("chat-blocked") == 2
    assert app.state.bridge.deliver_pending() == 0  # nothing left that a retry could deliver

    del rasa.refuse_for["chat-blocked"]  # the customer unblocked the bot; the agent retries
    response = desk.client.post(f"/api/tickets/{ticket_id}/messages/{failed['id']}/retry", headers=anna.headers)
    assert response.status_code == 200, response.text
    lines = messages(desk, anna, ticket_id)
    assert all(m["delivered"] for m in lines)
    assert [c["entities"].get("agent_message") for c in rasa.calls if c["conversation_id"] == "chat-blocked"][1:] == [
        "are you there?", "hello?"]
    again = desk.client.post(f"/api/tickets/{ticket_id}/messages/{failed['id']}/retry", headers=anna.headers)
    assert again.status_code == 409  # delivered lines are not sent twice


def test_lines_waiting_behind_a_refused_one_fail_fast_in_the_same_round(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-queued")
    rasa.status = 503
    reply(desk, anna, ticket_id, "first")
    reply(desk, anna, ticket_id, "second")  # waits behind the first
    rasa.status = 200
    rasa.refuse_for["chat-queued"] = (500, BLOCKED)
    tries = rasa.tries.count("chat-queued")
    make_due_now(desk)
    app.state.bridge.deliver_pending()
    assert rasa.tries.count("chat-queued") == tries + 1, "only the first line was sent"
    assert "refused an earlier line" in line(desk, anna, ticket_id, "second")["delivery_error"]


def test_the_customer_writing_again_ends_fail_fast(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-window")
    rasa.refuse_for["chat-window"] = (500, "An unexpected error occurred. Error: recipient unreachable: "
                                           "the 24-hour WhatsApp window is closed")
    reply(desk, anna, ticket_id, "your refund is on its way")
    assert "window is closed" in line(desk, anna, ticket_id, "your refund is on its way")["delivery_error"]

    del rasa.refuse_for["chat-window"]
    relayed = desk.client.post("/api/internal/conversations/chat-window/messages", headers=desk.service,
                               json={"text": "hi again", "author": "customer"})
    assert relayed.status_code == 201, relayed.text
    reply(desk, anna, ticket_id, "welcome back")
    assert line(desk, anna, ticket_id, "welcome back")["delivered"] is True
    assert line(desk, anna, ticket_id, "your refund is on its way")["delivered"] is False  # until the agent retries


def test_only_the_assignee_or_an_admin_retries_a_line(desk, rasa):
    anna, ticket_id = claimed_ticket(desk, "chat-others")
    rasa.refuse_for["chat-others"] = (404, "no such conversation")
    reply(desk, anna, ticket_id, "refused")
    failed = line(desk, anna, ticket_id, "refused")
    assert "HTTP 404" in failed["delivery_error"]
    stranger = desk.agent("Stranger")
    path = f"/api/tickets/{ticket_id}/messages/{failed['id']}/retry"
    assert desk.client.post(path, headers=stranger.headers).status_code == 403
    assert desk.client.post(f"/api/tickets/{ticket_id}/messages/999999/retry", headers=anna.headers).status_code == 404
    admin = desk.agent("Admin", role="admin")
    assert desk.client.post(path, headers=admin.headers).status_code == 200


def test_a_line_the_bot_did_not_answer_is_not_counted_as_delivered(desk, rasa, app):
    anna, ticket_id = claimed_ticket(desk, "chat-silent")
    rasa.silent = True  # Rasa is up but cannot reach the action server: it answers 200 and shows nothing
    reply(desk, anna, ticket_id, "did this arrive?")
    waiting = line(desk, anna, ticket_id, "did this arrive?")
    assert waiting["delivered"] is False and waiting["delivery_attempts"] == 1
    assert "the bot said nothing" in waiting["last_delivery_error"]

    for _ in range(MAX_UNANSWERED_ATTEMPTS - 1):  # with Rasa up, a line nobody answers does not retry forever
        make_due_now(desk)
        app.state.bridge.deliver_pending()
    given_up = line(desk, anna, ticket_id, "did this arrive?")
    assert "the bot said nothing" in given_up["delivery_error"]
    assert given_up["delivery_attempts"] == MAX_UNANSWERED_ATTEMPTS


def test_a_line_whose_answer_was_lost_is_not_shown_twice(desk, rasa, app):
    """Rasa showed the line but its answer came too late (HTTP_TIMEOUT_S=2): the next try finds the
    line in the conversation and marks it delivered instead of sending it again."""
    anna, ticket_id = claimed_ticket(desk, "chat-slow")
    rasa.delay_s = 3
    reply(desk, anna, ticket_id, "shown once")
    late = line(desk, anna, ticket_id, "shown once")
    assert late["delivered"] is False and "no answer within" in late["last_delivery_error"]

    rasa.delay_s = 0
    make_due_now(desk)
    app.state.bridge.deliver_pending()

    assert line(desk, anna, ticket_id, "shown once")["delivered"] is True
    assert [c["entities"].get("agent_message") for c in rasa.calls].count("shown once") == 1


@pytest.mark.parametrize(("conversation_id", "channel", "chat_open", "reached"), [
    ("web:here", "socketio", True, "chat"),
    ("web:away", "socketio", False, "chat_later"),  # the widget shows it when they come back
    ("telegram:61", "telegram", False, "chat"),  # a messaging app is always in reach
])
def test_a_line_counts_as_delivered_only_into_a_chat_the_customer_has_open(desk, rasa, conversation_id, channel,
                                                                           chat_open, reached):
    if chat_open:
        in_session(desk.sessions, adjust_presence, conversation_id=conversation_id, open_=True)
    anna, ticket_id = claimed_ticket(desk, conversation_id, channel=channel)
    reply(desk, anna, ticket_id, "hello")
    sent = line(desk, anna, ticket_id, "hello")
    assert (sent["delivered"], sent["reached"]) == (True, reached)
    # Not seen live, and e-mail is off in these tests: the console says why it did not go by e-mail either.
    assert sent["email_skipped"] == (None if reached == "chat" else "email_off")
    assert line(desk, anna, ticket_id, "Anna joined the conversation")["email_skipped"] is None  # never e-mailed


def test_a_rest_customer_gets_no_line_and_no_retry_can_change_that(desk, rasa):
    """REST answers each of the customer's requests and cannot push: the conversation takes every line
    (it keeps the handoff's state), but the customer sees none, and the console must not say Delivered."""
    anna, ticket_id = claimed_ticket(desk, "rest:api-client", channel="rest")
    reply(desk, anna, ticket_id, "Your refund was sent today.")
    assert desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers).status_code == 200
    assert rasa.intents("rest:api-client") == ["EXTERNAL_agent_joined", "EXTERNAL_agent_message", "EXTERNAL_ticket_resolved"]

    lines = [m for m in messages(desk, anna, ticket_id) if m["reached"] is not None]
    assert [(m["author_type"], m["reached"], m["email_skipped"], m["delivery_error"]) for m in lines] == [
        ("system", "nobody", None, None),  # joined: a line that never goes by e-mail
        ("agent", "nobody", "email_off", None),
        ("system", "nobody", "email_off", None),  # the resolution
    ]
    reply_line = lines[1]
    retry = desk.client.post(f"/api/tickets/{ticket_id}/messages/{reply_line['id']}/retry", headers=anna.headers)
    assert retry.status_code == 409, "not a failure a retry could mend"


def test_a_triggered_line_counts_as_shown_only_when_the_bot_answered_it():
    line_event = {"event": "user", "parse_data": {"entities": [{"entity": LINE_ENTITY, "value": 7}]}}
    other_line = {"event": "user", "parse_data": {"entities": [{"entity": LINE_ENTITY, "value": 8}]}}
    customer = {"event": "user", "text": "hello", "parse_data": {"entities": []}}
    bot = {"event": "bot", "text": "..."}

    assert shown_in([line_event, {"event": "action"}, bot], 7)
    assert not shown_in([line_event, customer, bot], 7)  # the bot answered the customer, not the line
    assert not shown_in([other_line, bot], 7)
    assert shown_in([line_event, customer, line_event, bot], 7)  # a later try was answered


def test_a_withdrawal_while_a_line_is_tried_stays_when_the_try_is_recorded(database, rasa, monkeypatch):
    """The customer withdraws after the "agent joined" line was read for its try and before the try is written:
    the withdrawal's mark on the line stays, so it is never sent. A review found it overwritten (7 December),
    when the try wrote every column it may set rather than those it changed."""
    settings, sessions = database
    with session_scope(sessions) as session:
        agent_id = accounts.create_agent(session, email="anna@example.com", name="Anna", role="agent",
                                         password="long enough password").id
    with session_scope(sessions) as session:
        ticket, _ = tickets.create_ticket(session, data=TicketCreate(
            idempotency_key="k-withdraw-race", conversation_id="chat-withdraw-race", reason="customer_request"),
            policy=HelpdeskPolicy.from_settings(settings))
        ticket_id = ticket.id
    with session_scope(sessions) as session:  # claimed without a delivery: its line waits
        tickets.claim_ticket(session, ticket_id=ticket_id, agent=session.get_one(Agent, agent_id))
    bridge = RasaBridge(settings, sessions)
    with session_scope(sessions) as session:
        leased = bridge.lease_due_line(session, ticket_id)
    assert leased is not None and leased.line.intent == "EXTERNAL_agent_joined"
    taking_the_lease = rasa_bridge._set_lease

    def customer_withdraws_first(session, statement, **parameters):
        if statement is rasa_bridge._SET_OWN_LEASE and not withdrawn:
            withdrawn.append(True)
            with session_scope(sessions) as other:
                tickets.withdraw(other, conversation_id="chat-withdraw-race")
        return taking_the_lease(session, statement, **parameters)

    withdrawn: list[bool] = []
    monkeypatch.setattr(rasa_bridge, "_set_lease", customer_withdraws_first)
    rasa.status = 503  # the try fails for now: tried again later, unless the line was withdrawn

    assert bridge.deliver_leased(leased) is False
    assert withdrawn
    with session_scope(sessions) as session:
        message = session.get_one(TicketMessage, leased.line.id)
        assert (message.delivered, message.delivery_error) == (False, tickets.WITHDRAWN_TEXT)
        assert message.delivery_attempts == 1  # the try itself is recorded
        assert list(tickets.due_delivery_ticket_ids(session, now=utcnow() + timedelta(hours=1))) == []


def test_a_try_of_a_line_to_e_mail_whose_lease_was_lost_writes_nothing_even_if_the_other_worker_e_mailed_it(
        database, settings_env, rasa, monkeypatch):
    """An agent's reply the customer will not see in the chat goes by e-mail, queued in the transaction that
    records the try. A worker whose lease ran out must not queue it too: the lease is checked before that write
    (a review found the e-mail queued first, which failed on the other worker's e-mail of the same line)."""
    settings, sessions = database
    settings = load_settings({**settings_env, "DATABASE_URL": settings.database_url,
                              "SMTP_URL": "smtp://127.0.0.1:9", "EMAIL_FROM": "Acme <support@acme.example>",
                              "PUBLIC_HELPDESK_URL": "https://help.acme.example"})
    with session_scope(sessions) as session:
        agent_id = accounts.create_agent(session, email="anna@example.com", name="Anna", role="agent",
                                         password="long enough password").id
    with session_scope(sessions) as session:
        ticket, _ = tickets.create_ticket(session, data=TicketCreate(
            idempotency_key="k-email-race", conversation_id="chat-email-race", reason="customer_request",
            customer_email="dana@example.com"), policy=HelpdeskPolicy.from_settings(settings))
        ticket_id = ticket.id
    with session_scope(sessions) as session:
        tickets.claim_ticket(session, ticket_id=ticket_id, agent=session.get_one(Agent, agent_id))
        session.flush()
        session.execute(update(TicketMessage).where(TicketMessage.ticket_id == ticket_id).values(delivered=True))
    with session_scope(sessions) as session:
        reply_id = tickets.reply(session, ticket_id=ticket_id, agent=session.get_one(Agent, agent_id), text="By e-mail?").id
    bridge = RasaBridge(settings, sessions)
    with session_scope(sessions) as session:
        leased = bridge.lease_due_line(session, ticket_id)
    assert leased is not None and leased.line.id == reply_id
    with session_scope(sessions) as session:  # our lease ran out; another worker took the ticket
        session.execute(update(Ticket).where(Ticket.id == ticket_id).values(delivery_lease_until=utcnow() + timedelta(hours=1)))
    previous_email = notify._previous_email

    def the_other_worker_e_mails_it_meanwhile(session, ticket_id):
        if not e_mailed:
            with session_scope(sessions) as other:
                e_mailed.append(notify.after_chat_try(other, settings, line=other.get_one(TicketMessage, reply_id),
                                                      failed_for_good=False))
        return previous_email(session, ticket_id)

    e_mailed: list = []
    monkeypatch.setattr(notify, "_previous_email", the_other_worker_e_mails_it_meanwhile)

    assert bridge.deliver_leased(leased) is True  # sent (nobody in the chat to see it), nothing left for this worker

    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(EmailMessage)) == len([e for e in e_mailed if e])
        message = session.get_one(TicketMessage, reply_id)
        assert (message.delivered, message.delivery_attempts) == (False, 0)

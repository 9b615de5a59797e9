"""Agents claiming at the same moment never share a ticket — on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import event, func, select

from bot.db import session_scope
from bot.helpdesk import accounts, tickets
from bot.helpdesk.errors import Conflict
from bot.helpdesk.hours import BusinessHours
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import Agent, Ticket, TicketMessage
from bot.web.app import create_app
from tests.bot.helpdesk.standins import LiveHelpdesk, wait_until

AGENTS = 20
TICKETS = 10
ALWAYS_OPEN = HelpdeskPolicy(BusinessHours.parse("24/7", "UTC"))


def seed(session_factory, agents: int, tickets_count: int) -> list[int]:
    """Agents (sharing one password hash: hashing 20 times would only slow the test) and waiting tickets."""
    password_hash = accounts.hash_password("long enough password")
    with session_scope(session_factory) as session:
        session.add_all(
            Agent(email=f"agent{n}@example.com", name=f"Agent {n}", password_hash=password_hash) for n in range(agents)
        )
        session.flush()
        agent_ids = [a.id for a in session.scalars(select(Agent).order_by(Agent.id))]
        for n in range(tickets_count):
            tickets.create_ticket(
                session,
                data=TicketCreate(
                    idempotency_key=f"k{n}", conversation_id=f"c{n}", subject=f"ticket {n}", reason="customer_request"
                ),
                policy=ALWAYS_OPEN,
            )
    return agent_ids


def all_at_once(workers: int, work: Callable[[int], object]) -> list:
    """Run ``work(i)`` for every worker, released together by a barrier."""
    barrier = threading.Barrier(workers)

    def run(index: int):
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(workers)))


def claims_next(session_factory, agent_ids):
    """Agent number ``index`` presses "claim next": ``(agent id, ticket id)``, or ``None`` when nothing is left."""
    def claim_next(index: int):
        with session_scope(session_factory) as session:
            ticket = tickets.claim_next(session, agent=session.get(Agent, agent_ids[index]))
            return (agent_ids[index], ticket.id) if ticket else None

    return claim_next


def test_twenty_agents_claiming_ten_tickets_at_once(database):
    _, session_factory = database
    agent_ids = seed(session_factory, AGENTS, TICKETS)

    wins = [result for result in all_at_once(AGENTS, claims_next(session_factory, agent_ids)) if result]
    with session_scope(session_factory) as session:
        owners = dict(session.execute(select(Ticket.id, Ticket.assignee_id)).all())
        statuses = Counter(session.scalars(select(Ticket.status)))
        joined = Counter(
            session.scalars(select(TicketMessage.ticket_id).where(TicketMessage.rasa_intent == "EXTERNAL_agent_joined"))
        )
    assert len(wins) == TICKETS
    assert sorted(ticket_id for _, ticket_id in wins) == sorted(owners)  # every ticket won exactly once
    assert len({agent_id for agent_id, _ in wins}) == TICKETS  # no agent won twice
    assert owners == {ticket_id: agent_id for agent_id, ticket_id in wins}  # the database agrees with the winners
    assert statuses == {"assigned": TICKETS}
    assert set(joined.values()) == {1}  # one "agent joined" per ticket, no double side effects


def test_claims_at_once_never_lose_a_race_each_is_one_update(database):
    """One UPDATE picks and takes the ticket, so no claim loses a race and tries again (each lost race was a
    write transaction of its own, queued behind the others on SQLite)."""
    _, session_factory = database
    agent_ids = seed(session_factory, AGENTS, TICKETS)
    claim_updates: list[str] = []

    def count(_connection, _cursor, statement, *_args):
        if statement.startswith("UPDATE tickets SET status"):
            claim_updates.append(statement)

    engine = session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        wins = [result for result in all_at_once(AGENTS, claims_next(session_factory, agent_ids)) if result]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(wins) == TICKETS
    # A winner's one UPDATE; a claim that finds the queue empty tries the agent's languages, then the rest.
    assert len(claim_updates) == TICKETS + 2 * (AGENTS - TICKETS)


def test_agents_preferring_their_languages_claiming_at_once_never_share_a_ticket(database):
    """Half the agents speak Hebrew only, half English only; half the tickets are Hebrew. Each tries
    tickets in their language first and falls back to the whole queue: still one winner per ticket."""
    _, session_factory = database
    agent_ids = seed(session_factory, AGENTS, TICKETS)
    with session_scope(session_factory) as session:
        for agent in session.scalars(select(Agent)):
            agent.languages = ["he"] if agent.id % 2 else ["en"]
        for ticket in session.scalars(select(Ticket)):
            ticket.language = "he" if ticket.id % 2 else "en"

    wins = [result for result in all_at_once(AGENTS, claims_next(session_factory, agent_ids)) if result]
    with session_scope(session_factory) as session:
        owners = dict(session.execute(select(Ticket.id, Ticket.assignee_id)).all())
    assert len(wins) == TICKETS and len({agent_id for agent_id, _ in wins}) == TICKETS
    assert owners == {ticket_id: agent_id for agent_id, ticket_id in wins}


def test_twenty_agents_claiming_the_same_ticket(database):
    _, session_factory = database
    agent_ids = seed(session_factory, AGENTS, 1)

    def claim(index: int):
        with session_scope(session_factory) as session:
            try:
                tickets.claim_ticket(session, ticket_id=1, agent=session.get(Agent, agent_ids[index]))
                return "won"
            except Conflict:
                return "conflict"

    assert Counter(all_at_once(AGENTS, claim)) == {"won": 1, "conflict": AGENTS - 1}


def test_a_retried_escalation_racing_itself_makes_one_ticket(database):
    _, session_factory = database
    request = TicketCreate(idempotency_key="same", conversation_id="c", subject="s", reason="frustration")

    def create(_):
        with session_scope(session_factory) as session:
            ticket, created = tickets.create_ticket(session, data=request, policy=ALWAYS_OPEN)
            return ticket.reference, created

    results = all_at_once(8, create)
    assert len({reference for reference, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_concurrent_claims_over_http(database):
    settings, session_factory = database
    agent_ids = seed(session_factory, AGENTS, TICKETS)
    with session_scope(session_factory) as session:
        tokens = [accounts.open_session(session, agent=session.get(Agent, agent_id))[0] for agent_id in agent_ids]
    server = LiveHelpdesk(create_app(settings)).start()
    try:

        def claim_next(index: int):
            response = requests.post(
                f"{server.base_url}/api/tickets/claim-next",
                timeout=30,
                headers={"Authorization": f"Bearer {tokens[index]}"},
            )
            return response.status_code, response.json()["id"] if response.status_code == 200 else None

        results = all_at_once(AGENTS, claim_next)
    finally:
        server.stop()
    assert Counter(status for status, _ in results) == {200: TICKETS, 204: AGENTS - TICKETS}
    claimed = [ticket_id for status, ticket_id in results if status == 200]
    assert len(set(claimed)) == TICKETS


def test_concurrent_replies_reach_every_customer_once_and_in_order(database, rasa):
    """Agents reply at the same time on their own tickets, alternating between two helpdesk replicas on
    one database, to a slow Rasa (so deliveries overlap): each customer gets every line once, in the
    order the agent wrote them, and every line is marked delivered."""
    settings, session_factory = database
    replies_each, agent_count = 8, 6
    agent_ids = seed(session_factory, agent_count, agent_count)
    with session_scope(session_factory) as session:
        work = []  # (agent's token, ticket id, conversation id), one ticket per agent
        ticket_rows = session.execute(select(Ticket.id, Ticket.conversation_id).order_by(Ticket.id)).all()
        for agent_id, (ticket_id, conversation_id) in zip(agent_ids, ticket_rows, strict=True):
            agent = session.get_one(Agent, agent_id)
            tickets.claim_ticket(session, ticket_id=ticket_id, agent=agent)
            work.append((accounts.open_session(session, agent=agent)[0], ticket_id, conversation_id))
    rasa.delay_s = 0.01
    replicas = [LiveHelpdesk(create_app(settings)).start() for _ in range(2)]
    try:

        def write_replies(index: int) -> list[str]:
            token, ticket_id, conversation_id = work[index]
            texts = [f"{conversation_id} reply {n}" for n in range(replies_each)]
            for n, text in enumerate(texts):
                response = requests.post(f"{replicas[n % 2].base_url}/api/tickets/{ticket_id}/messages", timeout=30,
                                         json={"text": text}, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 201, response.text
            return texts

        written = dict(zip((conversation for *_, conversation in work), all_at_once(agent_count, write_replies),
                           strict=True))
        wait_until(lambda: sum(call["intent"] == "EXTERNAL_agent_message" for call in rasa.calls)
                   >= agent_count * replies_each, timeout_s=60, what="every reply reached Rasa")
    finally:
        for replica in replicas:
            replica.stop()
    for conversation_id, texts in written.items():
        received = [call["entities"]["agent_message"] for call in rasa.calls
                    if call["conversation_id"] == conversation_id and call["intent"] == "EXTERNAL_agent_message"]
        assert received == texts  # none lost, none twice, none out of order
        assert rasa.intents(conversation_id)[0] == "EXTERNAL_agent_joined"  # the claim's line went first
    with session_scope(session_factory) as session:
        undelivered = session.scalar(select(func.count()).select_from(TicketMessage).where(
            TicketMessage.rasa_intent.is_not(None), TicketMessage.delivered.is_(False)))
    assert undelivered == 0

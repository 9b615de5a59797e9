"""bench-helpdesk: a bad --think or --history gets a usage message before anything starts; its Rasa stand-in
answers as Rasa does, on kept-alive connections; ``--history`` adds a year of closed tickets before the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from bot.benchmarks.cli import helpdesk_main
from bot.benchmarks.helpdesk import AcceptingRasa, _prepare, run_benchmark
from bot.db import make_engine, make_session_factory, utcnow
from bot.helpdesk.rasa_bridge import bot_answered
from bot.helpdesk.tickets import reference_for
from bot.models import Agent, Customer, CustomerIdentity, Resolution, Ticket, TicketMessage
from bot.settings import load_settings


@pytest.mark.parametrize("think", ["soon", "6-2", "-1-3", "2-x"])
def test_a_think_range_that_is_not_min_max_seconds_is_refused(think, capsys):
    with pytest.raises(SystemExit) as exited:
        helpdesk_main(["--think", think])
    assert exited.value.code == 2
    assert "--think" in capsys.readouterr().err


def test_the_rasa_stand_in_answers_as_rasa_does_on_one_kept_alive_connection():
    rasa = AcceptingRasa()
    try:
        with requests.Session() as http:
            answers = [http.post(f"{rasa.url}/conversations/c{n}/trigger_intent", json={"name": "EXTERNAL_agent_message"},
                                 timeout=10) for n in range(3)]
    finally:
        rasa.stop()
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(bot_answered(answer) for answer in answers)  # what the helpdesk's bridge counts as delivered
    assert (rasa.count, rasa.connections) == (3, 1)


def test_a_negative_history_is_refused(capsys):
    with pytest.raises(SystemExit) as exited:
        helpdesk_main(["--history", "-1"])
    assert exited.value.code == 2
    assert "--history" in capsys.readouterr().err


def test_the_history_is_a_year_of_closed_tickets_each_answered_and_resolved_before_the_queue_by_agents_online(
    settings_env, empty_database_url,
):
    # On both databases: the history's ids come from the database's own sequence.
    settings = load_settings({**settings_env, "DATABASE_URL": empty_database_url})
    tokens = _prepare(settings, agents=2, ticket_count=3, history=7)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            closed = session.scalars(select(Ticket).where(Ticket.status == "closed").order_by(Ticket.id)).all()
            waiting = session.scalars(select(Ticket).where(Ticket.status == "waiting")).all()
            lines = session.scalars(select(TicketMessage).where(TicketMessage.ticket_id.in_([t.id for t in closed]))).all()
            resolutions = session.scalars(select(Resolution)).all()
            presences = set(session.scalars(select(Agent.presence)))
            customers = {customer.id: customer for customer in session.scalars(select(Customer))}
            identities = session.scalars(select(CustomerIdentity)).all()
    finally:
        engine.dispose()
    assert len(tokens) == 2 and len(closed) == 7 and len(waiting) == 3
    assert presences == {"online"}  # so the availability read computes the wait estimate from the history
    assert min(ticket.id for ticket in waiting) > max(ticket.id for ticket in closed)  # the queue comes after
    now = utcnow()
    assert now - timedelta(days=366) < closed[0].created_at < closed[-1].created_at < now
    assert all(ticket.assigned_at < ticket.first_reply_at < ticket.resolved_at for ticket in closed)
    assert [ticket.reference for ticket in closed] == [reference_for(ticket.id) for ticket in closed]
    assert sorted(line.author_type for line in lines) == sorted(["agent", "customer", "system"] * 7)
    assert all(line.delivered for line in lines)
    assert sorted(resolution.ticket_id for resolution in resolutions) == [ticket.id for ticket in closed]
    # Each closed ticket has a customer of its own, known by e-mail and by its conversation's web session.
    owners = [customers[ticket.customer_id] for ticket in closed]
    assert len({owner.id for owner in owners}) == 7 and all(owner.email.startswith("history") for owner in owners)
    assert {(identity.customer_id, identity.value) for identity in identities} >= {
        (ticket.customer_id, ticket.conversation_id) for ticket in closed}


def test_a_small_run_with_a_history_empties_the_queue_and_times_the_reads_that_grow_with_it():
    report = run_benchmark(None, agents=2, ticket_count=4, workers=1, history=20)
    assert (report["errors"], report["claims"], report["claimed_twice"], report["history"]) == (0, 4, 0, 20)
    assert set(report["reads_ms"]) == {"my_tickets", "availability", "customer_search_rare", "customer_search_common"}
    assert all(read["count"] == 30 and read["p50"] > 0 for read in report["reads_ms"].values())

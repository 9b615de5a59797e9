"""The escalation outbox: a promised escalation makes exactly one ticket and one announcement,
whoever races (the action's own call, drainers on several replicas), on SQLite and PostgreSQL;
a Zendesk escalation is created idempotently and announced on its own schedule."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, migrate, session_scope, utcnow
from bot.escalation import outbox
from bot.helpdesk import tickets
from bot.helpdesk.backends import ZendeskBackend, escalation_key
from bot.helpdesk.rasa_bridge import RasaBridge
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import EscalationRequest, Ticket, TicketMessage
from bot.settings import Settings, load_settings
from tests.bot.helpdesk.standins import RasaStandIn, ZendeskStandIn

RASA_TOKEN = "rasa-token-for-outbox-tests"
HELD_BRIEFLY = timedelta(milliseconds=-1)  # a hold that has already run out: the holder "died"


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    stand_in = RasaStandIn(RASA_TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def desk(empty_database_url, settings_env, rasa) -> Iterator[tuple[Settings, object]]:
    """Settings and sessions on a freshly migrated database of each kind, Rasa stood in for."""
    settings = load_settings({**settings_env, "DATABASE_URL": empty_database_url, "RASA_URL": rasa.base_url,
                              "RASA_TOKEN": RASA_TOKEN, "HTTP_RETRIES": "0", "HTTP_TIMEOUT_S": "2",
                              "BUSINESS_HOURS": "24/7"})
    migrate(settings)
    engine = make_engine(empty_database_url)
    yield settings, make_session_factory(engine)
    engine.dispose()


def ticket_request(conversation_id: str) -> TicketCreate:
    return TicketCreate(
        idempotency_key=escalation_key(conversation_id, uuid.uuid4().hex), conversation_id=conversation_id,
        channel="telegram", language="en", customer_name="Dana", customer_email="dana@example.com",
        subject="my parcel never arrived", description="my parcel never arrived", reason="customer_request",
    )


def drainer(settings: Settings, sessions, backend=None) -> outbox.EscalationDrainer:
    policy = HelpdeskPolicy.from_settings(settings)
    return outbox.EscalationDrainer(settings, sessions, RasaBridge(settings, sessions), policy, backend)


def hold(sessions, request: TicketCreate, hold_for: timedelta = timedelta(minutes=1)) -> outbox.Hold | None:
    with session_scope(sessions) as session:
        return outbox.hold_for_call(session, request=request, hold_for=hold_for)


def row(sessions, key: str) -> EscalationRequest:
    with session_scope(sessions) as session:
        found = session.scalars(select(EscalationRequest).where(EscalationRequest.idempotency_key == key)).one()
        session.expunge(found)
        return found


def tickets_and_announcements(sessions, conversation_id: str) -> tuple[list[str], list[dict]]:
    with session_scope(sessions) as session:
        found = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).all()
        lines = session.scalars(
            select(TicketMessage).join(Ticket).where(Ticket.conversation_id == conversation_id,
                                                     TicketMessage.rasa_intent == tickets.TICKET_CREATED)).all()
        return [t.reference for t in found], [dict(line.rasa_entities or {}) for line in lines]


def test_an_escalation_is_recorded_once_and_held_by_one_caller(desk):
    _, sessions = desk
    request = ticket_request("chat-hold")
    first = hold(sessions, request)
    assert first is not None
    assert hold(sessions, request) is None, "held: a second caller keeps away"
    with session_scope(sessions) as session:
        outbox.retry_later(session, hold=first, error="the helpdesk is unavailable: cannot connect")
    pending = row(sessions, request.idempotency_key)
    assert (pending.status, pending.attempts, pending.lease_until) == ("pending", 1, None)
    assert "cannot connect" in pending.last_error and pending.next_attempt_at > utcnow()
    assert pending.request["description"] == "my parcel never arrived"
    assert hold(sessions, request) is not None, "released: the next caller may try"


def test_the_drainer_creates_the_ticket_and_announces_it_once(desk, rasa):
    settings, sessions = desk
    request = ticket_request("chat-drained")
    with session_scope(sessions) as session:
        outbox.retry_later(session, hold=hold(sessions, request), error="down")

    assert drainer(settings, sessions).drain_due() == 1
    assert drainer(settings, sessions).drain_due() == 0  # nothing left

    references, announcements = tickets_and_announcements(sessions, "chat-drained")
    assert len(references) == 1 and len(announcements) == 1
    assert f'"reference":"{references[0]}"' in announcements[0]["ticket_receipt"]
    done = row(sessions, request.idempotency_key)
    assert (done.status, done.ticket_reference, done.request) == ("done", references[0], {})
    assert [c["intent"] for c in rasa.calls if c["conversation_id"] == "chat-drained"] == ["EXTERNAL_ticket_created"]


def test_when_the_action_finishes_first_the_drainer_tells_nobody(desk):
    settings, sessions = desk
    request = ticket_request("chat-action-first")
    own = hold(sessions, request, HELD_BRIEFLY)  # the action's call is slow: its hold runs out meanwhile
    with session_scope(sessions) as session:  # ... and its call creates the ticket
        tickets.create_ticket(session, data=request, policy=HelpdeskPolicy.from_settings(settings))
    with session_scope(sessions) as session:
        assert outbox.finish_own_call(session, hold=own, reference="T-1001") is True

    assert drainer(settings, sessions).drain_due() == 0
    references, announcements = tickets_and_announcements(sessions, "chat-action-first")
    assert (len(references), announcements) == (1, [])


def test_when_the_drainer_finishes_first_the_action_tells_nobody(desk):
    settings, sessions = desk
    request = ticket_request("chat-drainer-first")
    own = hold(sessions, request, HELD_BRIEFLY)  # the action server died during its call
    assert drainer(settings, sessions).drain_due() == 1
    with session_scope(sessions) as session:
        tickets.create_ticket(session, data=request, policy=HelpdeskPolicy.from_settings(settings))
    with session_scope(sessions) as session:  # its call did arrive after all
        assert outbox.finish_own_call(session, hold=own, reference="T-1001") is False
    references, announcements = tickets_and_announcements(sessions, "chat-drainer-first")
    assert (len(references), len(announcements)) == (1, 1)


def test_drainers_of_several_replicas_racing_make_one_ticket_and_one_announcement(desk):
    settings, sessions = desk
    requests = [ticket_request(f"chat-race-{n}") for n in range(3)]
    for request in requests:
        hold(sessions, request, HELD_BRIEFLY)
    replicas = [drainer(settings, sessions) for _ in range(4)]
    start = threading.Barrier(len(replicas))
    failures: list[BaseException] = []

    def drain(replica: outbox.EscalationDrainer) -> None:
        start.wait()
        try:
            for _ in range(3):
                replica.drain_due()
        except BaseException as exc:  # reported below, with the thread's result
            failures.append(exc)

    threads = [threading.Thread(target=drain, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    for request in requests:
        references, announcements = tickets_and_announcements(sessions, request.conversation_id)
        assert (len(references), len(announcements)) == (1, 1), request.conversation_id
        assert row(sessions, request.idempotency_key).status == "done"


def test_a_zendesk_escalation_is_created_once_and_announced_on_its_own_schedule(desk, rasa):
    settings, sessions = desk
    zendesk = ZendeskStandIn("bot@acme.example", "zendesk-token").start()
    try:
        zendesk_settings = settings.model_copy(update={
            "ticket_backend": "zendesk", "zendesk_url": zendesk.base_url, "zendesk_email": "bot@acme.example",
            "zendesk_api_token": "zendesk-token", "zendesk_webhook_secret": "secret"})
        backend = ZendeskBackend(zendesk_settings, sessions)
        request = ticket_request("chat-zendesk")
        with session_scope(sessions) as session:
            outbox.retry_later(session, hold=hold(sessions, request), error="Zendesk is unavailable")
        rasa.refuse_for["chat-zendesk"] = (503, "Rasa is restarting")

        drain = drainer(zendesk_settings, sessions, backend)
        assert drain.drain("not-a-key") is False
        with session_scope(sessions) as session:  # due now (the schedule is Zendesk's, not the clock's)
            session.get_one(EscalationRequest, row(sessions, request.idempotency_key).id).next_attempt_at = utcnow()
        assert drain.drain_due() == 0
        announcing = row(sessions, request.idempotency_key)
        assert announcing.status == "announcing" and announcing.ticket_reference.startswith("#")
        assert announcing.attempts == 1 and "503" in announcing.last_error

        backend.create_ticket(request)  # the same key again (e.g. the action's late call): no second ticket
        assert len(zendesk.tickets) == 1

        del rasa.refuse_for["chat-zendesk"]
        with session_scope(sessions) as session:
            session.get_one(EscalationRequest, announcing.id).next_attempt_at = utcnow()
        assert drain.drain_due() == 1
        assert row(sessions, request.idempotency_key).status == "done"
        [call] = [c for c in rasa.calls if c["conversation_id"] == "chat-zendesk"]
        assert call["intent"] == "EXTERNAL_ticket_created" and announcing.ticket_reference in call["entities"]["ticket_receipt"]
    finally:
        zendesk.stop()


def test_finished_escalations_are_forgotten_after_a_month(desk):
    settings, sessions = desk
    request = ticket_request("chat-old")
    with session_scope(sessions) as session:
        outbox.finish_own_call(session, hold=hold(sessions, request), reference="T-1001")
    with session_scope(sessions) as session:
        assert outbox.prune_done(session, now=utcnow()) == 0
        assert outbox.prune_done(session, now=utcnow() + outbox.KEEP_DONE_FOR + timedelta(minutes=1)) == 1

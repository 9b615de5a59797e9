"""The ticket service on a real migrated SQLite database: creating, queue order, claiming, the
ticket life cycle, relaying, customer status, availability; and the rules it is configured with."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from bot.customers.store import customer_for_conversation
from bot.db import session_scope
from bot.helpdesk import accounts, tickets
from bot.helpdesk.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.helpdesk.hours import BusinessHours, BusinessHoursError
from bot.helpdesk.schemas import RelayMessage, TicketCreate
from bot.helpdesk.text import MESSAGE_MAX_CHARS, clean_text, truncate_with_marker
from bot.helpdesk.ticket_rules import HelpdeskPolicy, PolicyError, parse_priority_rules
from bot.models import Customer, Resolution, TicketMessage

POLICY = HelpdeskPolicy(
    BusinessHours.parse("24/7", "UTC"), parse_priority_rules("frustration=high,sensitive_topic=high")
)
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)  # a Monday


def escalation(conversation_id: str, **fields) -> TicketCreate:
    values = {
        "idempotency_key": f"key-{conversation_id}",
        "conversation_id": conversation_id,
        "subject": "Help",
        "reason": "customer_request",
        **fields,
    }
    return TicketCreate(**values)


@pytest.fixture
def db(sessions):
    with session_scope(sessions) as session:
        yield session


def make_agent(db, name: str, role: str = "agent"):
    return accounts.create_agent(db, email=f"{name.lower()}@example.com", name=name, role=role, password="long enough password")


# ---------------------------------------------------------------- creating


def test_the_same_escalation_creates_one_ticket(db):
    first, created_first = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    again, created_again = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0 + timedelta(seconds=5))
    assert (created_first, created_again) == (True, False)
    assert again.id == first.id
    assert first.reference == f"T-{first.id + 1000}"


def test_a_conversation_with_an_open_ticket_gets_that_ticket_back(db):
    first, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    second, created = tickets.create_ticket(db, data=escalation("c1", idempotency_key="another-escalation"), policy=POLICY, now=T0)
    assert not created and second.id == first.id


def test_the_transcript_is_stored_with_its_own_times(db):
    data = escalation(
        "c1",
        transcript=[
            {"author": "customer", "text": "<b>hi</b>", "timestamp": 1767607200},
            {"author": "bot", "text": "Hello", "timestamp": "2026-01-05T10:00:01+02:00"},
        ],
    )
    ticket, _ = tickets.create_ticket(db, data=data, policy=POLICY, now=T0)
    lines = [(m.author_type, m.body, m.created_at) for m in ticket.messages]
    assert lines == [
        ("customer", "<b>hi</b>", datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)),
        ("bot", "Hello", datetime(2026, 1, 5, 8, 0, 1, tzinfo=timezone.utc)),
    ]


@pytest.mark.parametrize(
    "reason, requested, expected",
    [
        ("frustration", None, "high"),
        ("sensitive_topic", None, "high"),
        ("kb_missed_twice", None, "normal"),
        ("customer_request", "urgent", "urgent"),
    ],
)
def test_priority_follows_the_rules_unless_given(db, reason, requested, expected):
    ticket, _ = tickets.create_ticket(db, data=escalation("c1", reason=reason, priority=requested), policy=POLICY, now=T0)
    assert ticket.priority == expected


def test_priority_rules_are_checked():
    assert parse_priority_rules(" frustration=urgent , fallback=low ") == {"frustration": "urgent", "fallback": "low"}
    with pytest.raises(PolicyError, match="unknown reason 'angry'"):
        parse_priority_rules("angry=high")
    with pytest.raises(PolicyError, match="needs a priority"):
        parse_priority_rules("frustration=asap")


def test_subject_falls_back_to_the_description_then_the_reason(db):
    from_description, _ = tickets.create_ticket(
        db, data=escalation("c1", subject="", description="\n  My parcel is late\nmore"), policy=POLICY, now=T0
    )
    from_reason, _ = tickets.create_ticket(db, data=escalation("c2", subject="", reason="frustration"), policy=POLICY, now=T0)
    assert from_description.subject == "My parcel is late"
    assert from_reason.subject == "The customer seemed frustrated."


# ---------------------------------------------------------------- queue


def test_queue_is_priority_then_age(db):
    normal_old, _ = tickets.create_ticket(db, data=escalation("old"), policy=POLICY, now=T0)
    high_new, _ = tickets.create_ticket(
        db, data=escalation("angry", reason="frustration"), policy=POLICY, now=T0 + timedelta(minutes=5)
    )
    normal_new, _ = tickets.create_ticket(db, data=escalation("new"), policy=POLICY, now=T0 + timedelta(minutes=1))
    low, _ = tickets.create_ticket(db, data=escalation("low", priority="low"), policy=POLICY, now=T0 - timedelta(hours=1))
    assert [t.conversation_id for t in tickets.queue(db)] == ["angry", "old", "new", "low"]
    assert [tickets.queue_position(db, ticket=t) for t in (high_new, normal_old, normal_new, low)] == [1, 2, 3, 4]


def test_claim_next_takes_the_head_of_the_queue_and_then_nothing(db):
    anna = make_agent(db, "Anna")
    tickets.create_ticket(db, data=escalation("first"), policy=POLICY, now=T0)
    tickets.create_ticket(db, data=escalation("second"), policy=POLICY, now=T0 + timedelta(minutes=1))
    assert tickets.claim_next(db, agent=anna).conversation_id == "first"
    assert tickets.claim_next(db, agent=anna).conversation_id == "second"
    assert tickets.claim_next(db, agent=anna) is None


def test_a_claimed_ticket_cannot_be_claimed_again(db):
    anna, ben = make_agent(db, "Anna"), make_agent(db, "Ben")
    ticket, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    claimed = tickets.claim_ticket(db, ticket_id=ticket.id, agent=anna)
    assert (claimed.status, claimed.assignee_id, tickets.queue_position(db, ticket=claimed)) == ("assigned", anna.id, None)
    with pytest.raises(Conflict, match="already claimed by Anna"):
        tickets.claim_ticket(db, ticket_id=ticket.id, agent=ben)
    with pytest.raises(NotFound):
        tickets.claim_ticket(db, ticket_id=987654, agent=ben)


def test_claiming_tells_the_customer_who_joined(db):
    anna = make_agent(db, "Anna")
    ticket, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=anna)
    joined = ticket.messages[-1]
    assert (joined.rasa_intent, joined.rasa_entities, joined.delivered) == (
        "EXTERNAL_agent_joined",
        {"agent_name": "Anna"},
        False,
    )


def test_a_reply_rolled_back_leaves_its_line_unsaved_and_the_session_can_reply_again(db):
    """A line for the customer is written by a statement of its own (not the unit of work); should its
    transaction roll back, the line is left as an unsaved one, as the unit of work would leave it, not as a
    loaded row that is gone (a review found reading it failed, and the next reply clashed with its id)."""
    anna = make_agent(db, "Anna")
    ticket, _ = tickets.create_ticket(db, data=escalation("c-rollback"), policy=POLICY, now=T0)
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=anna)

    written = []

    def fails(session, _ticket_id):  # the transaction fails after the line was written
        written.extend(obj for obj in session.identity_map.values() if isinstance(obj, TicketMessage))
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        tickets.reply(db, ticket_id=ticket.id, agent=anna, text="lost reply", before_commit=fails)
    db.rollback()

    lost = next(line for line in written if line.body == "lost reply")
    assert inspect(lost).transient
    kept = tickets.reply(db, ticket_id=ticket.id, agent=anna, text="kept reply")
    assert kept.body == "kept reply"
    bodies = db.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id))
    assert list(bodies)[-1] == "kept reply"


# ---------------------------------------------------------------- life cycle


def test_reply_resolve_reopen_resolve_close(db):
    anna = make_agent(db, "Anna")
    ticket, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=anna, now=T0 + timedelta(minutes=1))
    reply = tickets.reply(db, ticket_id=ticket.id, agent=anna, text="Try this link", now=T0 + timedelta(minutes=2))
    assert (reply.rasa_intent, reply.rasa_entities) == (
        "EXTERNAL_agent_message",
        {"agent_message": "Try this link", "agent_name": "Anna"},
    )
    assert ticket.first_reply_at == T0 + timedelta(minutes=2)

    first = tickets.resolve(db, ticket_id=ticket.id, agent=anna, now=T0 + timedelta(minutes=3))
    assert (ticket.status, ticket.resolved_at) == ("resolved", T0 + timedelta(minutes=3))
    with pytest.raises(Conflict, match="already resolved"):
        tickets.resolve(db, ticket_id=ticket.id, agent=anna)
    with pytest.raises(Conflict, match="already resolved; reopen it first"):
        tickets.reply(db, ticket_id=ticket.id, agent=anna, text="one more thing")

    tickets.reopen(db, ticket_id=ticket.id, agent=anna)
    assert (ticket.status, ticket.assignee_id, ticket.resolved_at) == ("assigned", anna.id, None)
    second = tickets.resolve(db, ticket_id=ticket.id, agent=anna)
    keys = [r.resolution_key for r in db.query(Resolution).order_by(Resolution.id)]
    assert keys == [f"ticket:{ticket.id}:1", f"ticket:{ticket.id}:2"]
    assert (first.resolved_by, first.agent_id, first.conversation_id) == ("agent", anna.id, "c1")
    resolved_line = (
        db.query(TicketMessage).filter_by(rasa_intent="EXTERNAL_ticket_resolved").order_by(TicketMessage.id).all()[-1]
    )
    assert resolved_line.rasa_entities == {
        "ticket_reference": ticket.reference,
        "resolution_id": second.id,
        "agent_name": "Anna",
    }

    tickets.close(db, ticket_id=ticket.id, agent=anna)
    assert ticket.status == "closed" and ticket.closed_at is not None
    with pytest.raises(Conflict, match="only resolved tickets can be reopened"):
        tickets.reopen(db, ticket_id=ticket.id, agent=anna)


def test_only_the_assignee_replies_and_admins_may_resolve_or_transfer(db):
    anna, ben, boss = make_agent(db, "Anna"), make_agent(db, "Ben"), make_agent(db, "Boss", role="admin")
    ticket, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    with pytest.raises(Conflict, match="claim it first"):
        tickets.reply(db, ticket_id=ticket.id, agent=anna, text="hello")
    tickets.claim_ticket(db, ticket_id=ticket.id, agent=anna)
    for action in (
        lambda: tickets.reply(db, ticket_id=ticket.id, agent=ben, text="mine now"),
        lambda: tickets.resolve(db, ticket_id=ticket.id, agent=ben),
        lambda: tickets.transfer(db, ticket_id=ticket.id, agent=ben, to_agent_id=ben.id),
        lambda: tickets.reply(db, ticket_id=ticket.id, agent=boss, text="admin talking"),
    ):
        with pytest.raises(Forbidden, match="assigned to Anna"):
            action()
    tickets.transfer(db, ticket_id=ticket.id, agent=boss, to_agent_id=ben.id)
    assert ticket.assignee_id == ben.id
    # The customer hears that Anna, whom they were talking to, handed over; not the admin who did it.
    assert ticket.messages[-1].rasa_entities == {"agent_name": "Ben", "previous_agent_name": "Anna"}
    with pytest.raises(Conflict, match="already assigned to Ben"):
        tickets.transfer(db, ticket_id=ticket.id, agent=ben, to_agent_id=ben.id)
    with pytest.raises(InvalidInput, match="agent 999999 not found"):
        tickets.transfer(db, ticket_id=ticket.id, agent=ben, to_agent_id=999999)
    tickets.resolve(db, ticket_id=ticket.id, agent=boss)
    assert ticket.status == "resolved"


def test_notes_are_internal_and_allowed_on_any_ticket(db):
    anna = make_agent(db, "Anna")
    ticket, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    note = tickets.add_note(db, ticket_id=ticket.id, agent=anna, text="VIP customer")
    assert (note.author_type, note.rasa_intent, note.delivered) == ("note", None, True)


# ---------------------------------------------------------------- relay and customer status


def test_relay_appends_to_the_open_ticket_once_per_client_message_id(db):
    ticket, _ = tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    message = RelayMessage(text="still there?", client_message_id="m-1")
    _, first, created_first = tickets.relay_customer_message(db, conversation_id="c1", data=message)
    _, again, created_again = tickets.relay_customer_message(db, conversation_id="c1", data=message)
    assert (created_first, created_again, again.id) == (True, False, first.id)
    assert [m.body for m in ticket.messages].count("still there?") == 1
    with pytest.raises(NotFound, match="no open ticket"):
        tickets.relay_customer_message(db, conversation_id="someone-else", data=message)


def test_oversized_customer_messages_are_cut_with_a_visible_marker(db):
    tickets.create_ticket(db, data=escalation("c1"), policy=POLICY, now=T0)
    _, message, _ = tickets.relay_customer_message(db, conversation_id="c1", data=RelayMessage(text="x" * 100_000))
    kept, marker = message.body.split("\n[… message truncated: ")
    omitted = int(marker.removesuffix(" more characters not shown]"))
    assert len(message.body) <= MESSAGE_MAX_CHARS
    assert set(kept) == {"x"} and len(kept) + omitted == 100_000


def test_customer_status_shows_only_the_customers_own_tickets_never_by_a_typed_email(db):
    dana = customer_for_conversation(db, conversation_id="telegram:1", channel="telegram")
    earlier, _ = tickets.create_ticket(db, data=escalation("telegram:1", customer_email="dana@example.com"),
                                       policy=POLICY, now=T0)
    earlier.customer_id = dana.id
    here, _ = tickets.create_ticket(db, data=escalation("web:2", customer_email="dana@example.com"), policy=POLICY, now=T0)
    other, _ = tickets.create_ticket(db, data=escalation("web:3", customer_email="other@example.com"), policy=POLICY, now=T0)

    mine = tickets.customer_tickets(db, conversation_id="web:2", customer_id=dana.id)
    assert [(t.reference, t.status) for t in mine] == [(here.reference, "waiting"), (earlier.reference, "waiting")]
    assert [t.reference for t in tickets.customer_tickets(db, conversation_id="web:9")] == []
    assert tickets.customer_tickets(db, conversation_id="web:3", reference=earlier.reference) == []
    assert [t.reference for t in tickets.customer_tickets(db, customer_id=dana.id, reference=earlier.reference.lower())] == [
        earlier.reference]
    with pytest.raises(InvalidInput):  # a reference alone names no owner: it would show anyone's ticket
        tickets.customer_tickets(db, reference=other.reference)


def test_wait_estimate_is_position_times_median_handling_over_agents_online(db):
    anna, ben = make_agent(db, "Anna"), make_agent(db, "Ben")
    now = T0 + timedelta(hours=1)
    for minutes, name in ((4, "a"), (6, "b"), (20, "c")):
        ticket, _ = tickets.create_ticket(db, data=escalation(name), policy=POLICY, now=T0)
        tickets.claim_ticket(db, ticket_id=ticket.id, agent=anna, now=T0)
        tickets.resolve(db, ticket_id=ticket.id, agent=anna, now=T0 + timedelta(minutes=minutes))
    assert tickets.median_handling_minutes(db, now=now) == 6
    assert tickets.wait_estimate_minutes(db, position=3, online=2, now=now) == 9
    assert tickets.wait_estimate_minutes(db, position=3, online=0, now=now) is None
    for agent in (anna, ben):
        accounts.set_presence(db, agent=agent, presence="online", now=now)
    assert tickets.agents_online(db, now=now) == 2
    assert tickets.agents_online(db, now=now + accounts.ONLINE_WINDOW) == 0  # the console went quiet


def test_availability_outside_business_hours(db):
    policy = HelpdeskPolicy(BusinessHours.parse("Mon-Fri 09:00-17:00", "Europe/Prague"), {})
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)
    availability = tickets.availability(db, policy=policy, now=saturday)
    assert not availability.open_now
    assert availability.next_open == datetime(2026, 1, 12, 8, 0, tzinfo=timezone.utc)  # 09:00 in Prague
    assert (availability.agents_online, availability.wait_estimate_minutes) == (0, None)


# ---------------------------------------------------------------- rules and text


@pytest.mark.parametrize(
    "spec, moment, open_now, next_open",
    [
        ("Mon-Fri 09:00-17:00", "2026-01-05T08:59", False, "2026-01-05T09:00"),
        ("Mon-Fri 09:00-17:00", "2026-01-05T16:59", True, "2026-01-05T16:59"),
        ("Mon-Fri 09:00-17:00", "2026-01-09T17:00", False, "2026-01-12T09:00"),
        ("Sun-Thu 08:00-16:00; Fri 08:00-12:00", "2026-01-09T12:30", False, "2026-01-11T08:00"),
        ("Mon-Fri 09:00-12:00 13:00-17:00", "2026-01-05T12:30", False, "2026-01-05T13:00"),
        ("Daily 00:00-24:00", "2026-01-10T03:00", True, "2026-01-10T03:00"),
        # overnight shifts: Friday night runs into Saturday morning, not into Friday morning
        ("Mon-Fri 22:00-06:00", "2026-01-10T05:59", True, "2026-01-10T05:59"),
        ("Mon-Fri 22:00-06:00", "2026-01-10T06:00", False, "2026-01-12T22:00"),
        ("Mon-Fri 22:00-06:00", "2026-01-05T03:00", False, "2026-01-05T22:00"),
        ("Mon-Fri 22:00-06:00", "2026-01-09T23:30", True, "2026-01-09T23:30"),
        ("Sun 20:00-00:00", "2026-01-11T23:59", True, "2026-01-11T23:59"),
        ("Sun 20:00-00:00", "2026-01-12T00:00", False, "2026-01-18T20:00"),
    ],
)
def test_business_hours(spec, moment, open_now, next_open):
    hours = BusinessHours.parse(spec, "UTC")
    at = datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)
    assert hours.is_open(at) is open_now
    assert hours.next_open(at) == datetime.fromisoformat(next_open).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "spec, zone, message",
    [
        ("", "UTC", "is empty"),
        ("Weekdays 09:00-17:00", "UTC", "is not a day"),
        ("Mon-Fri 9-5", "UTC", "must look like 09:00-17:00"),
        ("Mon-Fri 09:00-09:00", "UTC", "open and close at the same time"),
        ("Mon-Fri 09:00-25:00", "UTC", "times go from 00:00 to 24:00"),
        ("Mon-Fri 09:00-17:00", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_business_hours_say_what_to_write(spec, zone, message):
    with pytest.raises(BusinessHoursError, match=message):
        BusinessHours.parse(spec, zone)


def test_text_is_kept_verbatim_except_what_no_database_can_store():
    assert clean_text("<script>alert(1)</script> שלום مرحبا 👋") == "<script>alert(1)</script> שלום مرحبا 👋"
    assert clean_text("a\x00b\ud800c") == "a\ufffdb\ufffdc"
    assert truncate_with_marker("short") == "short"


def test_a_ticket_belongs_to_the_conversations_customer_who_gets_the_typed_name_but_not_the_address(db):
    known = customer_for_conversation(db, conversation_id="telegram:52", channel="telegram")
    ticket, _ = tickets.create_ticket(db, data=escalation("telegram:52", channel="telegram", customer_name="Dana",
                                                          customer_email="dana@example.com"), policy=POLICY, now=T0)
    assert ticket.customer_id == known.id
    assert (known.name, known.email) == ("Dana", None)
    assert ticket.customer_email == "dana@example.com"


def test_a_ticket_of_a_new_conversation_creates_its_customer(db):
    ticket, _ = tickets.create_ticket(db, data=escalation("web:abc", channel="socketio", language="cs"),
                                      policy=POLICY, now=T0)
    customer = db.get(Customer, ticket.customer_id)
    assert customer.language == "cs"

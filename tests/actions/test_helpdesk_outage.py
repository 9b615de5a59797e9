"""When the helpdesk is down the customer is told once, the escalation is retried, and nothing is lost."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation import ActionCreateTicket, ActionTicketStatus
from actions.handoff import ActionRelayToAgent
from actions.services import services
from bot.db import session_scope
from bot.models import Ticket
from bot.stack.supervisor import free_port
from tests.actions.conftest import (
    action_server_env,
    configured_services,
    make_tracker,
    responses,
    run,
    slots_set,
    user_event,
)


@pytest.fixture
def helpdesk_port(var_dir, database_url, kb_dir, topics_file) -> int:
    """The action server configured for a helpdesk on a port where nothing listens (yet)."""
    port = free_port()
    with configured_services(action_server_env(var_dir, database_url, kb_dir, topics_file, f"http://127.0.0.1:{port}")):
        yield port


def reminders(events):
    return [event for event in events if event["event"] == "reminder"]


def test_an_escalation_survives_a_helpdesk_outage(helpdesk_port, start_helpdesk, domain):
    history = [user_event("my parcel never arrived", "ask_question"), user_event("/request_human", "request_human")]
    slots = {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "customer_name": "Dana",
             "customer_email": "dana@example.com", "issue_description": "my parcel never arrived"}
    tracker = make_tracker(domain, "dana@example.com", "inform", slots=slots, history=history)

    # 1. The helpdesk is down: the customer is told once, and a retry is scheduled.
    dispatcher = CollectingDispatcher()
    before = datetime.now(timezone.utc)
    events = run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_helpdesk_unavailable"]
    assert slots_set(events) == {"ticket_attempts": 1}
    [reminder] = reminders(events)
    assert (reminder["intent"], reminder["name"], reminder["kill_on_user_msg"]) == (
        "EXTERNAL_retry_escalation", "retry_escalation", False)
    due = datetime.fromisoformat(reminder["date_time"])
    assert before + timedelta(seconds=14) <= due <= datetime.now(timezone.utc) + timedelta(seconds=16)

    # 2. Still down at the first retry: no second apology, a longer wait.
    dispatcher = CollectingDispatcher()
    retry = make_tracker(domain, "", "EXTERNAL_retry_escalation", slots={**slots, "ticket_attempts": 1},
                         history=history, sender_id=tracker.sender_id)
    events = run(ActionCreateTicket(), dispatcher, retry, domain)

    assert dispatcher.messages == []
    assert slots_set(events) == {"ticket_attempts": 2}
    assert datetime.fromisoformat(reminders(events)[0]["date_time"]) >= before + timedelta(seconds=29)

    # 3. The helpdesk is back: the next retry creates the ticket with everything the customer said.
    start_helpdesk(helpdesk_port)
    dispatcher = CollectingDispatcher()
    retry = make_tracker(domain, "", "EXTERNAL_retry_escalation", slots={**slots, "ticket_attempts": 2},
                         history=history, sender_id=tracker.sender_id)
    events = run(ActionCreateTicket(), dispatcher, retry, domain)

    assert responses(dispatcher) == ["utter_ticket_created_offline"]
    assert slots_set(events)["ticket_attempts"] == 0
    assert reminders(events) == []
    with session_scope(services().sessions) as session:
        [ticket] = session.scalars(select(Ticket).where(Ticket.conversation_id == tracker.sender_id)).all()
        bodies = [message.body for message in ticket.messages]
        assert (ticket.description, ticket.customer_email) == ("my parcel never arrived", "dana@example.com")
    assert bodies[:2] == ["my parcel never arrived", "[request_human]"]
    assert dispatcher.messages[0]["ticket_reference"] == ticket.reference


def test_retries_wait_longer_and_longer_up_to_five_minutes(helpdesk_port, domain):
    slots = {"escalation_id": uuid.uuid4().hex, "customer_name": "Dana", "customer_email": "dana@example.com"}
    for attempt, expected_delay_s in ((3, 120), (4, 300), (9, 300)):
        before = datetime.now(timezone.utc)
        events = run(ActionCreateTicket(), CollectingDispatcher(),
                     make_tracker(domain, "", "EXTERNAL_retry_escalation", slots={**slots, "ticket_attempts": attempt}),
                     domain)
        after = datetime.now(timezone.utc)
        due = datetime.fromisoformat(reminders(events)[0]["date_time"])
        # The reminder is set at some moment during the run (which waits for the dead helpdesk): the delay
        # lies between what it looks like from the run's end and from its start.
        assert (due - after).total_seconds() - 1 <= expected_delay_s <= (due - before).total_seconds() + 1
        assert slots_set(events) == {"ticket_attempts": attempt + 1}


def test_a_message_for_the_agent_that_cannot_be_passed_on_is_admitted(helpdesk_port, dispatcher, domain):
    tracker = make_tracker(domain, "are you still there?", "ask_question", slots={"handoff_active": True})

    events = run(ActionRelayToAgent(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_relay_failed"]
    assert events == []  # the handoff goes on: the agent is still there once the helpdesk is back


def test_the_ticket_status_question_is_answered_honestly_during_an_outage(helpdesk_port, dispatcher, domain):
    run(ActionTicketStatus(), dispatcher, make_tracker(domain, "status of T-1001?", "check_ticket_status"), domain)
    assert responses(dispatcher) == ["utter_status_unavailable"]

"""When the helpdesk is down the customer is told, the escalation waits in the database (the outbox), the
helpdesk creates the ticket once it is back, and nothing is lost."""
import uuid

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation import ActionAnnounceTicket, ActionCreateTicket, ActionTicketStatus, ValidateEscalationForm
from actions.handoff import ActionRelayToAgent
from actions.services import services
from bot.db import session_scope
from bot.helpdesk import tickets
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import EscalationRequest, Ticket
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
from tests.bot.helpdesk.standins import wait_until


@pytest.fixture
def helpdesk_port(var_dir, database_url, kb_dir, topics_file) -> int:
    """The action server configured for a helpdesk on a port where nothing listens (yet)."""
    port = free_port()
    with configured_services(action_server_env(var_dir, database_url, kb_dir, topics_file, f"http://127.0.0.1:{port}")):
        yield port


def outbox_row(sender_id: str) -> EscalationRequest:
    with session_scope(services().sessions) as session:
        row = session.scalars(select(EscalationRequest).where(EscalationRequest.conversation_id == sender_id)).one()
        session.expunge(row)
        return row


def test_an_escalation_survives_a_helpdesk_outage(helpdesk_port, start_helpdesk, domain):
    history = [user_event("my parcel never arrived", "ask_question"), user_event("/request_human", "request_human")]
    slots = {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "customer_name": "Dana",
             "customer_email": "dana@example.com", "issue_description": "my parcel never arrived"}
    tracker = make_tracker(domain, "dana@example.com", "inform", slots=slots, history=history)

    # 1. The helpdesk is down: the customer is told, and the escalation waits in the outbox (not in Rasa).
    dispatcher = CollectingDispatcher()
    events = run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_helpdesk_unavailable"]
    assert slots_set(events) == {"escalation_id": None, "escalation_reason": None}
    assert [event for event in events if event["event"] == "reminder"] == []
    pending = outbox_row(tracker.sender_id)
    assert (pending.status, pending.attempts, pending.lease_until) == ("pending", 1, None)
    assert "unavailable" in pending.last_error
    assert pending.request["description"] == "my parcel never arrived"

    # 2. The helpdesk is back: its drainer creates the ticket with everything the customer said, and
    #    queues the announcement for the customer's chat.
    start_helpdesk(helpdesk_port)
    wait_until(lambda: outbox_row(tracker.sender_id).status == "done", timeout_s=20, what="the drainer finished")
    with session_scope(services().sessions) as session:
        [ticket] = session.scalars(select(Ticket).where(Ticket.conversation_id == tracker.sender_id)).all()
        bodies = [message.body for message in ticket.messages]
        [announcement] = [m for m in ticket.messages if m.rasa_intent == "EXTERNAL_ticket_created"]
        assert (ticket.description, ticket.customer_email) == ("my parcel never arrived", "dana@example.com")
        receipt = announcement.rasa_entities["ticket_receipt"]
        reference = ticket.reference
    assert bodies[:2] == ["my parcel never arrived", "[request_human]"]

    # 3. What the customer sees when that line reaches the chat.
    dispatcher = CollectingDispatcher()
    announced = make_tracker(domain, "", "EXTERNAL_ticket_created", slots=slots, history=history,
                             sender_id=tracker.sender_id, entities=[{"entity": "ticket_receipt", "value": receipt}])
    events = run(ActionAnnounceTicket(), dispatcher, announced, domain)
    assert responses(dispatcher) == ["utter_ticket_created_offline"]  # nobody is online
    assert dispatcher.messages[0]["ticket_reference"] == reference
    assert slots_set(events)["handoff_active"] is True and slots_set(events)["ticket_reference"] == reference

    # 4. Rasa re-running the action later changes nothing.
    dispatcher = CollectingDispatcher()
    assert slots_set(run(ActionCreateTicket(), dispatcher, tracker, domain)) == {"escalation_id": None,
                                                                                 "escalation_reason": None}
    assert dispatcher.messages == []


def open_ticket(conversation_id: str) -> None:
    request = TicketCreate(idempotency_key=uuid.uuid4().hex, conversation_id=conversation_id, reason="customer_request",
                           description="my parcel never arrived")
    with session_scope(services().sessions) as session:
        tickets.create_ticket(session, data=request, policy=HelpdeskPolicy.from_settings(services().settings))


def customer_lines(conversation_id: str) -> list[str]:
    with session_scope(services().sessions) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).one()
        return [m.body for m in ticket.messages if m.author_type == "customer"]


def test_a_line_for_the_agent_goes_straight_into_the_ticket_while_the_helpdesk_is_down(helpdesk_port, dispatcher, domain):
    tracker = make_tracker(domain, "are you still there?", "ask_question", slots={"handoff_active": True})
    tracker.latest_message["message_id"] = "rasa-message-1"
    open_ticket(tracker.sender_id)

    events = run(ActionRelayToAgent(), dispatcher, tracker, domain)
    run(ActionRelayToAgent(), CollectingDispatcher(), tracker, domain)  # Rasa retrying the same message

    assert (responses(dispatcher), events) == ([], [])  # nothing to admit: the agent will see it
    assert customer_lines(tracker.sender_id).count("are you still there?") == 1


def test_the_problem_typed_as_the_name_goes_into_the_ticket_once_while_the_helpdesk_is_down(helpdesk_port, dispatcher,
                                                                                              domain):
    words = "it was supposed to arrive last Monday, the order number is 88812"
    tracker = make_tracker(domain, words, "inform", slots={"details_for_ticket": "T-1", "requested_slot": "customer_name"},
                           active_loop={"name": "escalation_form"},
                           trailing=[{"event": "slot", "timestamp": None, "name": "customer_name", "value": words}])
    tracker.latest_message["message_id"] = "rasa-message-2"
    open_ticket(tracker.sender_id)

    run(ValidateEscalationForm(), dispatcher, tracker, domain)
    run(ValidateEscalationForm(), CollectingDispatcher(), tracker, domain)  # Rasa retrying the same message

    assert responses(dispatcher) == ["utter_added_to_ticket_instead_of_a_name"]
    assert customer_lines(tracker.sender_id).count(words) == 1


def test_with_no_open_ticket_the_bot_takes_the_conversation_back_even_while_the_helpdesk_is_down(
    helpdesk_port, dispatcher, domain
):
    tracker = make_tracker(domain, "are you still there?", "ask_question", slots={"handoff_active": True})

    events = run(ActionRelayToAgent(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_handoff_ended"]
    assert slots_set(events) == {"handoff_active": False}


def test_the_ticket_status_question_is_answered_honestly_during_an_outage(helpdesk_port, dispatcher, domain):
    run(ActionTicketStatus(), dispatcher, make_tracker(domain, "status of T-1001?", "check_ticket_status"), domain)
    assert responses(dispatcher) == ["utter_status_unavailable"]

"""With TICKET_BACKEND=zendesk the ticket goes to Zendesk (a local stand-in of its Tickets API).
Without Zendesk's webhook the customer is told the team answers by email and the bot keeps the
chat; with it (ZENDESK_WEBHOOK_SECRET) the chat is handed to the team, who answer in it."""
import uuid

import pytest

from actions.escalation import ActionCancelEscalation, ActionCreateTicket, ValidateEscalationForm
from bot.helpdesk.backends import conversation_from_escalation_key
from tests.actions.conftest import (
    action_server_env,
    asked_for,
    configured_services,
    form_turn,
    make_tracker,
    responses,
    run,
    slots_after,
    slots_set,
)
from tests.bot.helpdesk.standins import ZendeskStandIn

EMAIL, TOKEN = "bot@acme.example", "zendesk-api-token"


@pytest.fixture(params=["email only"])
def zendesk(request, var_dir, database_url, kb_dir, topics_file):
    stand_in = ZendeskStandIn(EMAIL, TOKEN).start()
    env = action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk_url="http://127.0.0.1:9")
    env.update(TICKET_BACKEND="zendesk", ZENDESK_URL=stand_in.base_url, ZENDESK_EMAIL=EMAIL, ZENDESK_API_TOKEN=TOKEN,
               BUSINESS_HOURS="24/7", ZENDESK_WEBHOOK_SECRET="signing-secret" if request.param == "webhook" else "")
    try:
        with configured_services(env):
            yield stand_in
    finally:
        stand_in.stop()


SLOTS = {"escalation_id": "", "escalation_reason": "customer_request", "customer_name": "Dana Levi",
         "customer_email": "dana@example.com", "issue_description": "My parcel never arrived"}


def escalate(dispatcher, domain):
    tracker = make_tracker(domain, "My parcel never arrived", "inform", slots={**SLOTS, "escalation_id": uuid.uuid4().hex})
    return tracker, run(ActionCreateTicket(), dispatcher, tracker, domain)


def test_the_ticket_goes_to_zendesk_and_the_customer_is_told_to_expect_an_email(zendesk, dispatcher, domain):
    _, events = escalate(dispatcher, domain)

    [ticket] = zendesk.tickets.values()
    assert ticket["subject"] == "My parcel never arrived"
    assert responses(dispatcher) == ["utter_ticket_created_email"]
    assert dispatcher.messages[0]["customer_email"] == "dana@example.com"
    assert slots_set(events)["handoff_active"] is False  # the bot keeps the chat; Zendesk agents answer by email


@pytest.mark.parametrize("zendesk", ["webhook"], indirect=True)
def test_with_zendesks_webhook_the_team_answers_in_the_chat(zendesk, dispatcher, domain):
    tracker, events = escalate(dispatcher, domain)

    [ticket] = zendesk.tickets.values()
    assert conversation_from_escalation_key(ticket["external_id"]) == tracker.sender_id
    assert responses(dispatcher) == ["utter_ticket_created_team"]
    assert slots_set(events)["handoff_active"] is True  # customer messages now go to the Zendesk ticket


def test_where_the_team_answers_by_email_the_address_cannot_be_declined(zendesk, dispatcher, domain):
    """It is where the reply goes: skipping it left "…our team will reply by email to ." and a reply nobody gets."""
    tracker = form_turn(domain, "customer_email", "I'd rather not give my email", slots={"customer_name": "Dana"})

    events = run(ValidateEscalationForm(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_email_needed_for_reply"]
    slots = slots_after(tracker, events)
    assert (slots["customer_email"], slots["requested_slot"], slots["details_skipped"]) == (None, "customer_email", None)


def test_where_the_team_answers_by_email_declining_the_address_asks_it_again_instead_of_cancelling(zendesk, dispatcher,
                                                                                                  domain):
    tracker = make_tracker(domain, "skip this", "cancel", slots={"escalation_id": "e-1"},
                           history=[asked_for("customer_email")])

    events = run(ActionCancelEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_email_needed_for_reply"]
    assert "details_skipped" not in slots_set(events)
    assert [event["name"] for event in events if event["event"] == "active_loop"] == ["escalation_form"]

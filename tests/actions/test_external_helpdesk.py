"""With TICKET_BACKEND=zendesk the ticket goes to Zendesk (a local stand-in of its Tickets API).
Without Zendesk's webhook the customer is told the team answers by email and the bot keeps the
chat; with it (ZENDESK_WEBHOOK_SECRET) the chat is handed to the team, who answer in it."""
import uuid

import pytest

from actions.escalation import ActionCreateTicket
from bot.helpdesk.backends import conversation_from_escalation_key
from tests.actions.conftest import action_server_env, configured_services, make_tracker, responses, run, slots_set
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

"""With TICKET_BACKEND=zendesk the ticket goes to Zendesk (a local stand-in of its Tickets API)
and the customer is told the team answers by email: there is no live handoff in the chat."""
import uuid

import pytest

from actions.escalation import ActionCreateTicket
from tests.actions.conftest import action_server_env, configured_services, make_tracker, responses, run, slots_set
from tests.bot.helpdesk.standins import ZendeskStandIn

EMAIL, TOKEN = "bot@acme.example", "zendesk-api-token"


@pytest.fixture
def zendesk(var_dir, database_url, kb_dir, topics_file):
    stand_in = ZendeskStandIn(EMAIL, TOKEN).start()
    env = action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk_url="http://127.0.0.1:9")
    env.update(TICKET_BACKEND="zendesk", ZENDESK_URL=stand_in.base_url, ZENDESK_EMAIL=EMAIL, ZENDESK_API_TOKEN=TOKEN)
    try:
        with configured_services(env):
            yield stand_in
    finally:
        stand_in.stop()


def test_the_ticket_goes_to_zendesk_and_the_customer_is_told_to_expect_an_email(zendesk, dispatcher, domain):
    slots = {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "customer_name": "Dana Levi",
             "customer_email": "dana@example.com", "issue_description": "My parcel never arrived"}
    tracker = make_tracker(domain, "My parcel never arrived", "inform", slots=slots)

    events = run(ActionCreateTicket(), dispatcher, tracker, domain)

    [ticket] = zendesk.tickets.values()
    assert ticket["subject"] == "My parcel never arrived"
    assert responses(dispatcher) == ["utter_ticket_created_email"]
    assert dispatcher.messages[0]["customer_email"] == "dana@example.com"
    assert slots_set(events)["handoff_active"] is False  # the bot keeps the chat; Zendesk agents answer by email

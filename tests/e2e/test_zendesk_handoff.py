"""Zendesk as the helpdesk, end to end: a second stack (real Rasa, actions, helpdesk) with
TICKET_BACKEND=zendesk and its webhook, Zendesk's API stood in for. The customer chats on the
callback channel; the agent answers in Zendesk, and Zendesk's signed webhook brings it to the chat."""
import json
import re

import pytest
import requests

from bot.db import utcnow
from bot.stack.assembly import start_stack
from tests.bot.helpdesk.standins import ZendeskStandIn, wait_until, zendesk_signature
from tests.e2e.conftest import Stack, stack_env
from tests.e2e.helpers import Customer

pytestmark = pytest.mark.e2e

EMAIL, API_TOKEN, SECRET = "bot@acme.example", "zendesk-e2e-token", "zendesk-e2e-signing-secret"


@pytest.fixture(scope="module")
def zendesk():
    stand_in = ZendeskStandIn(EMAIL, API_TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def zendesk_stack(tmp_path_factory, standins, zendesk):
    env = stack_env(
        tmp_path_factory.mktemp("zendesk-stack"), standins, TICKET_BACKEND="zendesk", ZENDESK_URL=zendesk.base_url,
        ZENDESK_EMAIL=EMAIL, ZENDESK_API_TOKEN=API_TOKEN, ZENDESK_WEBHOOK_SECRET=SECRET,
    )
    with start_stack(env) as running:
        yield Stack(running=running, env=env)


def notify(stack, ticket_id: int) -> None:
    """What Zendesk's trigger does when the ticket is updated."""
    body = json.dumps({"ticket_id": str(ticket_id)}).encode()
    headers = zendesk_signature(SECRET, body, utcnow().isoformat().replace("+00:00", "Z"))
    response = requests.post(f"{stack.helpdesk_url}/api/integrations/zendesk/webhook", data=body, headers=headers,
                             timeout=10)
    assert response.status_code == 202, response.text


def test_a_zendesk_agent_answers_in_the_chat_and_solving_hands_it_back(zendesk_stack, standins, zendesk):
    customer = Customer(zendesk_stack, standins)
    confirmation = customer.escalate(r"your ticket is #\d+")
    assert "answer right here in this chat" in confirmation
    ticket_id = int(re.search(r"#(\d+)", confirmation).group(1))
    assert customer.id in zendesk.tickets[ticket_id]["external_id"]

    customer.say("it was order 1182, paid by card")
    wait_until(lambda: any("order 1182, paid by card" in c["body"] for c in zendesk.comments[ticket_id]),
               timeout_s=15, what="the customer's chat line as a Zendesk comment")
    bot_lines = len(customer.texts())

    anna = zendesk.add_user("Anna Novak")
    zendesk.agent_comment(ticket_id, anna, "Hi Noa, the refund went out today; allow 3 working days.")
    notify(zendesk_stack, ticket_id)
    assert customer.wait_for_text("refund went out today").startswith("Anna Novak:")
    assert len(customer.texts()) == bot_lines + 1, "the bot stays silent while Zendesk's agent owns the chat"

    zendesk.set_status(ticket_id, "solved")
    notify(zendesk_stack, ticket_id)
    customer.wait_for_text(f"marked your request #{ticket_id} as resolved")

    comments_before = len(zendesk.comments[ticket_id])
    customer.say("how do I reset my password")
    customer.wait_for_text("did that answer your question")  # the bot has the chat again
    assert len(zendesk.comments[ticket_id]) == comments_before

"""Zendesk as the helpdesk, end to end: a second stack (real Rasa, actions, helpdesk) with
TICKET_BACKEND=zendesk and its webhook, Zendesk's API stood in for. The customer chats on the
callback channel; the agent answers in Zendesk, and Zendesk's signed webhook brings it to the chat.
The escalation and its solve are recorded locally, so the survey is asked and the reports count both."""
import json
import re

import pytest
import requests
from sqlalchemy import select

from bot.ces.report import build_report
from bot.db import make_engine, make_session_factory, session_scope, utcnow
from bot.models import Resolution, SurveyRating, Ticket
from bot.stack.assembly import start_stack
from tests.bot.helpdesk.standins import ZendeskStandIn, wait_until, zendesk_signature
from tests.e2e.conftest import Stack, stack_env
from tests.e2e.helpers import AgentClient, Customer

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


def local_record(stack, conversation_id: str) -> dict:
    """What the stack's database holds about the conversation's ticket, resolutions and ratings."""
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).one()
            today = utcnow().date()
            return {
                "ticket": {name: getattr(ticket, name) for name in (
                    "id", "backend", "reference", "status", "reason", "channel", "customer_id", "first_reply_at",
                    "resolved_at")},
                "resolutions": session.scalars(select(Resolution.id).where(Resolution.ticket_id == ticket.id)).all(),
                "ratings": [(r.score, r.resolved_by, r.ticket_id, r.resolution_id, r.channel) for r in session.scalars(
                    select(SurveyRating).where(SurveyRating.conversation_id == conversation_id))],
                "report": build_report(session, today, today),
            }
    finally:
        engine.dispose()


def test_a_zendesk_agent_answers_in_the_chat_and_solving_hands_it_back(zendesk_stack, standins, zendesk):
    customer = Customer(zendesk_stack, standins)
    confirmation = customer.escalate(r"your ticket is #\d+")
    assert "answer right here in this chat" in confirmation
    ticket_id = int(re.search(r"#(\d+)", confirmation).group(1))
    assert customer.id in zendesk.tickets[ticket_id]["external_id"]

    escalated = local_record(zendesk_stack, customer.conversation_id)
    assert {k: escalated["ticket"][k] for k in ("backend", "reference", "status", "reason", "channel")} == {
        "backend": "zendesk", "reference": f"#{ticket_id}", "status": "waiting", "reason": "customer_request",
        "channel": "callback"}
    assert escalated["ticket"]["customer_id"] is not None
    containment = escalated["report"]["containment"]
    assert (containment["escalated"], containment["contained"]) == (1, 0)  # not "contained" any more
    console = AgentClient.new_online_agent(zendesk_stack, "dana@acme.example", "Dana")
    assert console.queue() == [] and console.ok("GET", "/tickets") == []  # worked in Zendesk, not here
    assert console.call("POST", f"/tickets/{escalated['ticket']['id']}/claim").status_code == 404

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
    customer.wait_for_text("made it easy for me to handle my issue")  # as after a built-in resolution
    customer.say("6")
    customer.wait_for_text("anything we could have done better")
    customer.say("quick and friendly")
    customer.wait_for_text("thanks for your feedback")

    solved = local_record(zendesk_stack, customer.conversation_id)
    assert solved["ticket"]["status"] == "resolved"
    assert solved["ticket"]["first_reply_at"] <= solved["ticket"]["resolved_at"]
    [resolution] = solved["resolutions"]
    assert solved["ratings"] == [(6, "agent", solved["ticket"]["id"], resolution, "callback")]
    ces = solved["report"]["ces"]
    assert (ces["summary"]["responses"], ces["summary"]["mean"]) == (1, 6.0)
    times = solved["report"]["ticket_times"]  # first reply and resolution times are the Zendesk ticket's
    assert (times["tickets"], times["first_response"]["waiting"], times["resolution"]["unresolved"]) == (1, 0, 0)

    comments_before = len(zendesk.comments[ticket_id])
    customer.say("how do I reset my password")
    customer.wait_for_text("Forgot password")  # the bot has the chat again: it answers from the KB
    assert len(zendesk.comments[ticket_id]) == comments_before

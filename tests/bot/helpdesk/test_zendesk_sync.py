"""Zendesk agents answer in the customer's chat: the real helpdesk app takes Zendesk's signed
webhook, reads the ticket back from a stand-in of Zendesk's API and triggers Rasa (a stand-in)."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db import session_scope, utcnow
from bot.helpdesk.backends import ZendeskBackend, conversation_from_escalation_key, escalation_key, make_backend
from bot.helpdesk.rasa_bridge import RasaBridge
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.zendesk_sync import ZendeskSync
from bot.models import Resolution, ZendeskTicket
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.helpdesk.standins import ZendeskStandIn, zendesk_signature

EMAIL, API_TOKEN, SECRET = "bot@acme.example", "zendesk-api-token", "webhook-signing-secret"
CONVERSATION = "web-7f3a:session"  # ids may contain the key's separator


@pytest.fixture
def zendesk():
    stand_in = ZendeskStandIn(EMAIL, API_TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def settings_env(settings_env, zendesk):
    return {
        **settings_env,
        "TICKET_BACKEND": "zendesk",
        "ZENDESK_URL": zendesk.base_url,
        "ZENDESK_EMAIL": EMAIL,
        "ZENDESK_API_TOKEN": API_TOKEN,
        "ZENDESK_WEBHOOK_SECRET": SECRET,
    }


@pytest.fixture
def backend(settings, sessions) -> ZendeskBackend:
    return make_backend(settings, sessions)


@pytest.fixture
def ticket_id(backend, zendesk) -> int:
    """The bot escalated CONVERSATION to Zendesk, as the action server does."""
    receipt = backend.create_ticket(
        TicketCreate(
            idempotency_key=escalation_key(CONVERSATION, uuid.uuid4().hex),
            conversation_id=CONVERSATION, channel="socketio", language="he", customer_name="Noa",
            subject="החבילה לא הגיעה", reason="customer_request",
        )
    )
    assert receipt.live_handoff is True  # with the webhook, Zendesk agents answer in the chat
    return int(receipt.reference.lstrip("#"))


def webhook(client, ticket_id, secret: str = SECRET, timestamp: str = "", body: bytes = b""):
    body = body or json.dumps({"ticket_id": str(ticket_id)}).encode()
    timestamp = timestamp or utcnow().isoformat().replace("+00:00", "Z")
    return client.post("/api/integrations/zendesk/webhook", content=body,
                       headers=zendesk_signature(secret, body, timestamp))


def delivered(rasa):
    return [(c["intent"], c["entities"]) for c in rasa.calls if c["conversation_id"] == CONVERSATION]


def test_an_agents_public_reply_reaches_the_chat_once(client, zendesk, rasa, ticket_id):
    anna = zendesk.add_user("Anna")
    zendesk.agent_comment(ticket_id, anna, "שלום נועה, בודקת את זה עכשיו 👍 <b>not html</b>")

    response = webhook(client, ticket_id)
    assert response.status_code == 202, response.text
    assert delivered(rasa) == [
        ("EXTERNAL_agent_message", {"agent_message": "שלום נועה, בודקת את זה עכשיו 👍 <b>not html</b>",
                                    "agent_name": "Anna"}),
    ]
    assert rasa.calls[0]["output_channel"] == "latest"
    assert webhook(client, ticket_id).status_code == 202  # Zendesk retries, or another update fires it
    assert len(delivered(rasa)) == 1


def test_an_agent_without_a_name_is_left_for_the_bot_to_name_in_the_customers_language(client, zendesk, rasa, ticket_id):
    nameless = zendesk.add_user("")
    zendesk.agent_comment(ticket_id, nameless, "Checking now.")

    webhook(client, ticket_id)
    assert [entities["agent_name"] for _, entities in delivered(rasa)] == [""]  # not an English "Agent"


def test_attachments_reach_the_chat_as_links(client, zendesk, rasa, ticket_id):
    anna = zendesk.add_user("Anna")
    zendesk.agent_comment(ticket_id, anna, "Here is your invoice.", files=["invoice-1182.pdf"])
    zendesk.agent_comment(ticket_id, anna, "", files=["label.png"])  # a file without words is still a reply

    webhook(client, ticket_id)
    assert [entities["agent_message"] for _, entities in delivered(rasa)] == [
        "Here is your invoice.\n📎 invoice-1182.pdf: https://acme.zendesk.com/attachments/token/t1/?name=invoice-1182.pdf",
        "📎 label.png: https://acme.zendesk.com/attachments/token/t1/?name=label.png",
    ]


def test_notes_customer_emails_and_the_bots_own_lines_stay_out_of_the_chat(client, zendesk, rasa, backend, ticket_id):
    anna, customer = zendesk.add_user("Anna"), zendesk.add_user("Noa", role="end-user")
    zendesk.agent_comment(ticket_id, anna, "internal: refund approved by finance", public=False)
    zendesk.agent_comment(ticket_id, customer, "replying from my email")
    assert backend.relay_message(CONVERSATION, "any news?") is True  # posted by the API user
    zendesk.agent_comment(ticket_id, anna, "   ")

    assert webhook(client, ticket_id).status_code == 202
    assert delivered(rasa) == []


def test_solving_hands_the_chat_back_and_reopening_returns_it(client, zendesk, rasa, sessions, ticket_id):
    anna = zendesk.add_user("Anna")
    zendesk.agent_comment(ticket_id, anna, "Refunded, it will show in 3 days.")
    zendesk.set_status(ticket_id, "solved")
    webhook(client, ticket_id)
    zendesk.set_status(ticket_id, "closed")  # solved → closed is no news to the customer
    webhook(client, ticket_id)
    zendesk.set_status(ticket_id, "open")
    webhook(client, ticket_id)

    assert [intent for intent, _ in delivered(rasa)] == [
        "EXTERNAL_agent_message", "EXTERNAL_ticket_resolved", "EXTERNAL_ticket_reopened",
    ]
    with session_scope(sessions) as session:  # the solve's resolution, for the survey the bot asks
        [resolution] = session.scalars(select(Resolution)).all()
        assert (resolution.conversation_id, resolution.resolved_by) == (CONVERSATION, "agent")
    assert delivered(rasa)[1][1] == {"ticket_reference": f"#{ticket_id}", "resolution_id": str(resolution.id)}


def test_replies_wait_while_rasa_is_down_and_then_arrive_in_order(app, client, zendesk, rasa, sessions, ticket_id):
    zendesk.comments_page_size = 2  # several pages of comments
    anna = zendesk.add_user("Anna")
    for text in ("one", "two", "three"):
        zendesk.agent_comment(ticket_id, anna, text)
    rasa.status = 503

    assert webhook(client, ticket_id).status_code == 202  # accepted: the replies are not lost
    assert delivered(rasa) == [] and rasa.refused > 0
    with session_scope(sessions) as session:
        assert session.get(ZendeskTicket, ticket_id).needs_sync is True

    rasa.status = 200
    assert app.state.zendesk_sync.sync_pending() == 1  # what the app's retry loop runs
    assert [entities["agent_message"] for _, entities in delivered(rasa)] == ["one", "two", "three"]
    with session_scope(sessions) as session:
        row = session.get(ZendeskTicket, ticket_id)
        assert (row.needs_sync, row.conversation_id, row.sync_lease_until) == (False, CONVERSATION, None)


def test_two_replicas_syncing_the_same_ticket_show_each_reply_once(database, zendesk, rasa, backend, ticket_id):
    settings, sessions = database  # SQLite and PostgreSQL
    anna = zendesk.add_user("Anna")
    for text in ("one", "two"):
        zendesk.agent_comment(ticket_id, anna, text)
    replicas = [ZendeskSync(settings, sessions, RasaBridge(settings, sessions)) for _ in range(2)]
    for replica in replicas:
        replica.note_change(ticket_id)
    rasa.delay_s = 0.3  # the first replica is still sending when the second one starts

    with ThreadPoolExecutor(2) as pool:
        finished = list(pool.map(lambda replica: replica.sync(ticket_id), replicas))

    assert finished == [True, True]
    assert [entities["agent_message"] for _, entities in delivered(rasa)] == ["one", "two"]


def test_webhooks_for_a_new_ticket_arriving_at_once_at_several_replicas_flag_it_once(database):
    settings, sessions = database
    replicas = [ZendeskSync(settings, sessions, RasaBridge(settings, sessions)) for _ in range(8)]

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda replica: replica.note_change(4242), replicas))

    with session_scope(sessions) as session:
        [row] = session.scalars(select(ZendeskTicket)).all()
        assert (row.zendesk_id, row.needs_sync) == (4242, True)


def test_a_ticket_the_bot_did_not_create_is_left_alone(client, zendesk, rasa, backend):
    zendesk.tickets[77] = {"id": 77, "status": "open", "external_id": None, "tags": [], "subject": "by phone"}
    zendesk.comments[77] = []
    zendesk.agent_comment(77, zendesk.add_user("Anna"), "called the customer back")

    assert webhook(client, 77).status_code == 202
    assert webhook(client, 404404).status_code == 202  # deleted since: nothing to show either
    assert rasa.calls == []


@pytest.mark.parametrize(
    "case, status, message",
    [
        ("unsigned", 401, "missing X-Zendesk-Webhook-Signature"),
        ("another secret", 401, "does not match"),
        ("an hour old", 401, "not within 5 minutes"),
        ("not a time", 401, "not an ISO 8601 time"),
        ("not JSON", 400, "must be JSON like"),
        ("no ticket id", 400, "must be JSON like"),
        ("ticket id is text", 400, "must be JSON like"),
        ("ticket id is true", 400, "must be JSON like"),
        ("binary", 400, "must be JSON like"),
    ],
)
def test_the_webhook_refuses_what_zendesk_did_not_sign_or_cannot_mean(client, sessions, rasa, case, status, message):
    now = utcnow()
    requests = {
        "unsigned": lambda: client.post("/api/integrations/zendesk/webhook", json={"ticket_id": 1}),
        "another secret": lambda: webhook(client, 1, secret="guessed"),
        "an hour old": lambda: webhook(client, 1, timestamp=(now - timedelta(hours=1)).isoformat()),
        "not a time": lambda: webhook(client, 1, timestamp="yesterday'; DROP TABLE tickets;--"),
        "not JSON": lambda: webhook(client, 1, body=b"<script>alert(1)</script>"),
        "no ticket id": lambda: webhook(client, 1, body=b'{"ticket": 1}'),
        "ticket id is text": lambda: webhook(client, 1, body=b'{"ticket_id": "{{ticket.id}}"}'),
        "ticket id is true": lambda: webhook(client, 1, body=b'{"ticket_id": true}'),
        "binary": lambda: webhook(client, 1, body=b"\xff\xfe\x00\x01"),
    }
    response = requests[case]()
    assert response.status_code == status
    assert message in response.json()["detail"]
    with session_scope(sessions) as session:
        assert session.scalars(select(ZendeskTicket)).all() == []
    assert rasa.calls == []


def test_without_a_signing_secret_the_webhook_is_off_and_agents_answer_by_email(settings_env, settings, sessions):
    without = load_settings({**settings_env, "ZENDESK_WEBHOOK_SECRET": ""})
    with TestClient(create_app(without)) as client:
        response = webhook(client, 1)
    assert response.status_code == 404
    assert "ZENDESK_WEBHOOK_SECRET" in response.json()["detail"]
    assert make_backend(without, sessions).availability().live_handoff is False


@pytest.mark.parametrize("conversation_id", ["web-1", "a:b:c", "שיחה-7", "x" * 167])
def test_the_escalation_key_names_the_conversation_whole(conversation_id):
    key = escalation_key(conversation_id, uuid.uuid4().hex)
    assert len(key) <= 200
    assert conversation_from_escalation_key(key) == conversation_id


def test_a_conversation_id_too_long_for_the_key_is_cut_and_not_routed():
    key = escalation_key("x" * 500, uuid.uuid4().hex)
    assert len(key) <= 200
    assert conversation_from_escalation_key(key) is None
    for not_a_key in ("", "escalation-chat-1", ":" + "a" * 32, "chat:short"):
        assert conversation_from_escalation_key(not_a_key) is None


def test_a_chat_that_cannot_take_a_reply_holds_up_no_other_zendesk_ticket(app, client, zendesk, rasa, backend,
                                                                         ticket_id):
    other_conversation = "web-other:session"
    other = int(backend.create_ticket(TicketCreate(
        idempotency_key=escalation_key(other_conversation, uuid.uuid4().hex), conversation_id=other_conversation,
        channel="socketio", language="en", customer_name="Dana", subject="refund", reason="customer_request",
    )).reference.lstrip("#"))
    anna = zendesk.add_user("Anna")
    zendesk.agent_comment(ticket_id, anna, "for the stuck chat")
    zendesk.agent_comment(other, anna, "for the other chat")
    rasa.refuse_for[CONVERSATION] = (503, "Rasa is overloaded")
    app.state.zendesk_sync.note_change(ticket_id)  # what the webhook does: flagged first, and it keeps failing
    app.state.zendesk_sync.note_change(other)

    app.state.zendesk_sync.sync_pending()
    assert [c["entities"]["agent_message"] for c in rasa.calls if c["conversation_id"] == other_conversation] == [
        "for the other chat"]
    assert delivered(rasa) == []

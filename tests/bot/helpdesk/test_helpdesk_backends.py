"""The ticket backends the actions use: the built-in helpdesk's client against the real service,
and the Zendesk backend against a stand-in speaking Zendesk's Tickets API."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.helpdesk.backends import ZendeskBackend, conversation_tag, make_backend
from bot.helpdesk.client import HelpdeskClient, HelpdeskRejected, HelpdeskUnavailable
from bot.helpdesk.schemas import TicketCreate
from bot.settings import SettingsError, load_settings
from tests.bot.helpdesk.conftest import SERVICE_TOKEN
from tests.bot.helpdesk.standins import ZendeskStandIn
from tests.helpers.postgres import free_port

ZENDESK_EMAIL = "bot@example.com"
ZENDESK_TOKEN = "zendesk-api-token"


def escalation(conversation_id: str = "chat-1", **fields) -> TicketCreate:
    return TicketCreate(
        **{
            "idempotency_key": f"escalation-{conversation_id}",
            "conversation_id": conversation_id,
            "channel": "telegram",
            "language": "cs",
            "customer_name": "Jana Nováková",
            "customer_email": "jana@example.com",
            "subject": "Faktura",
            "description": "Chybí mi faktura za leden.",
            "reason": "frustration",
            "transcript": [{"author": "customer", "text": "Kde je moje faktura?!"}],
            "kb_attempts": [{"article_id": "invoices", "title": "Invoices", "score": 0.41, "outcome": "miss"}],
            **fields,
        }
    )


# ---------------------------------------------------------------- built-in helpdesk


@pytest.fixture
def helpdesk_client(live_helpdesk, settings) -> HelpdeskClient:
    return HelpdeskClient(settings, base_url=live_helpdesk.base_url)


def test_builtin_client_escalates_idempotently_and_relays(helpdesk_client):
    receipt = helpdesk_client.create_ticket(escalation())
    again = helpdesk_client.create_ticket(escalation())
    assert (receipt.created, again.created, again.reference) == (True, False, receipt.reference)
    assert (receipt.status, receipt.queue_position, receipt.live_handoff) == ("waiting", 1, True)

    assert helpdesk_client.relay_message("chat-1", "Ještě tu?", client_message_id="m-1") is True
    assert helpdesk_client.relay_message("chat-1", "Ještě tu?", client_message_id="m-1") is True
    assert helpdesk_client.relay_message("no-such-chat", "hello") is False

    statuses = helpdesk_client.ticket_status("chat-1")
    assert [(s.reference, s.status) for s in statuses] == [(receipt.reference, "waiting")]
    assert helpdesk_client.ticket_status("someone-else", reference=receipt.reference) == []
    assert helpdesk_client.availability().open_now is True


def test_relayed_retries_are_stored_once(helpdesk_client, live_helpdesk, desk):
    reference = helpdesk_client.create_ticket(escalation()).reference
    for _ in range(3):
        helpdesk_client.relay_message("chat-1", "only once", client_message_id="same-id")
    agent = desk.agent()
    detail = desk.client.get(f"/api/tickets/{desk.ticket_id(reference)}", headers=agent.headers).json()
    assert [m["body"] for m in detail["messages"]].count("only once") == 1


def test_builtin_client_reports_a_helpdesk_that_is_down(settings):
    client = HelpdeskClient(settings, base_url=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(HelpdeskUnavailable, match="cannot connect") as failure:
        client.create_ticket(escalation())
    assert time.monotonic() - started < 5
    assert SERVICE_TOKEN not in str(failure.value)


def test_builtin_client_with_a_wrong_token_is_rejected_clearly(live_helpdesk, settings_env):
    settings = load_settings({**settings_env, "HELPDESK_SERVICE_TOKEN": "not-the-token"})
    with pytest.raises(HelpdeskRejected, match="HTTP 401"):
        HelpdeskClient(settings, base_url=live_helpdesk.base_url).availability()


def test_make_backend_follows_the_setting(settings_env, sessions):
    assert isinstance(make_backend(load_settings(settings_env), sessions), HelpdeskClient)
    with pytest.raises(SettingsError, match="ZENDESK_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN"):
        make_backend(load_settings({**settings_env, "TICKET_BACKEND": "zendesk"}), sessions)


# ---------------------------------------------------------------- Zendesk


@pytest.fixture
def zendesk() -> Iterator[ZendeskStandIn]:
    stand_in = ZendeskStandIn(ZENDESK_EMAIL, ZENDESK_TOKEN).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def zendesk_backend(zendesk, settings_env, sessions) -> ZendeskBackend:
    backend = make_backend(
        load_settings(
            {
                **settings_env,
                "TICKET_BACKEND": "zendesk",
                "ZENDESK_URL": zendesk.base_url,
                "ZENDESK_EMAIL": ZENDESK_EMAIL,
                "ZENDESK_API_TOKEN": ZENDESK_TOKEN,
            }
        ),
        sessions,
    )
    assert isinstance(backend, ZendeskBackend)
    return backend


def test_zendesk_ticket_is_created_once_with_the_documented_payload(zendesk, zendesk_backend):
    receipt = zendesk_backend.create_ticket(escalation())
    again = zendesk_backend.create_ticket(escalation())
    assert (receipt.reference, receipt.created, again.reference, again.created) == ("#1", True, "#1", False)
    assert (receipt.live_handoff, receipt.agents_online, receipt.wait_estimate_minutes) == (False, None, None)
    assert [r for r in zendesk.requests if r[0] == "POST"] == [("POST", "/api/v2/tickets.json")]
    ticket = zendesk.tickets[1]
    assert (ticket["subject"], ticket["priority"], ticket["external_id"], ticket["requester_email"]) == (
        "Faktura",
        "high",
        "escalation-chat-1",
        "jana@example.com",
    )
    assert set(ticket["tags"]) == {
        "effortless",
        conversation_tag("chat-1"),
        "reason_frustration",
        "channel_telegram",
        "language_cs",
    }
    first_comment = zendesk.comments[1][0]["body"]
    for expected in ("Chybí mi faktura za leden.", "customer: Kde je moje faktura?!", "Invoices (score 0.41, miss)"):
        assert expected in first_comment


def test_zendesk_relay_adds_public_comments_and_status_finds_the_ticket(zendesk, zendesk_backend):
    zendesk_backend.create_ticket(escalation())
    assert zendesk_backend.relay_message("chat-1", "<b>any news?</b>") is True
    relayed = zendesk.comments[1][-1]
    assert (relayed["body"], relayed["public"], relayed["author_id"]) == (
        "Customer (chat): <b>any news?</b>", True, ZendeskStandIn.API_USER_ID)
    assert zendesk_backend.relay_message("other-chat", "hello?") is False
    for lookup in (
        {"conversation_id": "chat-1"},
        {"conversation_id": "other-chat", "verified_email": "Jana@Example.com"},
        {"conversation_id": "chat-1", "reference": "#1"},
        {"conversation_id": "other-chat", "verified_email": "jana@example.com", "reference": "1"},
    ):
        assert [(t.reference, t.status) for t in zendesk_backend.ticket_status(**lookup)] == [("#1", "waiting")], lookup
    # Only the conversation's own tickets and its proven address's: a reference alone reveals nothing.
    assert zendesk_backend.ticket_status("other-chat", reference="#1") == []
    assert zendesk_backend.ticket_status("other-chat", verified_email="someone@example.com", reference="#1") == []
    assert zendesk_backend.ticket_status("chat-1", reference="#99") == []


def test_zendesk_outage_is_retried_then_reported(zendesk, zendesk_backend):
    zendesk.fail_next = 2  # HTTP_RETRIES=1 in tests: two failures use up both attempts
    with pytest.raises(HelpdeskUnavailable, match="Zendesk is unavailable.*HTTP 503"):
        zendesk_backend.create_ticket(escalation())
    zendesk.fail_next = 1
    assert zendesk_backend.create_ticket(escalation()).created is True


def test_zendesk_with_a_wrong_api_token_is_rejected_without_showing_it(zendesk, settings_env, sessions):
    backend = ZendeskBackend(
        load_settings(
            {
                **settings_env,
                "TICKET_BACKEND": "zendesk",
                "ZENDESK_URL": zendesk.base_url,
                "ZENDESK_EMAIL": ZENDESK_EMAIL,
                "ZENDESK_API_TOKEN": "wrong-token-123",
            }
        ),
        sessions,
    )
    with pytest.raises(HelpdeskRejected, match="HTTP 401.*Couldn't authenticate you") as failure:
        backend.create_ticket(escalation())
    assert "wrong-token-123" not in str(failure.value)

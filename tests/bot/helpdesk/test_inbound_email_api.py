"""POST /api/integrations/email/inbound through the real app: signature, threading, replays, junk, bad input."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.email import inbound, outbound
from bot.models import EmailMessage, Ticket
from bot.settings import load_settings
from bot.web.app import create_app

SECRET = "inbound-webhook-secret"
URL = "/api/integrations/email/inbound"


@pytest.fixture
def settings_env(settings_env):
    return {**settings_env, "INBOUND_EMAIL_SECRET": SECRET, "SMTP_URL": "smtp://127.0.0.1:1",
            "EMAIL_FROM": "Acme Support <support@acme.example>", "MAX_EMAIL_ATTACHMENT_BYTES": "100000"}


@pytest.fixture
def thread(desk, settings, sessions) -> dict:
    """An escalated web chat of dana@example.com, with our receipt e-mail she can answer."""
    reference = desk.escalate()["reference"]
    ticket_id = desk.ticket_id(reference)
    with session_scope(sessions) as session:
        receipt = outbound.enqueue(session, settings=settings, kind="receipt", to="dana@example.com",
                                   subject=f"[{reference}] Cannot reset my password", body="We got it", ticket_id=ticket_id)
        assert receipt is not None
        return {"reference": reference, "ticket_id": ticket_id, "message_id": receipt.message_id}


def post(client, payload: dict, secret: str = SECRET, seconds_off: int = 0, signature: str | None = None):
    body = json.dumps(payload).encode()
    header = signature if signature is not None else inbound.sign(secret, body, int(time.time()) + seconds_off)
    return client.post(URL, content=body, headers={"Content-Type": "application/json", inbound.SIGNATURE_HEADER: header})


def reply(thread: dict, **fields) -> dict:
    return {"from": "Dana Customer <dana@example.com>", "to": "support@acme.example",
            "subject": f"Re: [{thread['reference']}] Cannot reset my password", "message_id": "<r1@mail.example>",
            "in_reply_to": thread["message_id"], "text": "The new link worked, thanks!\n\n> We got it", **fields}


def test_a_signed_reply_reaches_the_ticket_the_agent_reads_and_a_replay_is_stored_once(client, desk, thread):
    answer = post(client, reply(thread))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "received", "ticket_reference": thread["reference"], "reason": None}
    assert post(client, reply(thread)).json()["status"] == "duplicate"
    agent = desk.agent()
    detail = client.get(f"/api/tickets/{thread['ticket_id']}", headers=agent.headers).json()
    customer_lines = [m["body"] for m in detail["messages"] if m["author_type"] == "customer"]
    assert customer_lines.count("The new link worked, thanks!") == 1


def test_an_auto_reply_is_answered_200_and_ignored(client, sessions, thread):
    answer = post(client, reply(thread, headers={"Auto-Submitted": "auto-replied"}, subject="Out of office"))
    assert answer.status_code == 200
    assert answer.json()["status"] == "ignored" and "Auto-Submitted" in answer.json()["reason"]
    with session_scope(sessions) as session:
        assert session.scalar(select(EmailMessage.status).where(EmailMessage.direction == "in")) == "ignored"


@pytest.mark.parametrize(
    ("signature", "secret", "seconds_off"),
    [("", SECRET, 0), ("t=1,v1=00", SECRET, 0), (None, "forged-secret", 0), (None, SECRET, -360)],
    ids=["missing", "malformed", "forged", "stale"],
)
def test_unsigned_forged_or_stale_requests_are_refused_and_nothing_is_stored(client, sessions, thread, signature,
                                                                          secret, seconds_off):
    answer = post(client, reply(thread), secret=secret, seconds_off=seconds_off, signature=signature)
    assert answer.status_code == 401
    assert "signature" in answer.json()["detail"].lower()
    with session_scope(sessions) as session:
        assert session.scalars(select(EmailMessage).where(EmailMessage.direction == "in")).all() == []


def test_an_attachment_over_the_limit_is_refused_with_the_limit_named(client, thread):
    big = [{"filename": "video.mp4", "content_type": "video/mp4", "size": 5_000_000}]
    answer = post(client, reply(thread, attachments=big))
    assert answer.status_code == 413
    assert "100000 bytes" in answer.json()["detail"] and "video.mp4" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "where"),
    [({"text": "", "html": "<p> </p>"}, "no text of its own"), ({"message_id": ""}, "message_id"),
     ({"from": "not an address"}, "no e-mail address"), ({"attachments": [{"size": -1}]}, "size")],
    ids=["empty", "no-message-id", "no-sender", "bad-attachment"],
)
def test_bad_input_gets_a_clear_422(client, thread, fields, where):
    answer = post(client, reply(thread, **fields))
    assert answer.status_code == 422
    assert where in answer.text


def test_a_new_e_mail_opens_an_email_ticket_in_the_queue(client, desk, sessions):
    answer = post(client, {"from": "noa@example.co.il", "subject": "בעיה בחשבונית", "message_id": "<n1@x>",
                           "html": "<div dir='rtl'>שלום, החשבונית שקיבלתי שגויה.</div>"})
    assert answer.json()["status"] == "received"
    queue = client.get("/api/queue", headers=desk.agent().headers).json()
    assert [(t["reference"], t["channel"], t["language"]) for t in queue] == [(answer.json()["ticket_reference"], "email", "he")]
    with session_scope(sessions) as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.messages[0].body == "שלום, החשבונית שקיבלתי שגויה."


def test_without_a_secret_the_webhook_is_not_there(settings_env, sessions):
    from fastapi.testclient import TestClient

    settings = load_settings({**settings_env, "INBOUND_EMAIL_SECRET": ""})
    with TestClient(create_app(settings)) as client:
        answer = post(client, {"from": "a@b.example", "message_id": "<x@y>", "text": "hi"})
    assert answer.status_code == 404
    assert "INBOUND_EMAIL_SECRET" in answer.json()["detail"]

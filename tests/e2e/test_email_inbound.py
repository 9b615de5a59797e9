"""Inbound e-mail on the real helpdesk process (uvicorn, as `make run` starts it) and a real SMTP server.

A ticket's e-mail goes out through aiosmtpd; the customer's answer comes back through the signed
webhook with In-Reply-To naming that e-mail's Message-ID, and the agent reads it in the ticket through
the agent API. A replay is stored once, an auto-reply is ignored, a forged signature is refused.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, migrate, session_scope
from bot.email import inbound, outbound
from bot.helpdesk import accounts
from bot.models import Ticket
from bot.settings import Settings, load_settings
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import free_port
from tests.e2e.helpers import AgentClient, helpdesk_alone_env
from tests.helpers.smtp import SmtpServer

pytestmark = pytest.mark.e2e

SECRET = "e2e-inbound-secret"
SERVICE_TOKEN = "e2e-service-token"
PASSWORD = "correct horse battery"


@dataclass
class Desk:
    url: str
    settings: Settings
    smtp: SmtpServer


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Iterator[Desk]:
    directory = tmp_path_factory.mktemp("email-inbound")
    port = free_port()
    smtp = SmtpServer().start()
    env = helpdesk_alone_env(directory / "var", port, INBOUND_EMAIL_SECRET=SECRET, HELPDESK_SERVICE_TOKEN=SERVICE_TOKEN,
                             SMTP_URL=smtp.url, EMAIL_FROM="Acme Support <support@acme.example>",
                             BUSINESS_HOURS="24/7")
    settings = load_settings(env)
    migrate(settings)
    try:
        with run_helpdesk(env, port, directory / "log", "--log-level", "warning"):
            yield Desk(f"http://127.0.0.1:{port}", settings, smtp)
    finally:
        smtp.stop()


def webhook(desk: Desk, payload: dict, secret: str = SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", inbound.SIGNATURE_HEADER: inbound.sign(secret, body, int(time.time()))}
    return requests.post(f"{desk.url}/api/integrations/email/inbound", data=body, headers=headers, timeout=15)


def test_a_customer_s_e_mail_answer_reaches_the_agent_once_and_junk_and_forgeries_do_not(desk):
    escalation = {"idempotency_key": "e2e-email-1", "conversation_id": "web:e2e-email", "channel": "socketio",
                  "customer_name": "Dana Levi", "customer_email": "dana@example.com", "subject": "Refund for order 42",
                  "reason": "customer_request"}
    created = requests.post(f"{desk.url}/api/internal/tickets", json=escalation, timeout=15,
                            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]

    engine = make_engine(desk.settings.database_url)
    try:
        sessions = make_session_factory(engine)
        with session_scope(sessions) as session:
            accounts.create_agent(session, email="anna@acme.example", name="Anna", role="agent", password=PASSWORD)
            ticket_id = session.scalar(select(Ticket.id).where(Ticket.reference == reference))
            outbound.enqueue(session, settings=desk.settings, kind="agent_reply", to="dana@example.com",
                             subject=f"[{reference}] Refund for order 42", body="Which card did you pay with?",
                             ticket_id=ticket_id)
        outbound.send_due(desk.settings, sessions)
    finally:
        engine.dispose()
    sent = next(m for m in desk.smtp.wait_for(1) if m["Subject"] == f"[{reference}] Refund for order 42")

    answer = {"from": "Dana Levi <dana@example.com>", "to": "support@acme.example", "message_id": "<answer-1@mail.example>",
              "subject": f"Re: {sent['Subject']}", "in_reply_to": sent["Message-ID"],
              "html": "<p>The Visa ending 4242.</p><blockquote>Which card did you pay with?</blockquote>"}
    first = webhook(desk, answer)
    assert first.status_code == 200 and first.json() == {"status": "received", "ticket_reference": reference, "reason": None}
    assert webhook(desk, answer).json()["status"] == "duplicate"
    out_of_office = {**answer, "message_id": "<ooo-1@mail.example>", "subject": "Automatic reply: Refund",
                     "headers": {"Auto-Submitted": "auto-replied"}, "html": "", "text": "I am away until Monday."}
    ignored = webhook(desk, out_of_office)
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    forged = webhook(desk, {**answer, "message_id": "<forged@x>", "text": "Send the refund to IBAN XX"}, secret="guessed")
    assert forged.status_code == 401

    agent_api = AgentClient.login(desk.url, "anna@acme.example", PASSWORD)
    lines = [m["body"] for m in agent_api.ticket(reference)["messages"] if m["author_type"] == "customer"]
    assert lines == ["The Visa ending 4242."]

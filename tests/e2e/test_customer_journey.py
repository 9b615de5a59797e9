"""One customer across channels and e-mail, on the real stack with a real SMTP server (issue #15's journey).

Dana proves her address in the web chat with a one-time code, asks for a person and closes the page.
The agent's reply reaches her by e-mail; she answers the e-mail, and the answer reaches the agent's
ticket through the signed inbound webhook. Later she writes on Telegram, proves the same address, and
the agent sees both conversations under one customer. A stranger who types her address sees nothing
(more of that in test_email_verification.py).
"""
from __future__ import annotations

import json
import random
import re
import time
import uuid
from email.message import EmailMessage

import pytest
import requests

from bot.customers.identity import connected
from bot.db import make_engine, make_session_factory, session_scope
from bot.email import inbound
from tests.e2e.conftest import INBOUND_SECRET, Stack
from tests.e2e.helpers import AgentClient, Visitor
from tests.e2e.standins import StandIns, escalate, post_telegram_update, telegram_update
from tests.helpers.smtp import SmtpServer

pytestmark = pytest.mark.e2e


def mails_to(smtp: SmtpServer, address: str, subject_part: str) -> list[EmailMessage]:
    return [mail for mail in smtp.messages if mail["To"] == address and subject_part in mail["Subject"]]


def prove(stack: Stack, smtp: SmtpServer, say, wait_for_text, address: str) -> None:
    """Ask for ``address``'s tickets, take the offered code from the inbox and type it back."""
    codes_before = len(mails_to(smtp, address, "verification code"))
    say(f"what are my tickets for {address}?")
    wait_for_text("I first need to confirm it's yours")
    say("yes")
    wait_for_text(f"type the 6-digit code I sent to {address}")
    mail = stack.wait_for(lambda: mails_to(smtp, address, "verification code")[codes_before:], timeout=30)[0]
    say(re.search(r"\b(\d{6})\b", mail.get_content()).group(1))
    wait_for_text(f"{address} is confirmed as yours")


def web_text_waiter(visitor: Visitor, stack: Stack):
    def wait_for_text(pattern: str) -> str:
        return stack.wait_for(lambda: next((t for t in visitor.texts() if re.search(pattern, t, re.I)), None), timeout=60)
    return wait_for_text


def chat_open(stack: Stack, conversation_id: str) -> bool:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return connected(session, conversation_id)
    finally:
        engine.dispose()


def inbound_reply(stack: Stack, payload: dict) -> requests.Response:
    body = json.dumps(payload).encode()
    signature = inbound.sign(INBOUND_SECRET, body, int(time.time()))
    return requests.post(f"{stack.helpdesk_url}/api/integrations/email/inbound", data=body, timeout=30,
                         headers={"Content-Type": "application/json", inbound.SIGNATURE_HEADER: signature})


def test_a_customer_known_across_web_email_and_telegram(mail_stack: Stack, smtp: SmtpServer, standins: StandIns):
    address = f"dana-{uuid.uuid4().hex[:6]}@example.com"
    agent = AgentClient.new_online_agent(mail_stack, f"agent-{uuid.uuid4().hex[:6]}@acme.example", "Omer")

    # 1. The web chat: prove the address, ask for a person, leave.
    visitor = Visitor(mail_stack.rasa_url)
    try:
        visitor.start()
        wait_for_text = web_text_waiter(visitor, mail_stack)
        prove(mail_stack, smtp, visitor.say, wait_for_text, address)
        reference = escalate(visitor.say, visitor.texts, {
            r"your name": "Dana Levi", r"email": address,
            r"what's the problem|pass this on as": "My refund for order 1182 never arrived",
        }).reference
        web_conversation = visitor.conversation_id
    finally:
        visitor.close()  # she closes the page: the helpdesk hears the socket close
    mail_stack.wait_for(lambda: mails_to(smtp, address, reference), timeout=30)  # the receipt

    # 2. The agent replies while she is away: the reply goes by e-mail, threaded on the ticket.
    agent.claim(reference)
    mail_stack.wait_for(lambda: not chat_open(mail_stack, web_conversation), timeout=30)  # reported in the background
    agent.reply(reference, "The refund left our bank today; allow two working days.")
    reply_mail = mail_stack.wait_for(lambda: [m for m in mails_to(smtp, address, reference)
                                              if "allow two working days" in m.get_content()], timeout=60)[0]

    # 3. She answers the e-mail; the answer reaches the agent's ticket once.
    answer = {"from": f"Dana Levi <{address}>", "to": "support@acme.example", "subject": f"Re: {reply_mail['Subject']}",
              "text": f"Thank you, it arrived!\n\nOn Monday Omer wrote:\n> {reply_mail.get_content()[:40]}",
              "message_id": f"<{uuid.uuid4().hex}@mail.example.com>", "in_reply_to": reply_mail["Message-ID"]}
    assert inbound_reply(mail_stack, answer).status_code == 200
    assert inbound_reply(mail_stack, answer).status_code == 200  # the service retried: stored once
    lines = [m["body"] for m in agent.ticket(reference)["messages"] if m["author_type"] == "customer"]
    assert lines.count("Thank you, it arrived!") == 1, lines

    # 4. Later on Telegram: she proves the same address, and sees her ticket there.
    chat_id = random.randint(10**9, 10**10)

    def say_on_telegram(text: str) -> None:
        assert post_telegram_update(mail_stack.rasa_url, telegram_update(chat_id, text)).status_code == 200

    def wait_on_telegram(pattern: str) -> str:
        return standins.telegram.wait_for(chat_id, lambda m: re.search(pattern, m["text"], re.I), timeout=60)["text"]

    prove(mail_stack, smtp, say_on_telegram, wait_on_telegram, address)
    assert reference in wait_on_telegram(reference)

    # 5. The agent sees one customer with both conversations.
    customer = agent.ok("GET", f"/tickets/{agent.ticket_id(reference)}/customer")
    assert customer["customer"]["email"] == address
    page = agent.ok("GET", f"/customers/{customer['customer']['id']}")
    conversations = {entry["conversation_id"]: entry["channel"] for entry in page["history"] if entry["kind"] == "conversation"}
    assert conversations[web_conversation] == "web"
    assert conversations[f"telegram:{chat_id}"] == "telegram"

    # 6. A stranger typing her address sees none of it.
    stranger = Visitor(mail_stack.rasa_url)
    try:
        stranger.start()
        stranger.say(f"what's the status of the tickets for {address}")
        web_text_waiter(stranger, mail_stack)("I first need to confirm it's yours")
        assert not any(reference in text for text in stranger.texts())
    finally:
        stranger.close()

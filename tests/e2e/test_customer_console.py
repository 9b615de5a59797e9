"""Customers in the agent console, in a real browser (Debian Chromium, headless): the Customer panel
of a conversation shows the customer's other tickets and conversations across channels with channel
icons; the customer page lists everything; an agent merges two customers and the merge history
shows it.

No bot is needed: a helpdesk service runs on its own, customers are made by the store functions the
bot uses (a web chat, then a Telegram chat proving the same e-mail by code, a WhatsApp number) on its
database, and their tickets come through the internal API as the action server creates them.
Screenshots go to tests/artifacts/screenshots/ (``customers-*.png``).
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.customers.store import customer_for_conversation, link_proven_email
from bot.db import make_engine, make_session_factory, session_scope
from bot.models import Conversation, Ticket
from tests.bot.ces.seed import migrated_settings
from tests.e2e.helpers import HelpdeskAlone, helpdesk_alone
from tests.e2e.test_agent_console import AgentConsole, new_agent

pytestmark = pytest.mark.e2e

DANA = "דנה לוי"  # a Hebrew name: isolated and right to left inside the English console
SCRIPT_NAME = "<script>window.pwned = 1</script>Noa"  # shown as text, never run


@dataclass
class Seeded:
    dana: int
    web_ticket: str
    telegram_ticket: str
    noa: int
    whatsapp_ticket: str


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory) -> Iterator[HelpdeskAlone]:
    """A helpdesk on its own database; no Rasa (lines for a customer's chat go to a port nobody listens on)."""
    directory = tmp_path_factory.mktemp("customer-console")
    settings = migrated_settings(directory)
    with helpdesk_alone(directory, settings.database_url, settings.var_dir) as alone:
        yield alone


def seed(helpdesk: HelpdeskAlone) -> Seeded:
    """Dana on the web, then on Telegram proving the same e-mail (one customer); Noa on WhatsApp."""
    engine = make_engine(helpdesk.env["DATABASE_URL"])
    factory = make_session_factory(engine)
    tag = uuid.uuid4().hex[:8]
    web, telegram, whatsapp = f"web:{tag}", f"telegram:{int(tag, 16)}", f"whatsapp:+42077{int(tag, 16) % 10**7:07d}"
    email = f"dana.{tag}@example.com"
    try:
        with session_scope(factory) as session:
            dana = customer_for_conversation(session, conversation_id=web, channel="socketio", language="he")
            dana = link_proven_email(session, customer=dana, email=email, proof="code")
            dana.name = DANA
            noa = customer_for_conversation(session, conversation_id=whatsapp, channel="twilio")
            noa.name = SCRIPT_NAME
            dana_id, noa_id = dana.id, noa.id
        web_ticket = create_ticket(helpdesk, web, "socketio", "Password reset link expired")
        with session_scope(factory) as session:
            telegram_customer = customer_for_conversation(session, conversation_id=telegram, channel="telegram")
            assert link_proven_email(session, customer=telegram_customer, email=email, proof="code").id == dana_id
        telegram_ticket = create_ticket(helpdesk, telegram, "telegram", "Where is my refund?")
        whatsapp_ticket = create_ticket(helpdesk, whatsapp, "twilio", "Change my delivery address")
        with session_scope(factory) as session:  # tickets belong to their conversation's customer
            for ticket in session.scalars(select(Ticket).where(Ticket.conversation_id.in_([web, telegram, whatsapp]))):
                ticket.customer_id = ticket.customer_id or session.get_one(Conversation, ticket.conversation_id).customer_id
    finally:
        engine.dispose()
    return Seeded(dana_id, web_ticket, telegram_ticket, noa_id, whatsapp_ticket)


def create_ticket(helpdesk: HelpdeskAlone, conversation_id: str, channel: str, subject: str) -> str:
    """A ticket as the action server creates it (internal API, service token); returns its reference."""
    response = requests.post(f"{helpdesk.helpdesk_url}/api/internal/tickets", timeout=10,
                             headers={"Authorization": f"Bearer {helpdesk.service_token}"},
                             json={"idempotency_key": conversation_id, "conversation_id": conversation_id,
                                   "channel": channel, "language": "en", "subject": subject, "description": subject,
                                   "reason": "customer_request", "transcript": [{"author": "customer", "text": subject}]})
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def test_an_agent_sees_a_customer_across_channels_and_merges_two_customers(helpdesk, open_page):
    seeded = seed(helpdesk)
    console = AgentConsole.open(open_page, helpdesk)
    console.log_in(new_agent(helpdesk, "Lena Novak"))
    page: Page = console.page

    # The Telegram ticket: the panel names Dana (right to left, isolated), her verified e-mail, and her web history.
    page.goto(f"{helpdesk.helpdesk_url}/agent/#/ticket/{seeded.telegram_ticket}")
    panel = page.locator(".customer-panel")
    expect(panel.locator(".customer-record-name")).to_have_text(DANA)
    expect(panel.locator(".customer-record-name")).to_have_css("direction", "rtl")
    expect(panel.locator("[data-verified=email]")).to_contain_text("E-mail verified")
    expect(panel).to_contain_text("2 tickets, 2 conversations on all channels")
    others = panel.locator(".history-item")
    expect(others).to_have_count(2)
    expect(others.nth(0)).to_have_attribute("data-kind", "ticket")
    expect(others.nth(0).get_by_role("img", name="Web chat")).to_be_visible()
    expect(others.nth(0)).to_contain_text("Password reset link expired")
    expect(others.nth(1)).to_have_attribute("data-kind", "conversation")
    expect(others.nth(1).get_by_role("img", name="Web chat")).to_be_visible()
    expect(panel).not_to_contain_text(seeded.telegram_ticket)  # the ticket on screen is not an "other" one
    console.tab.screenshot("customers-panel")

    # Its link opens the web ticket; the web ticket's panel lists the Telegram one, with its icon.
    others.nth(0).get_by_role("link", name=seeded.web_ticket).click()
    expect(page.locator("#ticket-title")).to_have_text(seeded.web_ticket)
    expect(panel.locator(".history-item[data-kind=ticket]").get_by_role("img", name="Telegram")).to_be_visible()

    # The customer page: everything on both channels, newest first.
    panel.get_by_role("link", name="Customer page").click()
    expect(page).to_have_url(re.compile(rf"#/customers/{seeded.dana}$"))
    expect(page.locator("#customer-title")).to_contain_text(DANA)
    history = page.locator(".customer-main .history-item")
    expect(history).to_have_count(4)
    tickets = page.locator(".customer-main .history-item[data-kind=ticket]")
    expect(tickets.nth(0)).to_contain_text(seeded.telegram_ticket)
    expect(tickets.nth(0).get_by_role("img", name="Telegram")).to_be_visible()
    expect(tickets.nth(1)).to_contain_text(seeded.web_ticket)
    expect(tickets.nth(1).get_by_role("img", name="Web chat")).to_be_visible()
    expect(page.locator(".identities")).to_contain_text("one-time code")
    audit = page.locator(".merge-history li")  # proving the same e-mail on Telegram made the two records one
    expect(audit).to_have_count(1)
    expect(audit).to_contain_text(f"merged into #{seeded.dana} by proof (the same verified e-mail)")

    # Merge Noa (WhatsApp) into Dana: search, choose, a dialog naming both, a reason required.
    page.get_by_role("button", name="Merge with another customer…").click()
    page.get_by_label("Find the other customer").fill("window.pwned")
    candidate = page.locator(".merge-results li").filter(has_text=f"#{seeded.noa}")
    expect(candidate).to_contain_text(SCRIPT_NAME)
    candidate.get_by_role("button", name="Choose").click()
    dialog = page.get_by_role("dialog", name="Merge two customers")
    expect(dialog).to_contain_text(f"Merge {SCRIPT_NAME} (#{seeded.noa}) into {DANA} (#{seeded.dana})?")
    expect(dialog).to_contain_text("Its 1 ticket, 1 conversation, identities and e-mails move")
    dialog.get_by_role("button", name="Merge").click()
    expect(dialog.get_by_role("alert")).to_have_text("Give a reason: it is kept in the merge history.")
    console.tab.screenshot("customers-merge-dialog")
    dialog.get_by_label("Why are you sure they are the same person?").fill("Same order number on WhatsApp and the web")
    dialog.get_by_role("button", name="Merge").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".customer-page .notice-line")).to_have_text(f"Merged customer #{seeded.noa} into #{seeded.dana}.")

    # The audit shows it first; the WhatsApp ticket and number are Dana's now.
    expect(audit).to_have_count(2)
    expect(audit.first).to_contain_text(f"#{seeded.noa} merged into #{seeded.dana} by Lena Novak")
    expect(audit.first).to_contain_text("Same order number on WhatsApp and the web")
    expect(audit.first).to_contain_text("moved 1 ticket, 1 conversation, 1 identity")
    expect(page.locator(".customer-main .history-item[data-kind=ticket]").filter(has_text=seeded.whatsapp_ticket)
           .get_by_role("img", name="WhatsApp")).to_be_visible()
    expect(page.locator(".customer-side [data-verified=phone]")).to_contain_text("Phone verified")
    console.tab.screenshot("customers-page")

    # Noa's old address leads to the record that holds her history now.
    page.goto(f"{helpdesk.helpdesk_url}/agent/#/customers/{seeded.noa}")
    expect(page.locator(".customer-page .notice-line")).to_have_text(
        f"Customer #{seeded.noa} was merged into this record (#{seeded.dana}).")
    expect(page).to_have_url(re.compile(rf"#/customers/{seeded.dana}$"))

    assert page.evaluate("() => window.pwned") is None
    assert console.tab.console_errors == []

    # An id no record has: a clear message (the browser logs the two 404 answers, nothing else goes wrong).
    page.goto(f"{helpdesk.helpdesk_url}/agent/#/customers/999999")
    expect(page.get_by_role("alert").filter(has_text="customer 999999 not found")).to_be_visible()
    assert all("404" in error and "/api/customers/999999" in error for error in console.tab.console_errors)

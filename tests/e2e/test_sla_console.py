"""SLA warnings in the agent console's queue and on a ticket's own page, in a real browser (Debian Chromium, headless).

No bot is needed: a helpdesk runs on its own database with the default targets (first response
urgent 30 min, normal 4 h, low 1 d), tickets come through the internal API as the action server
creates them, and two are back-dated in the database so that one is overdue and one is near its
deadline. Screenshot: tests/artifacts/screenshots/console-sla.png.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import update

from bot.db import make_engine, make_session_factory, session_scope, utcnow
from bot.models import Ticket
from tests.bot.ces.seed import migrated_settings
from tests.e2e.helpers import HelpdeskAlone, helpdesk_alone
from tests.e2e.test_agent_console import AgentConsole, new_agent

pytestmark = pytest.mark.e2e

BREACHED_RED = "rgb(179, 38, 30)"
WARNING_AMBER = "rgb(255, 224, 138)"


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory) -> Iterator[HelpdeskAlone]:
    """A helpdesk on its own database (so its queue holds only this module's tickets); no Rasa."""
    directory = tmp_path_factory.mktemp("sla-console")
    settings = migrated_settings(directory)
    with helpdesk_alone(directory, settings.database_url, settings.var_dir) as alone:
        yield alone


def escalate(helpdesk: HelpdeskAlone, priority: str, subject: str, age: timedelta = timedelta(0)) -> str:
    """A ticket of ``priority`` through the internal API, created ``age`` ago; returns its reference."""
    conversation_id = f"sla-{uuid.uuid4().hex[:10]}"
    response = requests.post(f"{helpdesk.helpdesk_url}/api/internal/tickets", timeout=10,
                             headers={"Authorization": f"Bearer {helpdesk.service_token}"},
                             json={"idempotency_key": conversation_id, "conversation_id": conversation_id,
                                   "subject": subject, "reason": "customer_request", "priority": priority})
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    if age:
        engine = make_engine(helpdesk.env["DATABASE_URL"])
        try:
            with session_scope(make_session_factory(engine)) as session:
                session.execute(update(Ticket).where(Ticket.reference == reference).values(created_at=utcnow() - age))
        finally:
            engine.dispose()
    return reference


def test_overdue_and_nearly_due_tickets_stand_out_and_sla_first_puts_them_on_top(helpdesk, open_page):
    fresh_urgent = escalate(helpdesk, "urgent", "Card charged twice")  # first reply due in 30 min: ok
    nearly_due = escalate(helpdesk, "normal", "Invoice address", timedelta(hours=3, minutes=40))  # 20 min left of 4 h
    overdue = escalate(helpdesk, "low", "Newsletter settings", timedelta(hours=25))  # 1 d target missed by 1 h

    console = AgentConsole.open(open_page, helpdesk)
    console.log_in(new_agent(helpdesk, "Mira Novak"))
    page = console.page
    rows = page.locator("table.tickets tbody tr")
    references = rows.locator(".ticket-ref")
    expect(references).to_have_text([fresh_urgent, nearly_due, overdue])  # served by priority, then age

    overdue_sla = console.queue_row(overdue).locator(".sla")
    expect(overdue_sla).to_have_text("Overdue 1 h")
    expect(overdue_sla).to_have_css("background-color", BREACHED_RED)
    nearly_due_sla = console.queue_row(nearly_due).locator(".sla")
    expect(nearly_due_sla).to_have_text(re.compile(r"^Due in (19|20) min$"))
    expect(nearly_due_sla).to_have_css("background-color", WARNING_AMBER)
    expect(nearly_due_sla).to_have_class("sla sla-warning")
    expect(console.queue_row(fresh_urgent).locator(".sla")).to_have_class("sla sla-ok")

    page.get_by_label("Sort").select_option("sla")
    expect(references).to_have_text([overdue, nearly_due, fresh_urgent])
    console.tab.screenshot("console-sla")

    page.reload()  # the choice is remembered in this browser
    expect(page.get_by_label("Sort")).to_have_value("sla")
    expect(references).to_have_text([overdue, nearly_due, fresh_urgent])
    page.get_by_label("Sort").select_option("queue")
    expect(references).to_have_text([fresh_urgent, nearly_due, overdue])

    # The ticket's own page says it too, and claiming it (the first reply still due) keeps it overdue.
    console.queue_row(overdue).get_by_role("link", name=overdue, exact=True).click()
    header_sla = page.locator(".ticket-meta .sla")
    expect(header_sla).to_have_text("Overdue 1 h")
    expect(header_sla).to_have_css("background-color", BREACHED_RED)
    console.action("Claim").click()
    expect(page.locator(".ticket-meta .chip-status")).to_have_text("Assigned")
    expect(header_sla).to_have_text("Overdue 1 h")
    assert console.tab.console_errors == []

"""The admin report page in a real browser (Debian Chromium, headless) against the real helpdesk
service on a seeded database (tests/bot/ces/seed.py): the charts show the seeded figures.

The screenshot is saved to tests/artifacts/screenshots/reports.png; copy it to
docs/screenshots/reports.png when the page's look changes (a test never rewrites a tracked file).
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.db import make_engine, make_session_factory, session_scope
from bot.models import KbQuery
from bot.settings import PROJECT_ROOT
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import free_port
from tests.bot.ces.seed import ADMIN_EMAIL, ADMIN_PASSWORD, SINCE, UNTIL, at, migrated_settings, seed_report_data
from tests.e2e.browser import DESKTOP, BrowserTab
from tests.e2e.helpers import helpdesk_alone_env

pytestmark = pytest.mark.e2e

STARTUP_TIMEOUT_S = 60
HOSTILE_QUESTION = '<img src=x onerror="window.__injected = 1">'
MARKUP_LIKE_QUESTION = "Why does my receipt say <date> instead of a date?"


@pytest.fixture(scope="module")
def helpdesk_url(tmp_path_factory) -> Iterator[str]:
    """The helpdesk service (uvicorn, as deployed) on a free port, its database seeded, one admin."""
    directory = tmp_path_factory.mktemp("reports-page")
    settings = migrated_settings(directory)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    seed_report_data(factory)
    with session_scope(factory) as session:  # a probe is left out; a question that looks like markup stays text
        session.add_all(KbQuery(conversation_id="c8", channel="web", question=question, language="en",
                                outcome="abstain", created_at=at(13, 11, minute))
                        for minute, question in ((5, HOSTILE_QUESTION), (6, MARKUP_LIKE_QUESTION)))
    engine.dispose()

    port = free_port()
    env = helpdesk_alone_env(settings.var_dir, port, DATABASE_URL=settings.database_url)
    subprocess.run(
        [sys.executable, "-m", "bot", "create-agent", "--email", ADMIN_EMAIL, "--name", "Lead", "--role", "admin",
         "--password-stdin"],
        input=ADMIN_PASSWORD + "\n", text=True, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True,
    )
    with run_helpdesk(env, port, directory / "log", timeout_s=STARTUP_TIMEOUT_S) as server:
        yield server.url


def logged_in_tab(helpdesk_url: str, open_page) -> BrowserTab:
    """A desktop-sized blank tab whose browser holds an admin session cookie, logged in through
    the helpdesk API (``POST /api/auth/login``) with the context's own request client, which
    shares the browser's cookie jar."""
    tab = open_page(viewport=DESKTOP)
    response = tab.context.request.post(f"{helpdesk_url}/api/auth/login",
                                        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status == 200, response.text()
    return tab


def attribute_list(page: Page, selector: str, name: str) -> list[str]:
    return page.eval_on_selector_all(selector, "(nodes, name) => nodes.map((node) => node.getAttribute(name))", name)


def test_without_login_the_page_says_how_to_log_in(helpdesk_url, open_page):
    tab = open_page(f"{helpdesk_url}/agent/reports")

    status = tab.page.locator("#status")
    expect(status).to_contain_text("You are not logged in.")
    expect(status.get_by_role("link", name="Log in to the agent console")).to_have_attribute("href", "/agent")
    expect(tab.page.locator("#report")).to_be_hidden()


def test_the_report_page_charts_the_seeded_figures(helpdesk_url, open_page):
    tab = logged_in_tab(helpdesk_url, open_page)
    page = tab.page
    page.goto(f"{helpdesk_url}/agent/reports?since={SINCE}&until={UNTIL}")
    expect(page.locator("#report")).to_be_visible()

    # Key figures: 7 ratings 7 6 2 4 5 1 6 → mean 4.43, 4 easy of 7; containment 5 of 9.
    expect(page.locator("#kpi-mean")).to_have_text("4.43 / 7")
    expect(page.locator("#kpi-easy")).to_have_text("57.1%")
    expect(page.locator("#kpi-containment")).to_have_text("55.6%")
    expect(page.locator("#kpi-first-response")).to_have_text("12.0 min")
    expect(page.locator("#since")).to_have_value(SINCE)

    # Distribution: seven bars, heights proportional to the counts 1 1 0 1 1 2 1.
    bars = "#distribution-chart svg rect.bar"
    assert attribute_list(page, bars, "data-score") == ["1", "2", "3", "4", "5", "6", "7"]
    assert attribute_list(page, bars, "data-count") == ["1", "1", "0", "1", "1", "2", "1"]
    heights = [float(height) for height in attribute_list(page, bars, "height")]
    assert heights[2] == 0
    assert heights[5] == pytest.approx(2 * heights[0]) and heights[5] > 0
    assert len(set(heights[index] for index in (0, 1, 3, 4, 6))) == 1
    assert attribute_list(page, bars, "class")[0] == "bar hard" and attribute_list(page, bars, "class")[6] == "bar easy"

    # Trend: six rated days, then two ISO weeks with means 5.0 and 4.0 (toggled from the keyboard).
    points = "#trend-chart svg circle.point"
    assert attribute_list(page, points, "data-period") == [
        "2026-03-02", "2026-03-04", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-15"]
    page.locator("#trend-week").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#trend-week")).to_have_attribute("aria-pressed", "true")
    assert attribute_list(page, points, "data-mean") == ["5", "4"]
    assert attribute_list(page, points, "data-period") == ["2026-W10", "2026-W11"]

    # Splits and escalations as bars.
    resolver_bars = '#splits [data-dimension="resolver"] svg rect.bar'
    assert attribute_list(page, resolver_bars, "data-key") == ["bot", "agent"]
    assert attribute_list(page, resolver_bars, "data-value") == ["6", "2.33"]
    assert attribute_list(page, '#splits [data-dimension="agent"] svg rect.bar', "data-key") == ["Dana Levi", "Omar Haddad"]
    assert attribute_list(page, "#reasons-chart svg rect.bar", "data-value") == ["3", "1"]

    # CSAT, NPS, FCR, reopened and withdrawn, SLA (figures worked out in tests/bot/ces/test_service_metrics.py).
    expect(page.locator("#kpi-csat")).to_have_text("4.00 / 5")
    expect(page.locator("#kpi-nps")).to_have_text("+17")
    expect(page.locator("#kpi-fcr")).to_have_text("66.7%")
    expect(page.locator("#kpi-fcr-sub")).to_have_text("4 of 6 · 0 pending")
    assert attribute_list(page, "#csat-chart svg rect.bar", "data-count") == ["0", "1", "0", "1", "2"]
    assert attribute_list(page, "#nps-chart svg rect.bar", "data-value") == ["3", "1", "2"]
    # The trend toggle above chose weeks for the NPS trend too: W10 +100, W11 −25.
    assert attribute_list(page, "#nps-trend-chart svg circle.point", "data-nps") == ["100", "-25"]
    assert attribute_list(page, "#csat-trend-chart svg circle.point", "data-mean") == ["4.5", "3.5"]
    assert attribute_list(page, "#fcr-chart svg rect.bar", "data-value") == ["4", "1", "1"]
    expect(page.locator("#fcr-note")).to_contain_text("follow-ups of an earlier contact (not counted again): 1")
    assert attribute_list(page, "#reopen-chart svg rect.bar", "data-key") == ["Reopened", "Withdrawn"]
    assert attribute_list(page, "#reopen-chart svg rect.bar", "data-value") == ["0.3333", "0"]
    assert attribute_list(page, '#sla [data-sla="resolution"] svg rect.bar', "data-value") == ["1", "0", "0", "1"]
    expect(page.locator('#sla [data-sla="first_response"] h3')).to_have_text("First response: 1 breached, 3 met, 0 running")
    assert attribute_list(page, "#unhelpful-chart svg rect.bar", "data-key") == ["refund-status-he", "reset-password"]

    # KB gaps: the export group first; the probe is left out as noise and counted (with the seed's five),
    # a question that looks like markup is shown as text, and nothing runs.
    expect(page.locator("#gaps-summary")).to_have_text(
        "9 unanswered questions in 6 groups; similar wordings count together. "
        "Left out as noise (markup or code, filler, no letters): 6.")
    gaps = page.locator("#gaps > li")
    expect(gaps.first.locator(".question")).to_have_text("How do I export my data?")
    expect(gaps.first.locator(".meta")).to_have_text("3 questions from 2 conversations · en")
    expect(page.locator("#gaps .question", has_text=MARKUP_LIKE_QUESTION)).to_have_count(1)
    expect(page.locator("#gaps .question", has_text="onerror")).to_have_count(0)
    assert page.evaluate("() => window.__injected === undefined && document.querySelectorAll('#gaps img').length === 0")

    expect(page.locator("#csv-link")).to_have_attribute("href", f"/api/reports.csv?since={SINCE}&until={UNTIL}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.locator("#trend-day").click()
    assert tab.screenshot("reports").stat().st_size > 0
    assert tab.console_errors == []


def test_the_date_filter_reloads_the_figures_and_the_url(helpdesk_url, open_page):
    tab = logged_in_tab(helpdesk_url, open_page)
    page = tab.page
    page.goto(f"{helpdesk_url}/agent/reports?since={SINCE}&until={UNTIL}")
    expect(page.locator("#kpi-mean")).to_have_text("4.43 / 7")

    page.locator("#since").fill("2026-03-09")
    page.locator("#until").fill("2026-03-15")
    page.get_by_role("button", name="Apply").click()

    # Week 11 only: 4, 5, 1, 6 → mean 4.00, easy 2 of 4.
    expect(page.locator("#kpi-mean")).to_have_text("4.00 / 7")
    expect(page.locator("#kpi-easy")).to_have_text("50%")
    assert page.url.endswith("/agent/reports?since=2026-03-09&until=2026-03-15")
    assert attribute_list(page, "#distribution-chart svg rect.bar", "data-count") == ["1", "0", "0", "1", "1", "1", "0"]
    expect(page.locator("#csv-link")).to_have_attribute("href", "/api/reports.csv?since=2026-03-09&until=2026-03-15")

    with page.expect_download() as download_info:
        page.locator("#csv-link").click()
    download = download_info.value
    assert download.suggested_filename == "effortless-report-2026-03-09-to-2026-03-15.csv"
    assert "ces_summary,,,mean,4.0" in open(download.path(), encoding="utf-8-sig").read()

    page.go_back()
    expect(page.locator("#kpi-mean")).to_have_text("4.43 / 7")
    assert tab.console_errors == []

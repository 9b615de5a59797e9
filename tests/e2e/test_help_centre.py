"""The help centre in a real browser (Debian Chromium, headless) against the whole stack: home, category,
article and search in English and Hebrew, the guide's steps as list items, right to left in Hebrew, and a
"Was this helpful?" vote landing in the database. No JavaScript runs on these pages (the CSP forbids inline
script, and they need none); the page errors a script would raise are checked anyway.
"""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from bot.models import ArticleFeedback, KbQuery

pytestmark = pytest.mark.e2e


def _feedback(stack, article_id: str) -> list[bool]:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return list(session.scalars(select(ArticleFeedback.helpful).where(ArticleFeedback.article_id == article_id)))
    finally:
        engine.dispose()


def _help_centre_queries(stack) -> list[str]:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return list(session.scalars(select(KbQuery.question).where(KbQuery.channel == "help_centre")))
    finally:
        engine.dispose()


@pytest.mark.parametrize(("language", "direction", "category", "guide", "question", "found"), [
    ("en", "ltr", "Account & sign-in", "How to reset your password", "where is my order", "/help/en/track-order"),
    ("he", "rtl", "חשבון והתחברות", "איך מאפסים סיסמה", "איפה ההזמנה שלי", "/help/he/track-order-he"),
])
def test_browse_read_and_search_the_help_centre(stack, open_page, language, direction, category, guide, question, found):
    tab = open_page(f"{stack.helpdesk_url}/help", locale={"en": "en-US", "he": "he-IL"}[language])
    page = tab.page
    expect(page).to_have_url(f"{stack.helpdesk_url}/help/{language}")
    expect(page.locator("html")).to_have_attribute("dir", direction)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main section").nth(1).locator("ul.articles li")).to_have_count(6)  # popular articles

    page.get_by_role("link", name=category, exact=True).click()
    expect(page.locator("h1")).to_have_text(category)
    page.get_by_role("link", name=guide, exact=True).click()
    expect(page.locator("h1")).to_have_text(guide)
    steps = page.locator(".article-body ol > li")
    expect(steps).to_have_count(5)
    breadcrumbs = page.locator(".breadcrumbs li")
    expect(breadcrumbs.nth(1)).to_have_text(category)
    # the steps are indented on the reading side, where their numbers stand: the right in Hebrew, the left in English
    box, body = steps.first.bounding_box(), page.locator(".article-body").bounding_box()
    if direction == "rtl":
        assert box["x"] + box["width"] <= body["x"] + body["width"] - 5 and box["x"] <= body["x"] + 1
    else:
        assert box["x"] >= body["x"] + 5 and box["x"] + box["width"] >= body["x"] + body["width"] - 1
    tab.screenshot(f"help-centre-article-{language}")

    page.locator("#help-search").fill(question)
    page.locator("#help-search").press("Enter")
    expect(page.locator("ol.results li a").first).to_have_attribute("href", found)
    assert question in _help_centre_queries(stack)
    assert tab.console_errors == []


def test_was_this_helpful_is_recorded_once(stack, open_page):
    tab = open_page(f"{stack.helpdesk_url}/help/en/track-order")
    page = tab.page
    before = _feedback(stack, "track-order")
    page.get_by_role("button", name="Yes", exact=True).click()
    expect(page.locator("#feedback")).to_contain_text("Thank you for your feedback!")
    assert _feedback(stack, "track-order") == [*before, True]
    page.goto(f"{stack.helpdesk_url}/help/en/track-order")  # the same browser votes again the same day
    page.get_by_role("button", name="No", exact=True).click()
    expect(page.locator("#feedback")).to_contain_text("Thank you for your feedback!")
    expect(page.get_by_role("link", name="Contact us").first).to_be_visible()
    assert _feedback(stack, "track-order") == [*before, True]


def test_a_search_without_an_article_says_so_and_offers_the_ways_on(stack, open_page):
    tab = open_page(f"{stack.helpdesk_url}/help/en/search?q=do+you+sell+tractor+tyres+for+mars+rovers")
    page = tab.page
    expect(page.locator(".no-result")).to_contain_text("We have no article about that yet.")
    expect(page.get_by_role("link", name="Ask our assistant")).to_have_attribute(
        "href", "/help/en/ask?q=do%20you%20sell%20tractor%20tyres%20for%20mars%20rovers")
    page.get_by_role("link", name="Contact us").first.click()
    expect(page.locator("h1")).to_have_text("Contact us")


def test_search_is_answered_by_the_action_server_and_says_so_while_it_is_down(stack):
    """The help centre holds no index: its searches are the action server's. Killed, the search page says so
    (the pages still work); restarted by the supervisor, search works again. Last in the module: it restarts
    the shared stack's action server."""
    search = f"{stack.helpdesk_url}/help/cs/search"
    question = {"q": "kde je moje objednávka"}
    assert "/help/cs/track-order-cs" in requests.get(search, params=question, timeout=60).text

    stack.running.supervisor.kill("actions")
    down = requests.get(search, params=question, timeout=60)
    home = requests.get(f"{stack.helpdesk_url}/help/cs", timeout=60)
    stack.running.supervisor.wait_healthy("actions", timeout_s=600)
    back = requests.get(search, params=question, timeout=60)

    assert down.status_code == 503 and "Vyhledávání teď není dostupné." in down.text
    assert home.status_code == 200
    assert back.status_code == 200 and "/help/cs/track-order-cs" in back.text

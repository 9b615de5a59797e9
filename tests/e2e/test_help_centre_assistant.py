"""From the help centre to the assistant in a real browser (Debian Chromium, headless) on the whole stack.

A search with no article offers "Ask our assistant"; that page's widget (``data-open-with-question``)
opens with the question already sent as the customer's message, and the real bot answers it in the
page's language. A reload does not ask again. The demo shop page's search box leads to the help
centre's results for what was typed.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.e2e.test_rtl import metadata_language_of, user_events
from tests.e2e.test_widget import BOT_REPLY_TIMEOUT_MS, ChatWidget

pytestmark = pytest.mark.e2e

# Questions the demo KB has no article for (the engine abstains), in the browser's own locale.
NO_ARTICLE = [
    ("en", "en-US", "ltr", "can I pay with goats", "We have no article about that yet."),
    ("he", "en-US", "rtl", "מה מזג האוויר מחר בתל אביב", "עדיין אין לנו מאמר בנושא הזה."),
]


@pytest.mark.parametrize(("language", "locale", "direction", "question", "no_article"), NO_ARTICLE)
def test_a_search_with_no_article_hands_the_question_to_the_assistant_once(
        stack, open_page, language, locale, direction, question, no_article):
    tab = open_page(f"{stack.helpdesk_url}/help/{language}/search?q={quote(question)}", locale=locale)
    page = tab.page
    expect(page.locator(".no-result")).to_contain_text(no_article)

    page.locator(".no-result a.button").first.click()
    expect(page).to_have_url(f"{stack.helpdesk_url}/help/{language}/ask?q={quote(question, safe='')}")
    chat = ChatWidget(tab)
    expect(chat.root.locator(".ec-panel")).to_be_visible()
    expect(chat.root.locator(".ec-root")).to_have_attribute("dir", direction)
    expect(chat.bubbles("user")).to_have_text([question])
    expect(chat.bubbles("bot").first).to_be_visible(timeout=BOT_REPLY_TIMEOUT_MS)
    conversation = chat.conversation_id()
    assert conversation
    # The question reached Rasa as the conversation's first words, in the page's language. Rasa saves the
    # tracker after the bot's first words are out, so the test waits for the question to be stored.
    assert stack.wait_for(lambda: metadata_language_of(stack, conversation, question), timeout=30) == language
    assert [event["text"] for event in user_events(stack, conversation)] == [question]
    tab.screenshot(f"help-centre-ask-{language}")

    # A reload opens the chat on the same conversation but does not ask again: sending would show a
    # second customer bubble at once, before any reply.
    page.reload()
    expect(chat.root.locator(".ec-panel")).to_be_visible()
    expect(chat.bubbles("bot").first).to_be_visible()
    expect(chat.bubbles("user")).to_have_text([question])
    assert chat.conversation_id() == conversation
    assert [event["text"] for event in user_events(stack, conversation)] == [question]
    assert tab.console_errors == []


def test_a_long_question_is_cut_to_the_widgets_limit_and_an_empty_one_only_opens_the_chat(stack, open_page):
    long_question = "my parcel " * 150  # 1,500 characters; the widget sends at most data-max-length (1,000)
    tab = open_page(f"{stack.helpdesk_url}/help/en/ask?q={quote(long_question)}")
    chat = ChatWidget(tab)
    expect(chat.bubbles("user")).to_have_count(1)
    assert chat.bubbles("user").inner_text() == long_question[:1000].strip()

    empty = ChatWidget(open_page(f"{stack.helpdesk_url}/help/en/ask?q=%20%20"))
    expect(empty.root.locator(".ec-panel")).to_be_visible()
    expect(empty.root.locator(".ec-welcome")).to_be_visible()
    expect(empty.bubbles("user")).to_have_count(0)
    assert empty.saved_state().get("messages") == []


def test_the_page_can_ask_through_the_widgets_api(stack, open_page):
    chat = ChatWidget(open_page(f"{stack.helpdesk_url}/demo"))
    chat.page.wait_for_function("() => window.EffortlessChat && document.getElementById('effortless-chat')")
    chat.page.evaluate("() => window.EffortlessChat.ask('  how long does\\n delivery take  ')")
    expect(chat.root.locator(".ec-panel")).to_be_visible()
    expect(chat.bubbles("user")).to_have_text(["how long does delivery take"])
    expect(chat.bubbles("bot").first).to_be_visible(timeout=BOT_REPLY_TIMEOUT_MS)


def test_the_demo_pages_search_box_leads_to_the_help_centre_results(stack, open_page):
    tab = open_page(f"{stack.helpdesk_url}/demo")
    page = tab.page
    page.get_by_role("searchbox", name="Search the help center").fill("where is my order")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(f"{stack.helpdesk_url}/help/en/search?q=where+is+my+order")
    expect(page.locator("ol.results li a").first).to_have_attribute("href", "/help/en/track-order")
    assert tab.console_errors == []

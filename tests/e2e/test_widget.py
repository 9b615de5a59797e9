"""The customer web chat widget in a real browser (Debian Chromium, headless) against the whole stack.

The demo page is served by the helpdesk service (``/demo``) with the widget embedded by its one
script tag; the widget talks to the real Rasa server's socket.io channel, which calls the real
action server. Screenshots land in ``tests/artifacts/screenshots/``.
"""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import DESKTOP, PHONE, BrowserTab
from tests.e2e.helpers import AgentClient
from tests.e2e.standins import escalate

pytestmark = pytest.mark.e2e

BOT_REPLY_TIMEOUT_MS = 30_000
KB_QUESTION = "how do I reset my password"  # a guide (kind: guide): its steps come after a choice


def show_all_steps(chat) -> None:
    """Press "Show all steps" under the guide's answer; the usual "did that answer" follows."""
    chat.wait_for_bot(r"step by step")
    chat.root.get_by_role("button", name="Show all steps").click()
    chat.wait_for_bot(r"did that answer your question")


class ChatWidget:
    """What a customer sees and does in the widget, in Playwright terms."""

    def __init__(self, tab: BrowserTab) -> None:
        self.tab = tab
        self.page: Page = tab.page
        self.root = self.page.locator("#effortless-chat")  # the widget's host; locators pierce its shadow root
        self.input = self.root.locator("textarea.ec-input")

    def open(self) -> ChatWidget:
        self.root.locator("button.ec-launcher").click()
        expect(self.root.locator(".ec-panel")).to_be_visible()
        return self

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def bubbles(self, sender: str) -> Locator:
        """Message bubbles from ``user``, ``bot`` or ``agent`` (the static welcome line excluded)."""
        return self.root.locator(f".ec-from-{sender}:not(.ec-welcome) .ec-bubble")

    def all_bubble_texts(self) -> list[str]:
        return self.root.locator(".ec-msg:not(.ec-welcome) .ec-bubble").all_inner_texts()

    def wait_for_bot(self, pattern: str, sender: str = "bot") -> Locator:
        bubble = self.bubbles(sender).filter(has_text=re.compile(pattern, re.IGNORECASE)).last
        expect(bubble).to_be_visible(timeout=BOT_REPLY_TIMEOUT_MS)
        return bubble

    def saved_state(self) -> dict:
        return self.page.evaluate(
            "() => { for (const key of Object.keys(localStorage)) if (key.startsWith('effortless-chat:'))"
            " return JSON.parse(localStorage.getItem(key)); }"
        )

    def conversation_id(self) -> str | None:
        """The Rasa conversation the widget's session token proves: ``web:<session id>``, the id being
        the token's part before the signature."""
        token = self.saved_state().get("sessionToken")
        return f"web:{token.split('.')[0]}" if token else None


def demo(open_page, stack, viewport=DESKTOP, locale="en-US") -> ChatWidget:
    return ChatWidget(open_page(f"{stack.helpdesk_url}/demo", viewport=viewport, locale=locale))


def user_texts_in_tracker(stack, conversation_id: str) -> list[str]:
    response = requests.get(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.rasa_token, "include_events": "ALL"},
        timeout=10,
    )
    response.raise_for_status()
    return [event.get("text") for event in response.json()["events"] if event["event"] == "user"]


def test_a_question_gets_a_kb_answer_and_a_feedback_button_works(stack, open_page):
    chat = demo(open_page, stack).open()

    chat.send(KB_QUESTION)

    chat.wait_for_bot(r"forgot password")
    show_all_steps(chat)
    expect(chat.root.get_by_role("button", name="Yes")).to_be_visible()
    chat.tab.screenshot("widget-desktop")

    chat.root.get_by_role("button", name="Yes").click()

    expect(chat.bubbles("user").last).to_have_text("Yes")
    chat.wait_for_bot(r"glad")
    expect(chat.root.locator(".ec-buttons").filter(has_text="No")).to_have_count(0)
    assert chat.tab.console_errors == []


def test_a_reload_keeps_the_history_and_continues_the_same_rasa_conversation(stack, open_page):
    chat = demo(open_page, stack).open()
    chat.send(KB_QUESTION)
    show_all_steps(chat)
    before_reload = chat.all_bubble_texts()
    conversation_id = chat.conversation_id()
    assert "sessionId" not in chat.saved_state()  # only the server-signed token is kept and sent

    chat.page.reload()

    expect(chat.root.locator(".ec-panel")).to_be_visible()
    assert chat.all_bubble_texts() == before_reload
    chat.send("thank you")  # under "Did that answer your question?": that it did
    chat.wait_for_bot(r"glad that helped")
    assert chat.conversation_id() == conversation_id
    # The turn goes on (the effort question) after the first bubble; the tracker is saved at its end.
    assert stack.wait_for(lambda: user_texts_in_tracker(stack, conversation_id)[-3:]
                          == [KB_QUESTION, "/show_all_steps", "thank you"])

    chat.root.get_by_role("button", name="New conversation").click()

    expect(chat.root.locator(".ec-msg:not(.ec-welcome)")).to_have_count(0)
    assert stack.wait_for(lambda: chat.conversation_id() not in (None, conversation_id))
    assert chat.tab.console_errors == []


def test_hebrew_is_right_to_left_and_markup_is_shown_as_text_on_a_phone(stack, open_page):
    chat = demo(open_page, stack, viewport=PHONE, locale="he-IL").open()
    dialogs: list[str] = []
    chat.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    panel_box = chat.root.locator(".ec-panel").bounding_box()
    assert panel_box["width"] == PHONE["width"] and panel_box["height"] == PHONE["height"]

    chat.send("איך מאפסים את הסיסמה?")
    hebrew = chat.bubbles("user").last
    assert hebrew.evaluate("node => getComputedStyle(node).direction") == "rtl"
    chat.wait_for_bot(r"[\u0590-\u05FF]")  # a Hebrew answer
    chat.tab.screenshot("widget-phone")

    attack = "<img src=x onerror=alert(1)>"
    chat.send(attack)
    expect(chat.bubbles("user").last).to_have_text(attack)
    assert chat.root.locator(".ec-log img").count() == 0
    chat.input.fill("א" * 1001)
    expect(chat.root.locator(".ec-notice")).to_contain_text("1001/1000")
    expect(chat.root.locator("button.ec-send")).to_be_disabled()
    assert dialogs == []
    assert chat.tab.console_errors == []


def test_the_conversation_survives_a_network_drop(stack, open_page):
    chat = demo(open_page, stack).open()
    chat.send(KB_QUESTION)
    show_all_steps(chat)
    status = chat.root.locator(".ec-status")

    chat.tab.context.set_offline(True)
    expect(status).to_be_visible()
    expect(status).to_contain_text(re.compile("offline|reconnecting"))
    chat.send("thank you")  # typed during the outage: waits in the outbox
    expect(chat.root.locator(".ec-from-user.ec-pending")).to_have_count(1)
    chat.tab.context.set_offline(False)

    expect(status).to_be_hidden(timeout=BOT_REPLY_TIMEOUT_MS)
    chat.wait_for_bot(r"glad that helped")  # the thank-you, under "Did that answer your question?", is a yes
    expect(chat.root.locator(".ec-pending")).to_have_count(0)
    # The browser itself logs the requests that failed while offline; nothing else may appear.
    assert [error for error in chat.tab.console_errors if "ERR_INTERNET_DISCONNECTED" not in error] == []


def test_an_agent_reply_arrives_live_during_a_handoff(stack, open_page):
    agent = AgentClient.new_online_agent(stack, email="dana@acme.example", name="Dana")
    chat = demo(open_page, stack).open()
    escalation = escalate(chat.send, chat.bubbles("bot").all_inner_texts, {
        r"your name": "Maya Cohen",
        r"email": "maya.cohen@example.com",
        r"what's the problem": "My refund has not arrived after two weeks",
    })
    assert escalation.asked == [r"your name", r"email", r"what's the problem"]

    reference = agent.claim_for_conversation(chat.conversation_id())
    agent.reply(reference, "Hi Maya, Dana here. I'm checking your refund now.")

    reply = chat.wait_for_bot(r"checking your refund", sender="agent")
    expect(reply.locator("xpath=..").locator(".ec-author")).to_contain_text("Dana")
    chat.tab.screenshot("widget-handoff")
    assert chat.tab.console_errors == []

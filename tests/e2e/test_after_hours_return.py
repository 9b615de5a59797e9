"""Outside business hours on the real stack (Rasa, action server, helpdesk, Chromium): the customer
asks for a person in the web widget, hears at once that nobody is there and that the ticket already
exists, and closes the page before answering anything; the ticket holds the transcript; an agent
replies; the customer opens the page again and finds the reply in the chat."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from bot.stack.assembly import start_stack
from tests.actions.test_after_hours import closed_now
from tests.e2e.browser import BrowserTab
from tests.e2e.conftest import Stack, stack_env
from tests.e2e.helpers import AgentClient
from tests.e2e.test_handoff import FORM_QUESTION, HANDED_TO_A_PERSON, after_the_apology, bot_texts_after
from tests.e2e.test_widget import BOT_REPLY_TIMEOUT_MS, ChatWidget

pytestmark = pytest.mark.e2e

QUESTION = "my parcel arrived crushed and the box was soaking wet"
REPLY = "Sorry about that! A replacement leaves our warehouse tomorrow morning."


@pytest.fixture(scope="module")
def closed_stack(tmp_path_factory, standins):
    """A stack outside its business hours, e-mail off (SMTP_URL unset)."""
    env = stack_env(tmp_path_factory.mktemp("closed-stack"), standins, BUSINESS_HOURS=closed_now(),
                    BUSINESS_TIMEZONE="UTC", SMTP_URL="", EMAIL_FROM="")
    with start_stack(env) as running:
        yield Stack(running=running, env=env)


def test_outside_hours_the_customer_leaves_at_once_and_finds_the_reply_on_return(closed_stack, open_page):
    demo_url = f"{closed_stack.helpdesk_url}/demo"
    chat = ChatWidget(open_page(demo_url)).open()
    chat.send(QUESTION)
    expect(chat.bubbles("bot")).not_to_have_count(0, timeout=BOT_REPLY_TIMEOUT_MS)
    chat.send("I want to talk to a person")

    told = chat.wait_for_bot(r"your ticket is T-\d+").inner_text()
    reference = re.search(r"T-\d+", told).group(0)
    assert "outside support hours" in told and "you can close this chat now" in told
    assert "mail" not in told.lower()  # e-mail is off here: not promised
    conversation_id = chat.conversation_id()
    chat.page.close()  # gone at once, the optional name question unanswered

    agent = AgentClient.new_online_agent(closed_stack, f"agent-{uuid.uuid4().hex[:8]}@example.com", "Avi")
    ticket = agent.ticket(reference)
    assert ticket["conversation_id"] == conversation_id and ticket["status"] == "waiting"
    assert QUESTION in [line["body"] for line in ticket["messages"]]  # the transcript came with it
    agent.claim(reference)
    agent.reply(reference, REPLY)
    closed_stack.wait_for(lambda: REPLY in str(closed_stack.tracker(conversation_id)["events"]), timeout=30)

    back = ChatWidget(BrowserTab(context=chat.tab.context, page=chat.tab.context.new_page()))
    back.page.goto(demo_url)  # the same browser: the same session token in localStorage
    if not back.root.locator(".ec-panel").is_visible():
        back.open()

    expect(back.bubbles("agent").filter(has_text=REPLY)).to_be_visible(timeout=BOT_REPLY_TIMEOUT_MS)
    assert back.conversation_id() == conversation_id
    assert back.all_bubble_texts().count(REPLY) == 1
    back.page.reload()  # shown once: the widget counts what it has shown
    expect(back.bubbles("agent").filter(has_text=REPLY)).to_have_count(1, timeout=BOT_REPLY_TIMEOUT_MS)


# Turns that hand the chat to a person before the customer has typed what the problem is.
NO_PROBLEM_TYPED = (["I want to talk to a person"], ["/reject_suggestions", "/reject_suggestions", "yes"])


@HANDED_TO_A_PERSON
def test_outside_hours_a_conversation_handed_to_a_person_opens_the_ticket_or_asks_the_problem_first(closed_stack, sender,
                                                                                                  turns):
    """With the problem typed, the ticket exists at once; with none typed yet, a ticket would hold nothing, so
    the form asks the details and the problem first (until 6 December an empty ticket was opened)."""
    said = after_the_apology(turns, bot_texts_after(closed_stack, sender, turns))
    if turns in NO_PROBLEM_TYPED:
        assert "I'll open a ticket" in said[0] and not re.search(r"your ticket is T-\d+", said[0], re.IGNORECASE), said
    else:
        assert re.search(r"your ticket is T-\d+", said[0], re.IGNORECASE), said
    assert len(said) == 2 and FORM_QUESTION.search(said[1]), said  # until 3 December: "Sorry, I didn't get that" between

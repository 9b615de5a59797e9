"""The conversation's language is sticky, end to end (real Rasa, action server and helpdesk;
docs/languages.md): a Latin-script name, an e-mail address, "ok" or "6" never switch it, "English
please" does, and Telegram's language_code answers a first "hi" in the customer's language."""
from __future__ import annotations

import random
import re
import uuid

import pytest

from tests.e2e.helpers import AgentClient
from tests.e2e.standins import StandIns, post_telegram_update, telegram_update

pytestmark = pytest.mark.e2e

HEBREW = re.compile(r"[\u05D0-\u05EA]")
ARABIC = re.compile(r"[\u0621-\u064A]")
CZECH = re.compile(r"[áčďéěíňóřšťúůýž]", re.IGNORECASE)


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text") or "" for reply in replies]


def language_slot(stack, sender: str) -> str | None:
    return stack.tracker(sender)["slots"].get("language")


def test_a_hebrew_customer_who_gives_a_latin_name_and_an_email_keeps_hebrew_to_the_ticket_and_after(stack, sender, agent):
    assert any(HEBREW.search(text) for text in texts(stack.say(sender, "שלום")))

    asked_name = texts(stack.say(sender, "אני רוצה לדבר עם נציג"))
    assert any("מה שמך" in text for text in asked_name), asked_name
    asked_email = texts(stack.say(sender, "Noa Cohen"))
    assert any("מייל" in text for text in asked_email), asked_email
    asked_problem = texts(stack.say(sender, "noa.cohen@example.com"))
    assert asked_problem and all(HEBREW.search(text) for text in asked_problem), asked_problem
    confirmation = texts(stack.say(sender, "ההחזר הכספי על הזמנה 1182 לא הגיע"))
    after = texts(stack.say(sender, "ok"))

    assert confirmation and all(HEBREW.search(text) for text in confirmation + after), confirmation + after
    assert language_slot(stack, sender) == "he"
    email = f"lang-{uuid.uuid4().hex[:8]}@acme.example"
    stack.create_agent(email, "Language Check")
    agent = AgentClient.login(stack.helpdesk_url, email, "correct horse battery")
    [ticket] = [t for t in agent.ok("GET", "/tickets", params={"limit": 500}) if t["conversation_id"] == sender]
    assert (ticket["language"], ticket["customer_name"]) == ("he", "Noa Cohen")


def test_a_czech_customer_typing_ok_or_a_number_stays_in_czech(stack, sender):
    answer = texts(stack.say(sender, "Dobrý den, nemůžu se přihlásit do účtu"))
    assert language_slot(stack, sender) == "cs"

    for short in ("ok", "6"):
        replies = texts(stack.say(sender, short))
        assert language_slot(stack, sender) == "cs", short
        assert all(CZECH.search(text) for text in replies), (short, replies)
    assert answer


def test_english_please_switches_a_hebrew_conversation_and_confirms_in_english(stack, sender):
    stack.say(sender, "שלום")
    assert language_slot(stack, sender) == "he"

    replies = texts(stack.say(sender, "English please"))

    assert "Sure, I'll continue in English." in replies
    assert language_slot(stack, sender) == "en"
    # and it sticks: a Hebrew word on its own does not switch back
    stack.say(sender, "תודה")
    assert language_slot(stack, sender) == "en"


def test_a_language_button_switches_even_while_the_bot_asks_for_the_customers_name(stack, sender, agent):
    stack.say(sender, "שלום")
    stack.say(sender, "אני רוצה לדבר עם נציג")

    replies = texts(stack.say(sender, "Čeština"))

    assert "Jasně, budeme pokračovat v češtině." in replies, replies
    assert "Jak se jmenujete?" in replies, replies  # the form goes on, in Czech
    assert language_slot(stack, sender) == "cs"


def test_a_telegram_customer_whose_app_is_in_arabic_is_greeted_in_arabic(stack, standins: StandIns):
    chat_id = random.randint(10**9, 10**10)
    update = telegram_update(chat_id, "hi")
    update["message"]["from"]["language_code"] = "ar"

    assert post_telegram_update(stack.rasa_url, update).status_code == 200

    assert standins.telegram.wait_for(chat_id, lambda message: ARABIC.search(message["text"]), timeout=60)
    assert language_slot(stack, f"telegram:{chat_id}") == "ar"

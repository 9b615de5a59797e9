"""Agents by language, end to end (real Rasa, action server and helpdesk): with only an
English-speaking agent online, a Hebrew customer who asks for a person is told in Hebrew, before
waiting, that nobody online speaks Hebrew, and offered English; choosing English makes the ticket
English and tells the wait in English."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.helpers import AgentClient

pytestmark = pytest.mark.e2e

HEBREW = re.compile(r"[\u05D0-\u05EA]")
CONTINUE_IN_ENGLISH = '/switch_language{"language":"en"}'


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text") or "" for reply in replies]


def test_a_hebrew_customer_is_offered_english_when_only_english_speaking_agents_are_online(stack, sender):
    agent = AgentClient.new_online_agent(stack, f"emma-{uuid.uuid4().hex[:8]}@example.com", "Emma")  # speaks en
    assert agent.ok("GET", "/auth/me")["agent"]["languages"] == ["en"]

    stack.say(sender, "שלום")
    stack.say(sender, "אני רוצה לדבר עם נציג")
    stack.say(sender, "Noa Cohen")
    stack.say(sender, "noa.cohen@example.com")
    offer = stack.say(sender, "ההחזר הכספי על הזמנה 1182 לא הגיע")

    [told] = [reply for reply in offer if "כרגע אין נציג מחובר שמדבר עברית" in (reply.get("text") or "")]
    assert [button["payload"] for button in told["buttons"]] == [CONTINUE_IN_ENGLISH, '/switch_language{"language":"he"}']
    assert not any(re.search(r"בתור|queue", text) for text in texts(offer)), "no wait is announced before the choice"
    [ticket] = [t for t in agent.queue() if t["conversation_id"] == sender]
    assert ticket["language"] == "he"
    assert told["text"].count(ticket["reference"]) == 1

    answer = texts(stack.say(sender, CONTINUE_IN_ENGLISH))

    assert any(re.search(rf"Your ticket is {ticket['reference']}\. You're number \d+ in the queue", text)
               for text in answer), answer
    assert not any(HEBREW.search(text) for text in answer), answer
    detail = agent.ok("GET", f"/tickets/{ticket['id']}")
    assert (detail["language"], detail["status"]) == ("en", "waiting")
    assert detail["messages"][-1]["body"] == "The customer chose to continue in English (was in Hebrew)"
    assert stack.tracker(sender)["slots"]["language"] == "en"

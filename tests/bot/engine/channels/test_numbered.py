"""Buttons as numbered lines where a channel shows none, and the number typed back
(``bot/engine/channels/numbered.py``), called directly in the app env."""
from __future__ import annotations

import pytest

from bot.engine.channels.numbered import is_number_choice, latest_buttons, numbered_choice, numbered_options

DID_YOU_MEAN = [{"title": "How long do I have to return an item?", "payload": '/choose_article{"article_id": "a"}'},
                {"title": "Returning an item", "payload": '/choose_article{"article_id": "b"}'},
                {"title": "None of these", "payload": "/reject_suggestions"}]


def bot(text: str, buttons: list[dict] | None = None) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons is not None else {}}


def test_the_options_are_numbered_lines_under_the_text_without_payloads():
    assert numbered_options("I'm not sure I got that. Did you mean:", DID_YOU_MEAN) == (
        "I'm not sure I got that. Did you mean:\n1. How long do I have to return an item?\n2. Returning an item\n"
        "3. None of these")


@pytest.mark.parametrize("text, payload", [
    ("1", '/choose_article{"article_id": "a"}'), (" 2. ", '/choose_article{"article_id": "b"}'),
    ("#3", "/reject_suggestions"), ("٢", '/choose_article{"article_id": "b"}'),  # Arabic-Indic digits
])
def test_a_number_chooses_the_button_shown_with_it(text, payload):
    assert is_number_choice(text)
    assert numbered_choice(text, DID_YOU_MEAN) == payload


@pytest.mark.parametrize("text", ["0", "4", "12", "2 items", "the second", "", "1.5"])
def test_anything_else_chooses_nothing(text):
    assert numbered_choice(text, DID_YOU_MEAN) is None


@pytest.mark.parametrize("scale", [
    [{"title": str(n), "payload": str(n)} for n in range(1, 8)],  # CES
    [{"title": "1 – Very dissatisfied", "payload": "1"}, {"title": "2", "payload": "2"}],  # CSAT
    [{"title": str(n), "payload": str(n)} for n in range(11)],  # NPS starts at 0: "1" is not its first button
])
def test_a_number_answering_a_scale_stays_the_number(scale):
    assert numbered_choice("1", scale) is None


def test_only_the_bots_latest_message_counts_and_only_until_the_customer_writes():
    asked = bot("Did you mean:", DID_YOU_MEAN)
    agent_line = bot("Dana: how many items were missing?")
    customer = {"event": "user", "text": "hello", "metadata": {}}
    helpdesk = {"event": "user", "text": "/EXTERNAL_agent_message", "metadata": {"is_external": True}}

    assert latest_buttons([customer, asked]) == DID_YOU_MEAN
    assert latest_buttons([asked, helpdesk, agent_line]) == []  # "1" for the agent presses no older button
    assert latest_buttons([asked, customer]) == []
    assert latest_buttons([]) == []
    assert latest_buttons([bot("broken", [None, {"title": "x"}, {"payload": 7}])]) == []

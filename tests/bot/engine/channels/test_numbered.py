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


@pytest.mark.parametrize("text", ["0", "4", "12", "2 items", "", "1.5", "+1", "$2", "1/2"])
def test_anything_else_chooses_nothing(text):
    assert numbered_choice(text, DID_YOU_MEAN) is None


FIRST, SECOND, NONE_OF_THESE = (button["payload"] for button in DID_YOU_MEAN)


@pytest.mark.parametrize("text, payload", [
    ("first", FIRST), ("the first one", FIRST), ("The First One!", FIRST), ("1st", FIRST), ("2nd one", SECOND),
    ("the 2 nd", SECOND), ("second option", SECOND), ("option 2", SECOND), ("Option #2", SECOND), ("option2", SECOND),
    ("number 2", SECOND), ("no. 2", SECOND), ("option two", SECOND), ("the last one", NONE_OF_THESE), ("third", NONE_OF_THESE),
    ("the first one please", FIRST), ("I'd like the second one, thanks", SECOND), ("I’ll take the 2nd", SECOND),
], ids=str)
def test_an_english_ordinal_or_option_number_chooses_that_button(text, payload):
    assert is_number_choice(text)
    assert numbered_choice(text, DID_YOU_MEAN) == payload


@pytest.mark.parametrize("text, payload", [
    ("הראשון", FIRST), ("הראשונה", FIRST), ("האפשרות הראשונה", FIRST), ("אפשרות ראשונה", FIRST), ("השני", SECOND),
    ("השנייה", SECOND), ("השניה", SECOND), ("אפשרות שנייה", SECOND), ("האחרון", NONE_OF_THESE), ("האחרונה", NONE_OF_THESE),
    ("אפשרות 2", SECOND), ("מס' 2", SECOND), ("אופציה 2", SECOND), ("את השני בבקשה", SECOND),
    ("הראשון בבקשה", FIRST), ("\u200fהשני\u200f", SECOND),  # direction marks from a right-to-left keyboard
], ids=str)
def test_a_hebrew_ordinal_or_option_number_chooses_that_button(text, payload):
    assert numbered_choice(text, DID_YOU_MEAN) == payload


@pytest.mark.parametrize("text, payload", [
    ("الأول", FIRST), ("الاول", FIRST), ("الأولى", FIRST), ("الاولي", FIRST), ("أول واحد", FIRST),
    ("الخيار الأول", FIRST), ("الثاني", SECOND), ("الثانية", SECOND), ("الثانيه", SECOND), ("التاني", SECOND),
    ("الأخير", NONE_OF_THESE), ("الأخيرة", NONE_OF_THESE), ("رقم 2", SECOND), ("رقم ٢", SECOND), ("الخيار رقم 2", SECOND),
    ("الأول من فضلك", FIRST),
], ids=str)
def test_an_arabic_ordinal_or_option_number_chooses_that_button(text, payload):
    assert numbered_choice(text, DID_YOU_MEAN) == payload


@pytest.mark.parametrize("text, payload", [
    ("první", FIRST), ("Prvni", FIRST), ("ta první", FIRST), ("první možnost", FIRST), ("druhá", SECOND),
    ("druha", SECOND), ("druhou", SECOND), ("druhý", SECOND), ("tu druhou možnost prosím", SECOND), ("třetí", NONE_OF_THESE),
    ("treti", NONE_OF_THESE), ("poslední", NONE_OF_THESE), ("posledni", NONE_OF_THESE), ("možnost 2", SECOND), ("moznost 2", SECOND),
    ("číslo 2", SECOND), ("2. možnost", SECOND), ("dvojku", SECOND), ("první prosím", FIRST),
], ids=str)
def test_a_czech_ordinal_or_option_number_chooses_that_button(text, payload):
    assert numbered_choice(text, DID_YOU_MEAN) == payload


@pytest.mark.parametrize("text", [
    "the first time I ordered it broke", "first or second", "one second", "just a second", "the second item arrived broken",
    "שנייה", "ثانية",  # "just a second" in Hebrew and Arabic
    "הראשון לא עובד", "الأول لا يعمل", "první nefunguje", "option", "the one", "2 2",
], ids=str)
def test_a_sentence_or_a_pause_is_no_choice(text):
    assert not is_number_choice(text)
    assert numbered_choice(text, DID_YOU_MEAN) is None


@pytest.mark.parametrize("text", ["the fifth one", "החמישי", "الخامس", "pátá", "option 4"])
def test_a_position_past_the_last_button_chooses_nothing(text):
    assert is_number_choice(text)
    assert numbered_choice(text, DID_YOU_MEAN) is None


def test_the_last_one_is_the_last_of_however_many_were_shown():
    two = DID_YOU_MEAN[1:]
    assert numbered_choice("the last one", two) == numbered_choice("the second one", two) == NONE_OF_THESE
    assert numbered_choice("the last one", []) is None


SCALES = [
    [{"title": str(n), "payload": str(n)} for n in range(1, 8)],  # CES
    [{"title": "1 – Very dissatisfied", "payload": "1"}, {"title": "2", "payload": "2"}],  # CSAT
    [{"title": str(n), "payload": str(n)} for n in range(11)],  # NPS starts at 0: "1" is not its first button
]


@pytest.mark.parametrize("scale", SCALES)
def test_a_number_answering_a_scale_stays_the_number(scale):
    assert numbered_choice("1", scale) is None


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("text", ["the first one", "the last one", "הראשון", "الأول", "poslední"])
def test_a_position_answering_a_scale_is_no_score(scale, text):
    assert numbered_choice(text, scale) is None


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

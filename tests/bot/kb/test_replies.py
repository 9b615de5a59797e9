"""What the customer hears when the KB does not answer outright (bot/kb/replies.py), and the wording in domain.yml."""
import pytest
import yaml

from bot.kb.replies import (
    NONE_OF_THESE,
    NONE_OF_THESE_PAYLOAD,
    abstention_response,
    after_a_miss,
    clarify_buttons,
    last_bot_response,
)
from bot.kb.search import Candidate
from bot.settings import PROJECT_ROOT
from tests.bot.escalation.test_wording import written_in

LANGUAGES = ("en", "he", "ar", "cs")
OPTIONS = [Candidate("cancel-order", "Cancel an order", 0.45), Candidate("cancel-subscription", "Cancel your subscription", 0.4)]


def variations(response: str):
    """The domain's variations of ``response`` by language (the one without a condition is English)."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {(v.get("condition") or [{"value": "en"}])[0]["value"]: v for v in domain["responses"][response]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_clarify_buttons_list_the_titles_then_none_of_these_in_the_customers_language(language):
    buttons = clarify_buttons(OPTIONS, language)

    assert buttons == [
        {"title": "Cancel an order", "payload": '/choose_article{"article_id": "cancel-order"}'},
        {"title": "Cancel your subscription", "payload": '/choose_article{"article_id": "cancel-subscription"}'},
        {"title": NONE_OF_THESE[language], "payload": NONE_OF_THESE_PAYLOAD},
    ]


def test_none_of_these_falls_back_to_english_for_an_unknown_language():
    assert clarify_buttons([], None)[-1]["title"] == clarify_buttons([], "xx")[-1]["title"] == "None of these"


@pytest.mark.parametrize("coverage, response", [
    ("out_of_domain", "utter_out_of_scope"), ("other_company", "utter_kb_other_company"), ("not_covered", None),
])
def test_only_a_gap_in_the_kb_is_a_miss(coverage, response):
    assert abstention_response(coverage) == response


def test_the_second_miss_in_a_row_offers_a_person():
    assert after_a_miss(0, "utter_kb_no_article") == (1, "utter_kb_no_article")
    assert after_a_miss(1, "utter_kb_rephrase") == (2, "utter_offer_human")
    assert after_a_miss(5, "utter_kb_rephrase") == (6, "utter_offer_human")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_article_yet_is_said_in_every_language_with_a_button_to_a_person(language):
    variation = variations("utter_kb_no_article")[language]

    assert written_in(language, variation["text"])
    assert [b["payload"] for b in variation["buttons"]] == ["/request_human"]
    assert written_in(language, variation["buttons"][0]["title"])


def test_no_article_yet_does_not_call_the_question_out_of_scope_or_guess():
    text = variations("utter_kb_no_article")["en"]["text"]
    assert "don't have an article about that yet" in text
    assert "outside" not in text and "guess" not in text


@pytest.mark.parametrize("response", ["utter_out_of_scope", "utter_kb_did_you_mean", "utter_kb_rephrase"])
def test_the_other_two_messages_and_the_rephrase_exist_in_every_language(response):
    assert set(variations(response)) == set(LANGUAGES)



def test_the_last_bot_response_is_the_one_named_in_the_latest_bot_message():
    events = [
        {"event": "bot", "text": "Did you mean …?", "metadata": {"utter_action": "utter_kb_did_you_mean"}},
        {"event": "user", "text": "no"},
        {"event": "action", "name": "action_kb_feedback"},
        {"event": "bot", "text": "Sorry about that.", "metadata": {"utter_action": "utter_kb_rephrase"}},
        {"event": "action", "name": "action_listen"},
    ]
    assert last_bot_response(events) == "utter_kb_rephrase"
    assert last_bot_response(events[:3]) == "utter_kb_did_you_mean"


def test_a_bot_message_without_a_named_response_or_no_message_names_none():
    assert last_bot_response([{"event": "bot", "text": "Dana: hello", "metadata": {}}]) is None
    assert last_bot_response([{"event": "bot", "text": "hi"}]) is None
    assert last_bot_response([]) is None




def test_a_question_asked_before_the_session_began_is_no_longer_the_last_bot_response():
    asked = {"event": "bot", "text": "Did that answer your question?", "metadata": {"utter_action": "utter_ask_kb_helped"}}

    assert last_bot_response([asked, {"event": "session_started"}], this_session=True) is None
    assert last_bot_response([{"event": "session_started"}, asked], this_session=True) == "utter_ask_kb_helped"
    # Without it, the last line of the conversation: "Anything else?" yesterday still makes today's "no" a goodbye.
    assert last_bot_response([asked, {"event": "session_started"}]) == "utter_ask_kb_helped"

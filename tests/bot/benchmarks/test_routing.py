"""``python -m bot bench-routing``: the KB's own example questions, read by the trained model, counted by where
they go. The counting is checked on readings given by hand; the model's reading on the shipped model."""
from __future__ import annotations

import pytest

from bot.benchmarks.routing import COMPLAINTS, count_outcomes, load_message_sets, outcome, read_with_model, route, summarize
from bot.settings import PROJECT_ROOT
from bot.stack.model import train_if_needed
from tests.helpers.nlu_data import all_examples

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"


@pytest.mark.parametrize("intent, where", [
    ("ask_question", "knowledge_base"), ("nlu_fallback", "knowledge_base"), ("out_of_scope", "knowledge_base"),
    ("withdraw_request", "knowledge_base"), ("complain", "person"), ("request_human", "person"),
    ("greet", "fixed_reply"), ("rate_effort", "fixed_reply"), ("restart", "fixed_reply"), ("affirm", "fixed_reply"),
])
def test_each_intent_goes_where_the_bot_sends_it(intent, where):
    assert route(intent) == where


def test_the_summary_counts_routes_per_language_and_per_half_with_examples_of_fixed_replies():
    questions = {"en": ["where is my parcel", "the box was empty", "refund?"], "cs": ["Dobrý den, dobírka?", "reklamace"]}
    readings = {"en": [{"intent": "ask_question"}, {"intent": "rate_effort"}, {"intent": "complain"}],
                "cs": [{"intent": "greet"}, {"intent": "nlu_fallback"}]}

    report = summarize(questions, readings)

    assert (report["questions"], report["knowledge_base"], report["person"], report["fixed_reply"]) == (5, 2, 1, 2)
    assert report["fixed_reply_share"] == 0.4
    # Even positions: where is my parcel, refund?, Dobrý den (1 of 3); odd: the box was empty, reklamace (1 of 2).
    assert report["fixed_reply_share_by_half"] == {"even": 0.3333, "odd": 0.5}
    assert report["languages"]["en"]["fixed_replies"] == {"rate_effort": {"count": 1, "for_example": ["the box was empty"]}}
    assert report["languages"]["cs"]["fixed_reply_share"] == 0.5


@pytest.mark.parametrize("intent, text, expected", [
    ("complain", "this is useless", "person"),
    ("request_human", "a person please", "person"),
    ("ask_question", "where is my refund", "article"),
    ("nlu_fallback", "my refund took three weeks, unacceptable", "frustration_escalation"),
    ("ask_question", "I need to speak to someone about my refund", "request_escalation"),
    ("greet", "hi", "fixed_reply"),
])
def test_the_outcome_is_what_the_customer_gets(intent, text, expected):
    assert outcome(intent, text) == expected


def test_outcomes_are_counted_per_language_and_in_all():
    messages = {"en": ["refund took a month, unacceptable", "where is my refund"], "he": ["שירות גרוע"]}
    readings = {"en": [{"intent": "ask_question"}, {"intent": "ask_question"}], "he": [{"intent": "complain"}]}

    counted = count_outcomes(messages, readings)

    assert counted["messages"] == 3
    assert (counted["person"], counted["frustration_escalation"], counted["article"], counted["fixed_reply"]) == (1, 1, 1, 0)
    assert counted["languages"]["he"] == {"person": 1, "frustration_escalation": 0, "request_escalation": 0, "article": 0,
                                          "fixed_reply": 0}


def test_the_shipped_message_sets_are_in_four_languages_and_never_trained_on():
    sets = load_message_sets(COMPLAINTS)
    trained = {text.casefold() for _, text, _ in all_examples()}

    assert set(sets) == {"complaints", "calm_questions", "person_requests"}
    for name, languages in sets.items():
        assert set(languages) == {"en", "he", "ar", "cs"}
        assert all(len(texts) >= (20 if name == "person_requests" else 30) for texts in languages.values())
        assert not [text for texts in languages.values() for text in texts if text.casefold() in trained]


@pytest.mark.parametrize("content", ["- a list\n", "complaints: [not, per, language]\n", "just text\n"])
def test_a_message_file_of_another_shape_is_refused(tmp_path, content):
    path = tmp_path / "messages.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="per language"):
        load_message_sets(path)


def test_readings_must_follow_the_questions():
    with pytest.raises(ValueError):
        summarize({"en": ["a", "b"]}, {"en": [{"intent": "greet"}]})


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_the_shipped_model_reads_questions_as_the_running_bot_does():
    readings = read_with_model(train_if_needed(), ["how do I reset my password", "the box was empty", "hi there"])

    assert [reading["intent"] for reading in readings] == ["ask_question", "nlu_fallback", "greet"]
    assert readings[1]["picked"] == "rate_effort"  # DIET's pick, overruled by the arbiter

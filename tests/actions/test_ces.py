"""The Customer Effort Score question: read the answer, re-ask once, save it once, follow up a low score."""
import uuid

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.ces import ActionAskEffortScore, ActionSaveEffortScore, ValidateCesForm
from bot.ces.store import record_resolution
from bot.db import session_scope
from bot.models import SurveyRating
from tests.actions.conftest import make_tracker, responses, run, slots_set
from tests.helpers.sessions import in_session


@pytest.fixture(autouse=True)
def _services(action_services):
    return action_services


def ces_turn(domain, slot, value, intent="rate_effort", slots=None):
    """The tracker ``validate_ces_form`` sees after the customer answered ``slot``."""
    return make_tracker(
        domain, value, intent, slots={"requested_slot": slot, **(slots or {})}, active_loop={"name": "ces_form"},
        trailing=[{"event": "slot", "timestamp": None, "name": slot, "value": value}],
    )


@pytest.fixture
def resolution(action_services):
    """A bot resolution waiting for its rating; returns (conversation id, resolution id)."""
    conversation_id = f"test-{uuid.uuid4().hex[:12]}"
    resolution_id = in_session(action_services.sessions, record_resolution, resolution_key=f"kb:{conversation_id}:1",
                               conversation_id=conversation_id, resolved_by="bot", article_id="reset-password",
                               channel="socketio", language="en")
    return conversation_id, resolution_id


def ratings(action_services, resolution_id):
    with session_scope(action_services.sessions) as session:
        return session.scalars(select(SurveyRating).where(SurveyRating.resolution_id == resolution_id)).all()


# --- ValidateCesForm ----------------------------------------------------------------------------


@pytest.mark.parametrize("answer, language, score", [
    ("6", "en", 6), ("very easy", "en", 7), ("6/7", "en", 6), ("٦", "ar", 6), ("קל מאוד", "he", 7),
    ("velmi snadné", "cs", 7), ("it was a pain", "en", 1),
])
def test_a_readable_answer_is_the_score(dispatcher, domain, answer, language, score):
    events = run(ValidateCesForm(), dispatcher, ces_turn(domain, "effort_score", answer, slots={"language": language}),
                 domain)

    slots = slots_set(events)
    assert (slots["effort_score"], slots["effort_attempts"]) == (score, 0)
    assert "effort_skipped" not in slots


def test_the_score_is_stored_when_given_so_leaving_at_the_comment_question_loses_nothing(
        action_services, domain, resolution):
    conversation_id, resolution_id = resolution
    turn = ces_turn(domain, "effort_score", "pretty hard", slots={"resolution_id": str(resolution_id)})
    turn.sender_id = conversation_id

    events = run(ValidateCesForm(), CollectingDispatcher(), turn, domain)

    assert slots_set(events)["effort_score"] == 2
    [rating] = ratings(action_services, resolution_id)
    assert (rating.score, rating.comment) == (2, None)


def test_the_comment_given_later_goes_on_the_stored_rating(action_services, domain, resolution):
    conversation_id, resolution_id = resolution
    turn = ces_turn(domain, "effort_score", "6", slots={"resolution_id": str(resolution_id)})
    turn.sender_id = conversation_id
    run(ValidateCesForm(), CollectingDispatcher(), turn, domain)
    dispatcher = CollectingDispatcher()

    run(ActionSaveEffortScore(), dispatcher, make_tracker(domain, "the search was good", sender_id=conversation_id, slots={
        "effort_score": 6, "effort_comment": "the search was good", "resolution_id": str(resolution_id)}), domain)

    assert responses(dispatcher) == ["utter_effort_thanks"]
    [rating] = ratings(action_services, resolution_id)
    assert (rating.score, rating.comment) == (6, "the search was good")


@pytest.mark.parametrize("answer, intent, score", [
    ("honestly pretty hard, i had to explain everything twice", "out_of_scope", 2),
    ("it was fine but slow", "ask_question", 4),
])
def test_a_sentence_that_holds_a_score_is_the_score_whatever_nlu_read(dispatcher, domain, answer, intent, score):
    events = run(ValidateCesForm(), dispatcher, ces_turn(domain, "effort_score", answer, intent=intent), domain)

    slots = slots_set(events)
    assert slots["effort_score"] == score
    assert "effort_skipped" not in slots and "next_step" not in slots  # the survey goes on: the comment question


@pytest.mark.parametrize("answer, intent", [
    ("how do I download my invoice", "ask_question"),
    ("can I still return it after 5 days?", "ask_question"),  # a number in a question is not a score
    ("what's the weather going to be in Rome this weekend?", "out_of_scope"),
])
def test_a_question_instead_of_a_score_leaves_the_survey_to_be_answered(action_services, domain, resolution,
                                                                         answer, intent):
    conversation_id, resolution_id = resolution
    turn = ces_turn(domain, "effort_score", answer, intent=intent, slots={"resolution_id": str(resolution_id)})
    turn.sender_id = conversation_id

    slots = slots_set(run(ValidateCesForm(), CollectingDispatcher(), turn, domain))
    assert (slots["effort_score"], slots["effort_skipped"], slots["next_step"]) == (None, True, "answer_question")
    assert slots["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    saved = run(ActionSaveEffortScore(), dispatcher, make_tracker(domain, answer, intent, sender_id=conversation_id, slots={
        "effort_score": None, "effort_skipped": True, "next_step": "answer_question",
        "resolution_id": str(resolution_id)}), domain)

    assert responses(dispatcher) == [], "nothing about the survey: the question is answered next"
    assert slots_set(saved) == {**RESET, "next_step": "answer_question"}
    assert ratings(action_services, resolution_id) == []


def test_an_unreadable_answer_is_asked_again_once_then_dropped(domain):
    first = run(ValidateCesForm(), CollectingDispatcher(), ces_turn(domain, "effort_score", "banana"), domain)
    assert slots_set(first) == {"effort_score": None, "effort_attempts": 1}

    second = run(ValidateCesForm(), CollectingDispatcher(),
                 ces_turn(domain, "effort_score", "banana", slots={"effort_attempts": 1}), domain)

    slots = slots_set(second)
    assert (slots["effort_score"], slots["effort_skipped"], slots["effort_attempts"]) == (None, True, 2)
    assert slots["requested_slot"] is None  # the form ends: no more questions


@pytest.mark.parametrize("answer, intent", [("skip", "deny"), ("no comment", "inform"), ("/deny", "deny"),
                                            ("rather not", "cancel")])
def test_the_customer_can_skip_the_question(dispatcher, domain, answer, intent):
    events = run(ValidateCesForm(), dispatcher, ces_turn(domain, "effort_score", answer, intent=intent), domain)

    slots = slots_set(events)
    assert (slots["effort_score"], slots["effort_skipped"]) == (None, True)
    assert slots["requested_slot"] is None


@pytest.mark.parametrize("answer", ["0", "9", "6/10", "5-6", "<b>5</b>", "😀", "x" * 100_000, "'; DROP TABLE x;--"])
def test_out_of_range_or_odd_answers_are_not_guessed(dispatcher, domain, answer):
    events = run(ValidateCesForm(), dispatcher, ces_turn(domain, "effort_score", answer), domain)
    assert slots_set(events)["effort_score"] is None


def test_a_comment_is_kept_and_capped(dispatcher, domain):
    events = run(ValidateCesForm(), dispatcher, ces_turn(domain, "effort_comment", "ok " * 2000, intent="inform",
                                                         slots={"effort_score": 6}), domain)
    comment = slots_set(events)["effort_comment"]
    assert comment.startswith("ok ok") and len(comment) == 2000


@pytest.mark.parametrize("answer", ["/deny", "skip", "no comment"])
def test_no_comment_is_an_empty_comment(dispatcher, domain, answer):
    events = run(ValidateCesForm(), dispatcher, ces_turn(domain, "effort_comment", answer, intent="deny",
                                                         slots={"effort_score": 6}), domain)
    assert slots_set(events)["effort_comment"] == ""


def test_asking_once_then_more_clearly(domain):
    first, again = CollectingDispatcher(), CollectingDispatcher()
    run(ActionAskEffortScore(), first, make_tracker(domain, ""), domain)
    run(ActionAskEffortScore(), again, make_tracker(domain, "banana", slots={"effort_attempts": 1}), domain)

    assert responses(first) == ["utter_ask_effort_score"]
    assert responses(again) == ["utter_effort_reask"]


# --- ActionSaveEffortScore -----------------------------------------------------------------------


RESET = {"effort_score": None, "effort_comment": None, "effort_attempts": 0, "effort_skipped": False,
         "resolution_id": None}


def test_a_score_is_saved_once(action_services, domain, resolution):
    conversation_id, resolution_id = resolution
    tracker = make_tracker(domain, "great", sender_id=conversation_id,
                           slots={"effort_score": 6, "effort_comment": "quick <b>answer</b>", "resolution_id": str(resolution_id)})

    first, again = CollectingDispatcher(), CollectingDispatcher()
    events = run(ActionSaveEffortScore(), first, tracker, domain)
    run(ActionSaveEffortScore(), again, tracker, domain)

    assert responses(first) == ["utter_effort_thanks"]
    assert slots_set(events) == {**RESET, "next_step": None}
    [rating] = ratings(action_services, resolution_id)
    assert (rating.score, rating.comment, rating.resolved_by, rating.article_id, rating.channel) == (
        6, "quick <b>answer</b>", "bot", "reset-password", "socketio")


@pytest.mark.parametrize("score", [1, 2, 3])
def test_a_low_score_offers_a_person(action_services, domain, resolution, score):
    conversation_id, resolution_id = resolution
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, str(score), sender_id=conversation_id,
                           slots={"effort_score": score, "resolution_id": str(resolution_id)})

    events = run(ActionSaveEffortScore(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_effort_thanks"]
    assert slots_set(events)["next_step"] == "escalate"
    assert slots_set(events)["escalation_reason"] == "low_effort_score"
    assert ratings(action_services, resolution_id)[0].score == score


def test_a_score_above_the_threshold_needs_no_follow_up(domain, resolution):
    conversation_id, resolution_id = resolution
    events = run(ActionSaveEffortScore(), CollectingDispatcher(),
                 make_tracker(domain, "4", sender_id=conversation_id,
                              slots={"effort_score": 4, "resolution_id": str(resolution_id)}), domain)
    assert slots_set(events)["next_step"] is None
    assert "escalation_reason" not in slots_set(events)


@pytest.mark.parametrize("comment, intent, answered", [
    ("also, what's the delivery fee if my order is only 30 euros?", "ask_question", True),
    ("هل يمكن الدفع عند الاستلام؟", "out_of_scope", True),
    ("the returns page was confusing", "ask_question", False),  # feedback on a topic, not a question
    ("why so slow?", "rate_effort", False),  # NLU read it as part of the rating
])
def test_a_comment_that_asks_a_new_question_is_kept_and_then_answered(action_services, domain, resolution,
                                                                      comment, intent, answered):
    conversation_id, resolution_id = resolution
    tracker = make_tracker(domain, comment, intent, sender_id=conversation_id,
                           slots={"effort_score": 6, "effort_comment": comment, "resolution_id": str(resolution_id)})

    events = run(ActionSaveEffortScore(), CollectingDispatcher(), tracker, domain)

    assert slots_set(events)["next_step"] == ("answer_question" if answered else None)
    assert ratings(action_services, resolution_id)[0].comment == comment


@pytest.mark.parametrize("slots", [{"effort_score": None, "effort_skipped": True}, {"effort_score": 6, "resolution_id": None}])
def test_a_skipped_question_saves_nothing_and_says_so(action_services, dispatcher, domain, slots):
    events = run(ActionSaveEffortScore(), dispatcher, make_tracker(domain, "skip", slots=slots), domain)

    assert responses(dispatcher) == ["utter_effort_skipped"]
    assert slots_set(events) == {**RESET, "next_step": None}


def test_a_rating_for_an_unknown_resolution_is_not_an_error(dispatcher, domain):
    events = run(ActionSaveEffortScore(), dispatcher,
                 make_tracker(domain, "6", slots={"effort_score": 6, "resolution_id": "99999999"}), domain)
    assert responses(dispatcher) == ["utter_effort_thanks"]
    assert slots_set(events)["resolution_id"] is None


@pytest.mark.parametrize("score", [1, 7])
def test_a_resolution_of_another_conversation_is_ignored_and_logged(action_services, domain, resolution, score, caplog):
    """A customer who types /EXTERNAL_ticket_resolved{"resolution_id": "..."} with someone else's id rates nothing."""
    _, resolution_id = resolution
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, str(score), sender_id="telegram:666",
                           slots={"effort_score": score, "resolution_id": str(resolution_id)})

    with caplog.at_level("WARNING", logger="actions.ces"):
        events = run(ActionSaveEffortScore(), dispatcher, tracker, domain)

    assert ratings(action_services, resolution_id) == []
    assert responses(dispatcher) == ["utter_effort_thanks"]
    assert slots_set(events) == {**RESET, "next_step": None}, "no follow-up by a person for a rating that was ignored"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"ignored a rating of resolution {resolution_id} by conversation telegram:666: "
                    "the resolution is another conversation's")]


@pytest.mark.parametrize("resolution_id", ["abc", "-1", "0", "1.5", str(2**31), "9" * 40, "  "])
def test_a_resolution_id_that_cannot_exist_saves_nothing(action_services, dispatcher, domain, resolution_id):
    events = run(ActionSaveEffortScore(), dispatcher,
                 make_tracker(domain, "6", slots={"effort_score": 6, "resolution_id": resolution_id}), domain)

    assert responses(dispatcher) == ["utter_effort_skipped"]
    assert slots_set(events) == {**RESET, "next_step": None}

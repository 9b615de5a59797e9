"""``bench-stack``'s action-call figures through the real stack: Rasa's own request for the KB action, taken
from a real turn and replayed to the action server, each replay a new customer's first question."""
import pytest
import requests
from sqlalchemy import func, select

from bot.benchmarks.action_call import ActionCallError, kb_action_request, measure_action_calls, replay
from bot.db import make_engine
from bot.models import KbQuery

pytestmark = pytest.mark.e2e


def test_both_questions_get_figures_from_answered_calls(stack):
    figures = measure_action_calls(stack.running.settings, calls=5)

    assert set(figures) == {"short", "long"}
    for question in ("short", "long"):
        assert figures[question]["count"] == 5
        assert 0 < figures[question]["p50"] <= figures[question]["p95"] <= figures[question]["max"]


def test_each_replay_is_a_conversation_of_its_own_as_in_the_load_test(stack):
    engine = make_engine(stack.database_url)
    with requests.Session() as http:
        request = kb_action_request(stack.running.settings, "how do I reset my password?", http)
        replay(stack.running.settings, request, 3, http)
    replayed = select(func.count(func.distinct(KbQuery.conversation_id))).where(
        KbQuery.conversation_id.like(f"{request.sender_id}-%"))

    def logged() -> int:
        with engine.connect() as connection:
            return connection.scalar(replayed)

    try:
        assert stack.wait_for(lambda: logged() == 3)  # the query log's writer runs after each answer
    finally:
        engine.dispose()


def test_a_turn_the_kb_action_did_not_answer_has_nothing_to_replay(stack):
    with requests.Session() as http, pytest.raises(ActionCallError, match="'hello' was not answered by action_answer_question"):
        kb_action_request(stack.running.settings, "hello", http)


def test_the_replayed_tracker_is_the_one_rasa_sent_before_the_action_ran(stack):
    with requests.Session() as http:
        request = kb_action_request(stack.running.settings, "how do I reset my password?", http)

    assert not any(event.get("event") == "action" and event.get("name") == "action_answer_question"
                   for event in request.tracker["events"])  # Rasa logs the action after its call
    assert request.tracker["latest_message"]["text"] == "how do I reset my password?"
    assert request.tracker["slots"].get("kb_query_id") is None  # what the action sets is not there yet
    assert request.version.startswith("3.6.")

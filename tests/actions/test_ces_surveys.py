"""The survey question with SURVEY=csat and SURVEY=nps: the question asked, the answer read on its scale,
the rating stored with its survey, the low-score follow-up, and NPS not asked twice within the interval."""
import uuid
from collections.abc import Iterator

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.ces import ActionAskEffortScore, ActionSaveEffortScore, ValidateCesForm
from actions.handoff import ActionHandback
from actions.knowledge_base import ActionKbFeedback
from actions.services import Services
from bot.ces.store import record_rating, record_resolution
from bot.db import session_scope
from bot.models import Conversation, SurveyRating
from tests.actions.conftest import action_server_env, configured_services, make_tracker, responses, run, slots_after, slots_set
from tests.helpers.sessions import in_session


@pytest.fixture(params=["csat", "nps"])
def survey(request) -> str:
    return request.param


@pytest.fixture
def survey_services(request, survey, var_dir, database_url, kb_dir, topics_file, helpdesk) -> Iterator[Services]:
    env = action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url)
    with configured_services({**env, "SURVEY": survey, "NPS_INTERVAL_DAYS": "90"}) as built:
        yield built


def bot_resolution(services: Services, conversation_id: str, number: int = 1) -> int:
    return in_session(services.sessions, record_resolution, resolution_key=f"kb:{conversation_id}:{number}",
                      conversation_id=conversation_id, resolved_by="bot", article_id="reset-password",
                      channel="socketio", language="en")


def answer(domain, text: str, survey: str, attempts: int = 0) -> dict:
    tracker = make_tracker(
        domain, text, "rate_effort", slots={"requested_slot": "effort_score", "survey": survey, "effort_attempts": attempts},
        active_loop={"name": "ces_form"}, trailing=[{"event": "slot", "timestamp": None, "name": "effort_score", "value": text}],
    )
    return slots_set(run(ValidateCesForm(), CollectingDispatcher(), tracker, domain))


def test_the_configured_survey_is_asked_and_remembered(survey_services, survey, domain):
    first, again = CollectingDispatcher(), CollectingDispatcher()
    asked = run(ActionAskEffortScore(), first, make_tracker(domain, ""), domain)
    run(ActionAskEffortScore(), again, make_tracker(domain, "banana", slots={"effort_attempts": 1, "survey": survey}),
        domain)

    assert responses(first) == [f"utter_ask_{survey}_score"]
    assert slots_set(asked) == {"survey": survey}
    assert responses(again) == [f"utter_{survey}_reask"]


def test_the_questions_buttons_cover_the_scale(domain):
    def payloads(response):
        return [[button["payload"] for button in variant["buttons"]] for variant in domain["responses"][response]]

    assert payloads("utter_ask_csat_score") == [[str(n) for n in range(1, 6)]] * 4
    assert payloads("utter_ask_nps_score") == [[str(n) for n in range(0, 11)]] * 4


@pytest.mark.parametrize("survey_name, text, score", [
    ("csat", "5", 5), ("csat", "very satisfied", 5), ("csat", "מרוצה מאוד", 5), ("csat", "1", 1),
    ("nps", "0", 0), ("nps", "9", 9), ("nps", "10", 10), ("nps", "٩", 9), ("nps", "definitely would recommend", 10),
])
def test_an_answer_is_read_on_the_scale_that_was_asked(action_services, domain, survey_name, text, score):
    assert answer(domain, text, survey_name) == {"effort_score": score, "effort_attempts": 0}


@pytest.mark.parametrize("survey_name, text", [("csat", "6"), ("csat", "0"), ("nps", "11"), ("nps", "-1")])
def test_an_out_of_range_answer_is_asked_again_once_then_dropped(action_services, domain, survey_name, text):
    assert answer(domain, text, survey_name) == {"effort_score": None, "effort_attempts": 1}
    dropped = answer(domain, text, survey_name, attempts=1)
    assert (dropped["effort_score"], dropped["effort_skipped"]) == (None, True)


def test_skip_works_as_for_ces(action_services, domain):
    slots = answer(domain, "přeskočit", "nps")
    assert (slots["effort_score"], slots["effort_skipped"]) == (None, True)


LOW = {"csat": (2, 3), "nps": (6, 7)}  # the highest low score, the lowest that is not


def test_a_rating_is_stored_with_its_survey_and_customer_and_a_low_score_offers_a_person(survey_services, survey, domain):
    highest_low, lowest_fine = LOW[survey]
    outcomes = {}
    for score in (highest_low, lowest_fine):
        conversation_id = f"test-{uuid.uuid4().hex[:12]}"
        resolution_id = bot_resolution(survey_services, conversation_id)
        tracker = make_tracker(domain, str(score), sender_id=conversation_id,
                               slots={"effort_score": score, "resolution_id": str(resolution_id), "survey": survey})
        events = run(ActionSaveEffortScore(), CollectingDispatcher(), tracker, domain)
        outcomes[score] = (slots_set(events)["next_step"], slots_set(events).get("escalation_reason"))
        with session_scope(survey_services.sessions) as session:
            rating = session.scalar(select(SurveyRating).where(SurveyRating.resolution_id == resolution_id))
            customer_id = session.get(Conversation, conversation_id).customer_id
            assert (rating.survey, rating.score, rating.customer_id) == (survey, score, customer_id)

    assert outcomes == {highest_low: ("escalate", "low_effort_score"), lowest_fine: (None, None)}


@pytest.fixture
def nps_services(var_dir, database_url, kb_dir, topics_file, helpdesk) -> Iterator[Services]:
    env = action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url)
    with configured_services({**env, "SURVEY": "nps"}) as built:
        yield built


def helped(domain, conversation_id: str) -> dict:
    tracker = make_tracker(domain, "yes", "affirm", sender_id=conversation_id, channel="socketio",
                           slots={"awaiting_feedback": True, "kb_article_id": "reset-password"})
    return slots_after(tracker, run(ActionKbFeedback(), CollectingDispatcher(), tracker, domain))


def test_nps_is_not_asked_again_after_a_bot_resolution_within_the_interval(nps_services, domain):
    conversation_id = f"test-{uuid.uuid4().hex[:12]}"
    first = helped(domain, conversation_id)
    assert first["next_step"] == "ask_effort"
    in_session(nps_services.sessions, record_rating, resolution_id=int(first["resolution_id"]),
               conversation_id=conversation_id, score=9, survey="nps")

    assert helped(domain, conversation_id)["next_step"] is None


@pytest.mark.parametrize("rated_before, asked", [(False, "ask_effort"), (True, None)])
def test_nps_is_not_asked_again_at_a_handback_within_the_interval(nps_services, domain, rated_before, asked):
    conversation_id = f"test-{uuid.uuid4().hex[:12]}"
    if rated_before:
        rated = bot_resolution(nps_services, conversation_id, 1)
        in_session(nps_services.sessions, record_rating, resolution_id=rated, conversation_id=conversation_id,
                   score=3, survey="nps")
    tracker = make_tracker(domain, "", "EXTERNAL_ticket_resolved", sender_id=conversation_id,
                           slots={"handoff_active": True},
                           entities=[{"entity": "resolution_id", "value": str(bot_resolution(nps_services, conversation_id, 2))}],
                           history=[make_tracker(domain, "thanks!", "thank").events[-1]])

    events = run(ActionHandback(), CollectingDispatcher(), tracker, domain)

    assert slots_set(events)["next_step"] == asked

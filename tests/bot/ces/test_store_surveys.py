"""CSAT and NPS ratings in a real migrated database: which survey, whose customer, and NPS's interval."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.ces.store import RatingOutcome, record_rating, record_resolution, should_ask
from bot.customers.store import customer_for_conversation
from bot.db import session_scope, utcnow
from bot.models import Conversation, SurveyRating
from bot.settings import load_settings
from tests.helpers.sessions import in_session


def resolve(sessions, conversation_id: str, key: str) -> int:
    return in_session(sessions, record_resolution, resolution_key=key, conversation_id=conversation_id,
                      resolved_by="bot", article_id="reset-password", channel="socketio", language="en")


def rate(sessions, conversation_id: str, key: str, score: int, survey: str) -> RatingOutcome:
    return in_session(sessions, record_rating, resolution_id=resolve(sessions, conversation_id, key),
                      conversation_id=conversation_id, score=score, survey=survey)


@pytest.fixture
def nps_settings(tmp_path):
    return load_settings({"SURVEY": "nps", "NPS_INTERVAL_DAYS": "90", "EFFORTLESS_VAR_DIR": str(tmp_path)})


def asks(sessions, settings, conversation_id: str, **kwargs) -> bool:
    return in_session(sessions, should_ask, settings=settings, resolved_by="bot", conversation_id=conversation_id,
                      **kwargs)


@pytest.mark.parametrize("survey, score", [("csat", 5), ("nps", 0), ("nps", 10), ("ces", 7)])
def test_a_rating_stores_its_survey_and_the_customer(sessions, survey, score):
    assert rate(sessions, "conv-1", "kb:conv-1:1", score, survey) == RatingOutcome.SAVED

    with session_scope(sessions) as session:
        rating = session.scalar(select(SurveyRating))
        customer_id = session.get(Conversation, "conv-1").customer_id
        assert (rating.survey, rating.score, rating.customer_id) == (survey, score, customer_id)
        assert (rating.resolved_by, rating.article_id, rating.channel, rating.language) == (
            "bot", "reset-password", "socketio", "en")


@pytest.mark.parametrize("survey, score", [("csat", 6), ("csat", 0), ("nps", 11), ("nps", -1), ("ces", 0)])
def test_a_score_outside_its_surveys_scale_is_refused_and_nothing_is_stored(sessions, survey, score):
    with pytest.raises(ValueError, match=f"{survey.upper()} score is a whole number"):
        rate(sessions, "conv-1", "kb:conv-1:1", score, survey)
    with session_scope(sessions) as session:
        assert session.scalar(select(SurveyRating)) is None


def test_nps_is_asked_once_per_customer_per_interval(sessions, nps_settings):
    assert asks(sessions, nps_settings, "conv-1") is True
    rate(sessions, "conv-1", "kb:conv-1:1", 9, "nps")

    assert asks(sessions, nps_settings, "conv-1") is False  # the same conversation
    assert asks(sessions, nps_settings, "conv-1", now=utcnow() + timedelta(days=89)) is False
    assert asks(sessions, nps_settings, "conv-1", now=utcnow() + timedelta(days=91)) is True
    assert asks(sessions, nps_settings, "conv-2") is True  # somebody else


def test_nps_counts_the_customer_on_all_their_conversations(sessions, nps_settings):
    rate(sessions, "conv-1", "kb:conv-1:1", 3, "nps")
    with session_scope(sessions) as session:  # a second conversation of the same customer
        customer_id = customer_for_conversation(session, conversation_id="conv-2", channel="socketio").id
        session.execute(update(Conversation).where(Conversation.id == "conv-2").values(
            customer_id=session.get(Conversation, "conv-1").customer_id))
        assert customer_id is not None

    assert asks(sessions, nps_settings, "conv-2") is False


def test_an_nps_rating_older_than_the_interval_or_another_survey_does_not_count(sessions, nps_settings):
    rate(sessions, "conv-1", "kb:conv-1:1", 9, "nps")
    rate(sessions, "conv-1", "kb:conv-1:2", 5, "csat")
    with session_scope(sessions) as session:
        session.execute(update(SurveyRating).where(SurveyRating.survey == "nps")
                        .values(created_at=utcnow() - timedelta(days=91)))

    assert asks(sessions, nps_settings, "conv-1") is True


def test_without_a_customer_record_nps_is_counted_per_conversation(sessions, nps_settings):
    resolution_id = resolve(sessions, "conv-1", "kb:conv-1:1")
    with session_scope(sessions) as session:  # a rating from before ratings named their customer
        session.add(SurveyRating(survey="nps", resolution_id=resolution_id, conversation_id="conv-1", score=8,
                                 resolved_by="bot", language="en", created_at=utcnow()))

    assert asks(sessions, nps_settings, "conv-1") is False
    assert asks(sessions, nps_settings, "conv-3") is True


@pytest.mark.parametrize("survey", ["ces", "csat"])
def test_ces_and_csat_are_asked_after_every_resolution(sessions, tmp_path, survey):
    settings = load_settings({"SURVEY": survey, "EFFORTLESS_VAR_DIR": str(tmp_path)})
    rate(sessions, "conv-1", "kb:conv-1:1", 4, survey)

    assert asks(sessions, settings, "conv-1") is True

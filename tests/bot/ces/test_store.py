"""Resolutions and ratings in a real migrated database: idempotent, never rated twice."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.ces.store import (
    MAX_COMMENT_CHARS,
    RatingOutcome,
    already_rated,
    is_low_score,
    record_rating,
    record_resolution,
    should_ask,
)
from bot.db import session_scope, utcnow
from bot.models import Agent, Conversation, Customer, Resolution, SurveyRating, Ticket
from bot.settings import load_settings
from tests.helpers.sessions import in_session


def add_agent_and_ticket(sessions) -> tuple:
    with session_scope(sessions) as session:
        agent = Agent(email="dana@example.com", name="Dana", role="agent", password_hash="x")
        session.add(agent)
        session.flush()
        ticket = Ticket(
            idempotency_key="esc-1", conversation_id="conv-9", channel="telegram", language="he",
            subject="refund", reason="customer_request", assignee_id=agent.id, created_at=utcnow(),
        )
        session.add(ticket)
        session.flush()
        return agent.id, ticket.id


def bot_resolution(sessions, key="bot:conv-1:1", **overrides) -> int:
    fields = dict(resolution_key=key, conversation_id="conv-1", resolved_by="bot",
                  article_id="reset-password", channel="socketio", language="cs")
    fields.update(overrides)
    return in_session(sessions, record_resolution, **fields)


def rate(sessions, resolution_id, **rating) -> RatingOutcome:
    """A rating given in conv-1, the conversation of :func:`bot_resolution`."""
    return in_session(sessions, record_rating, resolution_id=resolution_id, conversation_id="conv-1", **rating)


def count(sessions, model) -> int:
    with session_scope(sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_recording_the_same_resolution_twice_returns_the_same_id_and_stores_one_row(sessions):
    first = bot_resolution(sessions)
    second = bot_resolution(sessions, channel="slack")

    assert first == second
    assert count(sessions, Resolution) == 1
    with session_scope(sessions) as session:
        assert session.get(Resolution, first).channel == "socketio"


def test_concurrent_recordings_of_one_resolution_store_one_row(sessions):
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(lambda _: bot_resolution(sessions, key="bot:race"), range(8)))

    assert len(set(ids)) == 1
    assert count(sessions, Resolution) == 1


def test_an_agent_resolution_takes_agent_and_channel_from_its_ticket(sessions):
    agent_id, ticket_id = add_agent_and_ticket(sessions)

    resolution_id = in_session(sessions, record_resolution, resolution_key="ticket:1:1", conversation_id="conv-9",
                               resolved_by="agent", ticket_id=ticket_id, language="he")

    with session_scope(sessions) as session:
        resolution = session.get(Resolution, resolution_id)
        assert (resolution.agent_id, resolution.channel, resolution.language) == (agent_id, "telegram", "he")
        assert resolution.created_at.tzinfo is not None


@pytest.mark.parametrize("bad, message", [
    ({"resolved_by": "robot"}, "resolved_by must be 'bot' or 'agent'"),
    ({"resolution_key": ""}, "resolution_key is required"),
    ({"resolution_key": "k" * 256}, "resolution_key is longer than 255"),
    ({"conversation_id": "  "}, "conversation_id is required"),
    ({"ticket_id": 424242}, "unknown ticket id 424242"),
    ({"agent_id": 77}, "unknown agent id 77"),
    ({"channel": "c" * 51}, "channel is longer than 50"),
])
def test_a_bad_resolution_is_refused_with_a_clear_message(sessions, bad, message):
    with pytest.raises(ValueError, match=message):
        bot_resolution(sessions, **bad)
    assert count(sessions, Resolution) == 0


def test_a_rating_copies_the_resolution_context(sessions):
    resolution_id = bot_resolution(sessions)

    outcome = rate(sessions, resolution_id, score=6, comment="rychlé a jasné")

    assert outcome == RatingOutcome.SAVED == "saved"
    with session_scope(sessions) as session:
        rating = session.scalar(select(SurveyRating))
        assert (rating.conversation_id, rating.resolved_by, rating.article_id, rating.channel, rating.language) == (
            "conv-1", "bot", "reset-password", "socketio", "cs")
        assert (rating.score, rating.comment, rating.ticket_id, rating.agent_id) == (6, "rychlé a jasné", None, None)
        assert rating.created_at.tzinfo is not None


def test_a_resolution_is_never_rated_twice(sessions):
    resolution_id = bot_resolution(sessions)
    rate(sessions, resolution_id, score=2)

    assert in_session(sessions, already_rated, resolution_id=resolution_id) is True
    assert rate(sessions, resolution_id, score=7) == RatingOutcome.ALREADY_RATED
    with session_scope(sessions) as session:
        assert session.scalars(select(SurveyRating.score)).all() == [2]


def test_a_comment_goes_on_the_score_given_before_it_once(sessions):
    resolution_id = bot_resolution(sessions)
    rate(sessions, resolution_id, score=2)

    def comment(text, conversation_id="conv-1"):
        return in_session(sessions, record_rating, resolution_id=resolution_id, conversation_id=conversation_id,
                          score=2, comment=text)

    assert comment("  ") == RatingOutcome.ALREADY_RATED  # nothing to store
    assert comment("the form asked my e-mail twice", conversation_id="telegram:666") == RatingOutcome.OTHER_CONVERSATION
    assert comment("the form asked my e-mail twice") == RatingOutcome.ALREADY_RATED
    assert comment("a second thought") == RatingOutcome.ALREADY_RATED  # the first comment stays
    with session_scope(sessions) as session:
        assert session.execute(select(SurveyRating.score, SurveyRating.comment)).all() == [
            (2, "the form asked my e-mail twice")]


def test_concurrent_ratings_of_one_resolution_store_one(sessions):
    resolution_id = bot_resolution(sessions)

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(
            lambda score: rate(sessions, resolution_id, score=score), [1, 2, 3, 4, 5, 6]
        ))

    assert outcomes.count(RatingOutcome.SAVED) == 1
    assert outcomes.count(RatingOutcome.ALREADY_RATED) == 5
    assert count(sessions, SurveyRating) == 1


def test_rating_an_unknown_resolution_stores_nothing(sessions):
    assert in_session(sessions, already_rated, resolution_id=999) is False
    assert rate(sessions, 999, score=5) == RatingOutcome.UNKNOWN_RESOLUTION
    assert count(sessions, SurveyRating) == 0


@pytest.mark.parametrize("conversation_id", ["conv-2", "CONV-1", "conv-1 ", ""])
def test_only_the_conversation_of_a_resolution_can_rate_it(sessions, conversation_id):
    resolution_id = bot_resolution(sessions)

    outcome = in_session(sessions, record_rating, resolution_id=resolution_id, conversation_id=conversation_id, score=1)

    assert outcome == RatingOutcome.OTHER_CONVERSATION
    assert count(sessions, SurveyRating) == 0
    assert rate(sessions, resolution_id, score=6) == RatingOutcome.SAVED


@pytest.mark.parametrize("score", [0, 8, -1, 100, 6.5, "6", None, True])
def test_an_out_of_range_or_non_integer_score_is_a_value_error(sessions, score):
    resolution_id = bot_resolution(sessions)

    with pytest.raises(ValueError, match="a CES score is a whole number from 1 to 7"):
        rate(sessions, resolution_id, score=score)
    assert in_session(sessions, already_rated, resolution_id=resolution_id) is False


def test_a_huge_or_binary_comment_is_stored_capped_as_plain_text(sessions):
    resolution_id = bot_resolution(sessions)
    huge_binary = "a\x00b\x07c\ud800" + "x" * 100_000
    outcome = rate(sessions, resolution_id, score=4, comment=huge_binary)

    assert outcome == RatingOutcome.SAVED

    with session_scope(sessions) as session:
        comment = session.scalar(select(SurveyRating.comment))
    assert len(comment) == MAX_COMMENT_CHARS
    assert comment.startswith("abc\ufffdxxx") and comment.endswith("…")


@pytest.mark.parametrize("ask_after, bot, agent", [
    ("both", True, True),
    ("bot", True, False),
    ("agent", False, True),
    ("never", False, False),
])
def test_ces_ask_after_decides_when_to_ask(sessions, tmp_path, ask_after, bot, agent):
    settings = load_settings({"CES_ASK_AFTER": ask_after, "EFFORTLESS_VAR_DIR": str(tmp_path)})

    def ask(resolved_by):
        return in_session(sessions, should_ask, settings=settings, resolved_by=resolved_by, conversation_id="conv-1")

    assert (ask("bot"), ask("agent")) == (bot, agent)
    with pytest.raises(ValueError):
        ask("customer")


def test_low_scores_are_at_or_below_the_threshold(tmp_path):
    default = load_settings({"EFFORTLESS_VAR_DIR": str(tmp_path)})
    strict = load_settings({"CES_LOW_SCORE_THRESHOLD": "4", "EFFORTLESS_VAR_DIR": str(tmp_path)})

    assert [is_low_score(default, score) for score in range(1, 8)] == [True, True, True, False, False, False, False]
    assert is_low_score(strict, 4) is True
    with pytest.raises(ValueError):
        is_low_score(default, 0)


def test_csat_and_nps_low_scores_are_the_dissatisfied_and_the_detractors(tmp_path):
    settings = load_settings({"CES_LOW_SCORE_THRESHOLD": "5", "EFFORTLESS_VAR_DIR": str(tmp_path)})

    assert [score for score in range(1, 6) if is_low_score(settings, score, "csat")] == [1, 2]
    assert [score for score in range(0, 11) if is_low_score(settings, score, "nps")] == [0, 1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="CSAT score is a whole number from 1 to 5"):
        is_low_score(settings, 6, "csat")
    with pytest.raises(ValueError, match="NPS score is a whole number from 0 to 10"):
        is_low_score(settings, 11, "nps")
    with pytest.raises(ValueError, match="unknown survey"):
        is_low_score(settings, 3, "sus")


def test_a_rating_belongs_to_the_conversations_customer(sessions):
    rate(sessions, bot_resolution(sessions), score=6)

    with session_scope(sessions) as session:
        conversation = session.get(Conversation, "conv-1")
        assert (conversation.channel, conversation.language) == ("socketio", "cs")
        assert session.get(Customer, conversation.customer_id) is not None

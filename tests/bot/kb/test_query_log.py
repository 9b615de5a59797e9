"""The KB query log against a real, migrated SQLite database."""
import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kb.query_log import kb_attempts_for_conversation, mark_helped, record_query
from bot.models import Conversation, Customer, KbQuery
from tests.helpers.sessions import in_session


def _record(sessions, **overrides):
    values = dict(conversation_id="c1", question="where is my order", language="en", outcome="answer",
                  article_id="track-order", score=0.91, channel="socketio")
    values.update(overrides)
    return in_session(sessions, record_query, **values)


def test_every_outcome_is_recorded_with_its_details(sessions):
    ids = [
        _record(sessions),
        _record(sessions, outcome="clarify", article_id=None, score=0.4),
        _record(sessions, outcome="abstain", article_id=None, score=None, question="weather?"),
    ]
    with session_scope(sessions) as session:
        rows = session.scalars(select(KbQuery).order_by(KbQuery.id)).all()
    assert [r.id for r in rows] == ids
    assert [(r.outcome, r.article_id, r.score) for r in rows] == [
        ("answer", "track-order", 0.91), ("clarify", None, 0.4), ("abstain", None, None)
    ]
    assert rows[0].channel == "socketio" and rows[0].helped is None
    assert rows[0].created_at.tzinfo is not None


def test_an_answer_that_did_not_help_becomes_a_miss(sessions):
    helped, not_helped = _record(sessions), _record(sessions)
    assert in_session(sessions, mark_helped, query_id=helped, helped=True) and in_session(
        sessions, mark_helped, query_id=not_helped, helped=False
    )
    with session_scope(sessions) as session:
        assert (session.get(KbQuery, helped).outcome, session.get(KbQuery, helped).helped) == ("answer", True)
        assert (session.get(KbQuery, not_helped).outcome, session.get(KbQuery, not_helped).helped) == ("miss", False)


def test_a_clarification_answered_with_none_of_these_becomes_a_miss(sessions):
    clarification = _record(sessions, outcome="clarify", article_id=None, score=0.4)
    assert in_session(sessions, mark_helped, query_id=clarification, helped=False)
    with session_scope(sessions) as session:
        assert (session.get(KbQuery, clarification).outcome, session.get(KbQuery, clarification).helped) == ("miss", False)


def test_marking_an_unknown_query_says_so(sessions):
    assert in_session(sessions, mark_helped, query_id=999_999, helped=True) is False


@pytest.mark.parametrize(
    "question",
    ["'; DROP TABLE kb_queries; --", "איפה ההזמנה שלי", "أين طلبي", "😀" * 10, "<script>alert(1)</script>"],
)
def test_any_question_text_is_stored_verbatim(sessions, question):
    query_id = _record(sessions, question=question)
    with session_scope(sessions) as session:
        assert session.get(KbQuery, query_id).question == question


def test_a_huge_question_is_stored_truncated(sessions):
    query_id = _record(sessions, question="x" * 100_000)
    with session_scope(sessions) as session:
        stored = session.get(KbQuery, query_id).question
    assert len(stored) == 10_000 and stored.endswith("…")


@pytest.mark.parametrize("bad", [dict(outcome="maybe"), dict(score=1.5), dict(score=-0.1)])
def test_invalid_values_are_refused_with_a_clear_message(sessions, bad):
    with pytest.raises(ValueError):
        _record(sessions, **bad)


def test_attempts_of_one_conversation_in_order_for_the_ticket(sessions, demo_kb):
    first = _record(sessions)
    in_session(sessions, mark_helped, query_id=first, helped=False)
    _record(sessions, outcome="abstain", article_id=None, score=None, question="still lost")
    _record(sessions, conversation_id="other")
    attempts = in_session(sessions, kb_attempts_for_conversation, conversation_id="c1", knowledge_base=demo_kb)
    assert [(a["article_id"], a["outcome"], a["helped"]) for a in attempts] == [
        ("track-order", "miss", False), (None, "abstain", None)
    ]
    assert attempts[0]["title"] == "Where is my order?" and attempts[0]["score"] == 0.91
    assert in_session(sessions, kb_attempts_for_conversation, conversation_id="nobody") == []


def test_a_question_makes_the_conversation_a_customers_and_a_second_one_keeps_that_customer(sessions):
    _record(sessions, conversation_id="telegram:52", channel="telegram")
    _record(sessions, conversation_id="telegram:52", channel="telegram", language="he")

    with session_scope(sessions) as session:
        conversation = session.get(Conversation, "telegram:52")
        assert (conversation.channel, conversation.language) == ("telegram", "he")
        assert session.scalar(select(func.count()).select_from(Customer)) == 1

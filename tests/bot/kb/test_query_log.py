"""The KB query log against a real, migrated SQLite database."""
import logging
import time

import pytest
from sqlalchemy import func, select

from bot.db import make_engine, make_session_factory, migrate, session_scope
from bot.kb.query_log import QueryLogWriter, kb_attempts_for_conversation, mark_helped, record_query
from bot.models import Conversation, Customer, KbQuery
from tests.helpers.sessions import in_session


def _row(session, query_key):
    return session.scalar(select(KbQuery).where(KbQuery.query_key == query_key))


def _record(sessions, **overrides):
    values = dict(conversation_id="c1", question="where is my order", language="en", outcome="answer",
                  article_id="track-order", score=0.91, channel="socketio")
    values.update(overrides)
    return in_session(sessions, record_query, **values)


def test_every_outcome_is_recorded_with_its_details(sessions):
    keys = [
        _record(sessions),
        _record(sessions, outcome="clarify", article_id=None, score=0.4),
        _record(sessions, outcome="abstain", article_id=None, score=None, question="weather?"),
    ]
    with session_scope(sessions) as session:
        rows = session.scalars(select(KbQuery).order_by(KbQuery.id)).all()
    assert [r.query_key for r in rows] == keys and len(set(keys)) == 3
    assert [(r.outcome, r.article_id, r.score) for r in rows] == [
        ("answer", "track-order", 0.91), ("clarify", None, 0.4), ("abstain", None, None)
    ]
    assert rows[0].channel == "socketio" and rows[0].helped is None
    assert rows[0].created_at.tzinfo is not None


def test_an_answer_that_did_not_help_becomes_a_miss(sessions):
    helped, not_helped = _record(sessions), _record(sessions)
    assert in_session(sessions, mark_helped, query_key=helped, helped=True) and in_session(
        sessions, mark_helped, query_key=not_helped, helped=False
    )
    with session_scope(sessions) as session:
        assert (_row(session, helped).outcome, _row(session, helped).helped) == ("answer", True)
        assert (_row(session, not_helped).outcome, _row(session, not_helped).helped) == ("miss", False)


def test_a_clarification_answered_with_none_of_these_becomes_a_miss(sessions):
    clarification = _record(sessions, outcome="clarify", article_id=None, score=0.4)
    assert in_session(sessions, mark_helped, query_key=clarification, helped=False)
    with session_scope(sessions) as session:
        assert (_row(session, clarification).outcome, _row(session, clarification).helped) == ("miss", False)


def test_marking_an_unknown_query_says_so(sessions):
    assert in_session(sessions, mark_helped, query_key="999999", helped=True) is False


@pytest.mark.parametrize(
    "question",
    ["'; DROP TABLE kb_queries; --", "איפה ההזמנה שלי", "أين طلبي", "😀" * 10, "<script>alert(1)</script>"],
)
def test_any_question_text_is_stored_verbatim(sessions, question):
    query_key = _record(sessions, question=question)
    with session_scope(sessions) as session:
        assert _row(session, query_key).question == question


def test_a_huge_question_is_stored_truncated(sessions):
    query_key = _record(sessions, question="x" * 100_000)
    with session_scope(sessions) as session:
        stored = _row(session, query_key).question
    assert len(stored) == 10_000 and stored.endswith("…")


@pytest.mark.parametrize("bad", [dict(outcome="maybe"), dict(score=1.5), dict(score=-0.1)])
def test_invalid_values_are_refused_with_a_clear_message(sessions, bad):
    with pytest.raises(ValueError):
        _record(sessions, **bad)


def test_attempts_of_one_conversation_in_order_for_the_ticket(sessions, demo_kb):
    first = _record(sessions)
    in_session(sessions, mark_helped, query_key=first, helped=False)
    _record(sessions, outcome="abstain", article_id=None, score=None, question="still lost")
    _record(sessions, conversation_id="other")
    attempts = in_session(sessions, kb_attempts_for_conversation, conversation_id="c1", knowledge_base=demo_kb)
    assert [(a["article_id"], a["outcome"], a["helped"]) for a in attempts] == [
        ("track-order", "miss", False), (None, "abstain", None)
    ]
    assert attempts[0]["title"] == "Where is my order?" and attempts[0]["score"] == 0.91
    assert in_session(sessions, kb_attempts_for_conversation, conversation_id="nobody") == []


def test_a_lookup_without_a_language_or_channel_is_stored_with_the_defaults(sessions):
    key = _record(sessions, conversation_id="c-bare", language="", channel="")

    with session_scope(sessions) as session:
        row = _row(session, key)
        assert (row.language, row.channel, row.helped) == ("en", None, None)
        assert session.get(Conversation, "c-bare").channel == "unknown"


def test_a_question_makes_the_conversation_a_customers_and_a_second_one_keeps_that_customer(sessions):
    _record(sessions, conversation_id="telegram:52", channel="telegram")
    _record(sessions, conversation_id="telegram:52", channel="telegram", language="he")

    with session_scope(sessions) as session:
        conversation = session.get(Conversation, "telegram:52")
        assert (conversation.channel, conversation.language) == ("telegram", "he")
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


# --- QueryLogWriter: the action server's log, written after the answer ------------------------------

LOOKUP = dict(conversation_id="web:w1", question="where is my order", language="en", outcome="answer",
              article_id="track-order", score=0.91, channel="socketio")


def test_the_writer_gives_the_key_at_once_and_the_row_is_there_after_a_flush(sessions):
    writer = QueryLogWriter(sessions)
    keys = [writer.submit(**LOOKUP), writer.submit(**{**LOOKUP, "outcome": "clarify", "article_id": None})]

    assert writer.flush(timeout_s=10)
    assert in_session(sessions, mark_helped, query_key=keys[0], helped=True)
    with session_scope(sessions) as session:
        assert [(r.query_key, r.outcome, r.helped) for r in session.scalars(select(KbQuery).order_by(KbQuery.id))] == [
            (keys[0], "answer", True), (keys[1], "clarify", None)]
        assert session.get(Conversation, "web:w1") is not None  # the customer's record, as record_query makes it
    writer.close()


def test_the_writer_refuses_a_bad_lookup_in_the_callers_thread(sessions):
    writer = QueryLogWriter(sessions)
    with pytest.raises(ValueError, match="outcome"):
        writer.submit(**{**LOOKUP, "outcome": "maybe"})
    assert writer.flush(timeout_s=1)  # nothing was queued


def test_lookups_queued_while_the_database_cannot_take_them_are_written_once_it_can(settings):
    sessions = make_session_factory(make_engine(settings.database_url))  # not migrated yet: every write fails
    writer = QueryLogWriter(sessions, attempts=100, retry_delay_s=0.1)
    key = writer.submit(**LOOKUP)
    time.sleep(0.5)  # the first attempts fail
    migrate(settings)
    assert writer.flush(timeout_s=20)
    with session_scope(sessions) as session:
        assert _row(session, key).question == "where is my order"
    writer.close()


def test_a_lookup_that_cannot_be_written_is_logged_with_its_fields(tmp_path, caplog):
    sessions = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}"))
    writer = QueryLogWriter(sessions, attempts=2, retry_delay_s=0.01)
    with caplog.at_level(logging.ERROR, logger="effortless.kb"):
        writer.submit(**LOOKUP)
        assert writer.flush(timeout_s=10)
    assert "KB query not logged after 2 attempts" in caplog.text and "where is my order" in caplog.text
    writer.close()

"""The KB query log: every answer, clarification, abstention and miss, for the KB-gap report.

Functions take the caller's ``Session`` and keyword arguments; the caller owns the transaction
(the actions use ``actions.services.in_session``, which wraps ``bot.db.session_scope``). The action
server logs through a :class:`QueryLogWriter`, which writes after the answer has gone out.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.customers.store import customer_for_conversation
from bot.db import session_scope, utcnow
from bot.models import KbQuery, new_query_key

log = logging.getLogger("effortless.kb")

OUTCOMES = ("answer", "clarify", "abstain", "miss")
HELP_CENTRE = "help_centre"
"""The channel and conversation id of help-centre searches: logged for the KB-gap report, but no
conversation of a customer (no customer record, not counted in containment or FCR)."""
MAX_LOGGED_QUESTION_CHARS = 10_000
"""A pasted 100 KB message is logged by its first 10 000 characters (marked with "…"): enough for the
report, bounded for the database."""


def query_fields(
    *,
    conversation_id: str,
    question: str,
    language: str,
    outcome: str,
    article_id: str | None = None,
    score: float | None = None,
    channel: str | None = None,
    query_key: str | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """One lookup's columns, checked and bounded; raises ``ValueError`` for an unknown outcome or a bad score."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    question = question or ""
    if len(question) > MAX_LOGGED_QUESTION_CHARS:
        question = question[: MAX_LOGGED_QUESTION_CHARS - 1] + "…"
    if score is not None and not (0.0 <= float(score) <= 1.0):
        raise ValueError(f"score must be between 0 and 1, got {score!r}")
    return {
        "query_key": query_key or new_query_key(), "conversation_id": conversation_id,
        "channel": (channel or None) and channel[:50], "question": question, "language": (language or "en")[:10],
        "article_id": article_id, "score": None if score is None else float(score), "outcome": outcome,
        "created_at": created_at or utcnow(),
    }


_INSERT_QUERY = insert(KbQuery.metadata.tables[KbQuery.__tablename__])
"""A lookup's row as one cached Core statement on the table (``KbQuery.__table__``, typed as the Table it is):
the ORM object it replaces was flushed by the unit of work, and ``insert(KbQuery)`` takes the ORM's slower path
too (docs/performance.md, "A lookup's row without the ORM's unit of work")."""


def store_query(session: Session, fields: dict[str, Any]) -> str:
    """Add one lookup (from :func:`query_fields`) and, for a customer's conversation, its customer; returns its key."""
    session.execute(_INSERT_QUERY, fields)
    if fields["channel"] != HELP_CENTRE:
        # The conversation belongs to a customer from its first question on (their history in the console).
        customer_for_conversation(session, conversation_id=fields["conversation_id"],
                                  channel=fields["channel"] or "unknown", language=fields["language"],
                                  now=fields["created_at"])
    session.flush()
    return fields["query_key"]


def record_query(session: Session, **fields: Any) -> str:
    """Store one KB lookup now and return its key (kept in a slot so the customer's "did it help?" can be
    attached). Takes :func:`query_fields`'s arguments."""
    return store_query(session, query_fields(**fields))


class QueryLogWriter:
    """Writes the action server's KB lookups in a thread of its own, after the answer has gone out.

    Why: the row, and on a conversation's first question its customer record, cost the action server as
    much as the search itself, on the customer's time (docs/performance.md). :meth:`submit` checks the
    lookup and makes its key at once, so the slot that lets "did that help?" find the row is set before
    the row exists; lookups queued meanwhile are written together, in one transaction. Whatever reads
    the log calls :meth:`flush` first. A write that fails is tried again (``attempts`` in all, a second
    apart), each lookup on its own; one that still fails is logged with its fields, never silently lost.
    """

    def __init__(self, sessions: sessionmaker, attempts: int = 3, retry_delay_s: float = 1.0, batch_size: int = 100):
        self._sessions = sessions
        self._attempts = attempts
        self._retry_delay_s = retry_delay_s
        self._batch_size = batch_size
        self._queue: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._unwritten = 0
        self._written = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, **fields: Any) -> str:
        """Queue one lookup (:func:`query_fields`'s arguments) and return its key."""
        checked = query_fields(**fields)
        with self._written:
            self._unwritten += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._write_forever, name="kb-query-log", daemon=True)
                self._thread.start()
        self._queue.put(checked)
        return checked["query_key"]

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until every lookup submitted so far is written (or given up on); False after ``timeout_s``
        (a customer's turn waits at most that long while the database is failing: the writer keeps trying)."""
        with self._written:
            return self._written.wait_for(lambda: self._unwritten == 0, timeout=timeout_s)

    def close(self, timeout_s: float = 30.0) -> bool:
        """Write what is queued, then stop the thread (the action server's shutdown)."""
        written = self.flush(timeout_s)
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout_s)
        return written

    def _write_forever(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._batch_size:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(following)
            self._write(batch)
            with self._written:
                self._unwritten -= len(batch)
                self._written.notify_all()

    def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            self._store(batch)
            return
        except Exception:  # retried below, one by one, so one bad lookup cannot sink the others
            pass
        for fields in batch:
            for attempt in range(1, self._attempts + 1):
                try:
                    self._store([fields])
                    break
                except Exception as exc:  # a dead database must not stop the writer
                    if attempt == self._attempts:
                        log.error("KB query not logged after %d attempts (%s: %s): %r", attempt,
                                  type(exc).__name__, exc, fields)
                    else:
                        time.sleep(self._retry_delay_s)

    def _store(self, batch: list[dict[str, Any]]) -> None:
        with session_scope(self._sessions) as session:
            for fields in batch:
                store_query(session, fields)


def mark_helped(session: Session, *, query_key: str, helped: bool) -> bool:
    """Record the customer's answer to "did this help?"; an answer that did not help, or a "Did you mean …?"
    answered with "None of these", becomes a ``miss`` (so the KB-gap report counts it).

    Returns False when there is no such query (e.g. a slot from before a database reset).
    """
    row = session.scalar(select(KbQuery).where(KbQuery.query_key == str(query_key)))
    if row is None:
        return False
    row.helped = bool(helped)
    if not helped and row.outcome in ("answer", "clarify"):
        row.outcome = "miss"
    return True


def kb_attempts_for_conversation(
    session: Session, *, conversation_id: str, limit: int = 20, knowledge_base=None
) -> list[dict[str, Any]]:
    """What the bot tried in this conversation, oldest first, for the ticket an agent receives.

    Each item: ``article_id``, ``title`` (when ``knowledge_base`` knows the article), ``score``, ``outcome``,
    ``question``, ``language``, ``helped``, ``created_at`` (ISO 8601 UTC).
    """
    rows = session.scalars(
        select(KbQuery).where(KbQuery.conversation_id == conversation_id).order_by(KbQuery.id.desc()).limit(limit)
    ).all()
    attempts = []
    for row in reversed(rows):
        article = knowledge_base.article(row.article_id) if knowledge_base is not None and row.article_id else None
        attempts.append(
            {
                "article_id": row.article_id,
                "title": article.title if article is not None else None,
                "score": row.score,
                "outcome": row.outcome,
                "question": row.question[:500],
                "language": row.language,
                "helped": row.helped,
                "created_at": row.created_at.isoformat(),
            }
        )
    return attempts

"""The KB query log: every answer, clarification, abstention and miss, for the KB-gap report.

Functions take the caller's ``Session`` and keyword arguments; the caller owns the transaction
(the actions use ``actions.services.in_session``, which wraps ``bot.db.session_scope``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.customers.store import customer_for_conversation
from bot.models import KbQuery

OUTCOMES = ("answer", "clarify", "abstain", "miss")
HELP_CENTRE = "help_centre"
"""The channel and conversation id of help-centre searches: logged for the KB-gap report, but no
conversation of a customer (no customer record, not counted in containment or FCR)."""
MAX_LOGGED_QUESTION_CHARS = 10_000
"""A pasted 100 KB message is logged by its first 10 000 characters (marked with "…"): enough for the
report, bounded for the database."""


def record_query(
    session: Session,
    *,
    conversation_id: str,
    question: str,
    language: str,
    outcome: str,
    article_id: str | None = None,
    score: float | None = None,
    channel: str | None = None,
) -> int:
    """Store one KB lookup and return its id (kept in a slot so the customer's "did it help?" can be attached)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    question = question or ""
    if len(question) > MAX_LOGGED_QUESTION_CHARS:
        question = question[: MAX_LOGGED_QUESTION_CHARS - 1] + "…"
    if score is not None and not (0.0 <= float(score) <= 1.0):
        raise ValueError(f"score must be between 0 and 1, got {score!r}")
    row = KbQuery(
        conversation_id=conversation_id,
        channel=(channel or None) and channel[:50],
        question=question,
        language=(language or "en")[:10],
        article_id=article_id,
        score=None if score is None else float(score),
        outcome=outcome,
    )
    session.add(row)
    if row.channel != HELP_CENTRE:
        # The conversation belongs to a customer from its first question on (their history in the console).
        customer_for_conversation(session, conversation_id=conversation_id, channel=row.channel or "unknown",
                                  language=row.language)
    session.flush()
    return int(row.id)


def mark_helped(session: Session, *, query_id: int, helped: bool) -> bool:
    """Record the customer's answer to "did this help?"; an answer that did not help, or a "Did you mean …?"
    answered with "None of these", becomes a ``miss`` (so the KB-gap report counts it).

    Returns False when there is no such query (e.g. a slot from before a database reset).
    """
    row = session.get(KbQuery, int(query_id))
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

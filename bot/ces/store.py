"""Resolutions and CES ratings in the database, for the Rasa actions (called via ``asyncio.to_thread``).

Every write is idempotent so a retried action never double-counts: a resolution is identified
by the caller's ``resolution_key`` (e.g. ``"bot:<conversation>:<kb query id>"`` or
``"ticket:<id>"``), and a resolution holds at most one rating (a unique constraint backs this
up when two replicas race).
"""
from __future__ import annotations

import enum
import numbers
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.ces.parse import MAX_SCORE, MIN_SCORE
from bot.db import session_scope, utcnow
from bot.helpdesk.text import clean_text
from bot.models import Agent, CesRating, Resolution, Ticket
from bot.settings import Settings

RESOLVERS = ("bot", "agent")
MAX_COMMENT_CHARS = 2000
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RatingOutcome(str, enum.Enum):
    """What :func:`record_rating` did; compares equal to its string value."""

    SAVED = "saved"
    ALREADY_RATED = "already_rated"
    UNKNOWN_RESOLUTION = "unknown_resolution"


def _required_text(name: str, value: str | None, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} is required")
    if len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return value


def _optional_text(name: str, value: str | None, max_length: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _required_text(name, value, max_length)


def _checked_score(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, numbers.Integral) or not MIN_SCORE <= int(score) <= MAX_SCORE:
        raise ValueError(f"a CES score is a whole number from {MIN_SCORE} to {MAX_SCORE}, got {score!r}")
    return int(score)


def clean_comment(comment: str | None) -> str | None:
    """The comment as plain text to store: control characters and lone surrogates removed,
    capped, ``None`` if empty.

    Nothing is unescaped or interpreted; the report page renders comments as text.
    """
    if not isinstance(comment, str):
        return None
    cleaned = clean_text(_CONTROL_CHARS.sub("", comment)).strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_COMMENT_CHARS:
        cleaned = cleaned[: MAX_COMMENT_CHARS - 1].rstrip() + "…"
    return cleaned


def _existing_resolution_id(session: Session, resolution_key: str) -> int | None:
    return session.scalar(select(Resolution.id).where(Resolution.resolution_key == resolution_key))


def record_resolution(
    factory: sessionmaker,
    *,
    resolution_key: str,
    conversation_id: str,
    resolved_by: str,
    ticket_id: int | None = None,
    agent_id: int | None = None,
    article_id: str | None = None,
    channel: str | None = None,
    language: str = "en",
) -> int:
    """Store that a conversation's issue was resolved; returns the resolution id.

    Idempotent by ``resolution_key``: recording the same key again returns the first id and
    changes nothing. With a ticket, a missing channel is the ticket's, and for an agent
    resolution a missing agent is the ticket's assignee.
    """
    _required_text("resolution_key", resolution_key, 255)
    _required_text("conversation_id", conversation_id, 255)
    if resolved_by not in RESOLVERS:
        raise ValueError(f"resolved_by must be 'bot' or 'agent', got {resolved_by!r}")
    article_id = _optional_text("article_id", article_id, 200)
    channel = _optional_text("channel", channel, 50)
    language = _optional_text("language", language, 10) or "en"

    with session_scope(factory) as session:
        existing = _existing_resolution_id(session, resolution_key)
        if existing is not None:
            return existing
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise ValueError(f"unknown ticket id {ticket_id}")
            if resolved_by == "agent" and agent_id is None:
                agent_id = ticket.assignee_id
            channel = channel or ticket.channel
        if agent_id is not None and session.get(Agent, agent_id) is None:
            raise ValueError(f"unknown agent id {agent_id}")
        resolution = Resolution(
            resolution_key=resolution_key,
            conversation_id=conversation_id,
            resolved_by=resolved_by,
            ticket_id=ticket_id,
            agent_id=agent_id,
            article_id=article_id,
            channel=channel,
            language=language,
            created_at=utcnow(),
        )
        session.add(resolution)
        try:
            session.flush()
        except IntegrityError:
            # Another replica recorded the same key between our read and write.
            session.rollback()
            existing = _existing_resolution_id(session, resolution_key)
            if existing is None:
                raise
            return existing
        return resolution.id


def record_rating(
    factory: sessionmaker,
    *,
    resolution_id: int,
    score: int,
    comment: str | None = None,
) -> RatingOutcome:
    """Store the customer's score for a resolution, at most once.

    Conversation, ticket, resolver, agent, article, channel and language are copied from the
    resolution so reports never need a join. Raises ``ValueError`` for a score outside 1..7.
    """
    score = _checked_score(score)
    with session_scope(factory) as session:
        resolution = session.get(Resolution, resolution_id)
        if resolution is None:
            return RatingOutcome.UNKNOWN_RESOLUTION
        if _rating_for(session, resolution_id) is not None:
            return RatingOutcome.ALREADY_RATED
        session.add(
            CesRating(
                resolution_id=resolution.id,
                conversation_id=resolution.conversation_id,
                ticket_id=resolution.ticket_id,
                score=score,
                comment=clean_comment(comment),
                resolved_by=resolution.resolved_by,
                agent_id=resolution.agent_id,
                article_id=resolution.article_id,
                channel=resolution.channel,
                language=resolution.language,
                created_at=utcnow(),
            )
        )
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return RatingOutcome.ALREADY_RATED
    return RatingOutcome.SAVED


def _rating_for(session: Session, resolution_id: int) -> CesRating | None:
    return session.scalar(select(CesRating).where(CesRating.resolution_id == resolution_id))


def already_rated(factory: sessionmaker, resolution_id: int) -> bool:
    """Whether this resolution has a rating (so the question is never asked twice)."""
    with session_scope(factory) as session:
        return _rating_for(session, resolution_id) is not None


def should_ask(settings: Settings, resolved_by: str) -> bool:
    """Whether to ask the CES question after a resolution of this kind (``CES_ASK_AFTER``)."""
    if resolved_by not in RESOLVERS:
        raise ValueError(f"resolved_by must be 'bot' or 'agent', got {resolved_by!r}")
    return settings.ces_ask_after in ("both", resolved_by)


def is_low_score(settings: Settings, score: int) -> bool:
    """Whether the score is at or below ``CES_LOW_SCORE_THRESHOLD`` (apology + human follow-up)."""
    return _checked_score(score) <= settings.ces_low_score_threshold

"""Resolutions and survey ratings (CES, CSAT, NPS) in the database.

Service functions take the caller's ``Session`` and keyword arguments; the caller owns the
transaction (the actions use ``actions.services.in_session``, which wraps ``bot.db.session_scope``).
Every write is idempotent so a retried action never double-counts: a resolution is identified
by its ``resolution_key`` (see :func:`kb_resolution_key` and :func:`ticket_resolution_key`), and a
resolution holds at most one rating (a unique constraint backs this up when two replicas race).
"""
from __future__ import annotations

import enum
import numbers
import re
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ces.surveys import NPS, Survey, configured_survey, survey_named
from bot.customers.store import current, customer_for_conversation
from bot.db import utcnow
from bot.helpdesk.text import clean_text
from bot.models import Agent, Conversation, Customer, Resolution, SurveyRating, Ticket
from bot.settings import Settings

RESOLVERS = ("bot", "agent")
MAX_COMMENT_CHARS = 2000
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RatingOutcome(str, enum.Enum):
    """What :func:`record_rating` did; compares equal to its string value."""

    SAVED = "saved"
    ALREADY_RATED = "already_rated"
    UNKNOWN_RESOLUTION = "unknown_resolution"
    OTHER_CONVERSATION = "other_conversation"


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


def _check_resolver(resolved_by: str) -> None:
    if resolved_by not in RESOLVERS:
        raise ValueError(f"resolved_by must be 'bot' or 'agent', got {resolved_by!r}")


def _checked_score(score: object, survey: Survey) -> int:
    if isinstance(score, bool) or not isinstance(score, numbers.Integral) or not survey.accepts(int(score)):
        raise ValueError(f"a {survey.name.upper()} score is a whole number from {survey.min_score} to "
                         f"{survey.max_score}, got {score!r}")
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


def kb_resolution_key(conversation_id: str, kb_query_id: object) -> str:
    """The key of a bot resolution: the KB answer (its query-log id) that helped in this conversation."""
    return f"kb:{conversation_id}:{kb_query_id}"


def ticket_resolution_key(ticket_id: int, number: int) -> str:
    """The key of an agent resolution: the ``number``-th resolve of the ticket (1, 2, …), so a
    reopen + resolve gives the customer a new resolution to rate."""
    return f"ticket:{ticket_id}:{number}"


def new_resolution(
    session: Session,
    *,
    resolution_key: str,
    conversation_id: str,
    resolved_by: str,
    created_at: datetime,
    ticket_id: int | None = None,
    agent_id: int | None = None,
    article_id: str | None = None,
    channel: str | None = None,
    language: str = "en",
) -> Resolution:
    """Build a :class:`Resolution` row and add it to the session (the caller flushes).

    The only place resolution rows are made: :func:`record_resolution` (the bot's, keyed by
    :func:`kb_resolution_key`) and ``bot.helpdesk.tickets.resolve`` (an agent's, keyed by
    :func:`ticket_resolution_key`).
    """
    _check_resolver(resolved_by)
    resolution = Resolution(
        resolution_key=resolution_key,
        conversation_id=conversation_id,
        resolved_by=resolved_by,
        ticket_id=ticket_id,
        agent_id=agent_id,
        article_id=article_id,
        channel=channel,
        language=language,
        created_at=created_at,
    )
    session.add(resolution)
    return resolution


def _existing_resolution_id(session: Session, resolution_key: str) -> int | None:
    return session.scalar(select(Resolution.id).where(Resolution.resolution_key == resolution_key))


def record_resolution(
    session: Session,
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
    resolution a missing agent is the ticket's assignee. When another replica records the same
    key at the same moment, the session is rolled back and the winner's id returned, so call it
    in a transaction of its own.
    """
    _required_text("resolution_key", resolution_key, 255)
    _required_text("conversation_id", conversation_id, 255)
    _check_resolver(resolved_by)
    article_id = _optional_text("article_id", article_id, 200)
    channel = _optional_text("channel", channel, 50)
    language = _optional_text("language", language, 10) or "en"

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
    resolution = new_resolution(
        session,
        resolution_key=resolution_key,
        conversation_id=conversation_id,
        resolved_by=resolved_by,
        created_at=utcnow(),
        ticket_id=ticket_id,
        agent_id=agent_id,
        article_id=article_id,
        channel=channel,
        language=language,
    )
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
    session: Session,
    *,
    resolution_id: int,
    conversation_id: str,
    score: int,
    comment: str | None = None,
    channel: str | None = None,
    survey: str = "ces",
) -> RatingOutcome:
    """Store the score the customer of ``conversation_id`` gave a resolution in ``survey``, at most once;
    a ``comment`` given after the score was stored is added to that rating (never over an earlier one).

    Only the conversation the resolution belongs to may rate it: a resolution id from anywhere
    else (typed by hand, or another customer's) is :attr:`RatingOutcome.OTHER_CONVERSATION` and
    stores nothing. Ticket, resolver, agent, article, channel and language are copied from the
    resolution so reports never need a join, except ``channel`` when the score came another way
    (``email``: the resolution e-mail's link); ``customer_id`` is the conversation's customer (so NPS
    can be asked once per customer). Raises ``ValueError`` for an unknown survey or a score outside
    its scale. A rating racing in from another replica rolls the session back (call it in a
    transaction of its own).
    """
    score = _checked_score(score, survey_named(survey))
    resolution = session.get(Resolution, resolution_id)
    if resolution is None:
        return RatingOutcome.UNKNOWN_RESOLUTION
    if resolution.conversation_id != conversation_id:
        return RatingOutcome.OTHER_CONVERSATION
    earlier = _rating_for(session, resolution_id)
    if earlier is not None:
        _add_comment(earlier, comment)
        return RatingOutcome.ALREADY_RATED
    customer = customer_for_conversation(session, conversation_id=resolution.conversation_id,
                                         channel=resolution.channel or "unknown", language=resolution.language or "en")
    session.add(
        SurveyRating(
            survey=survey,
            customer_id=customer.id,
            resolution_id=resolution.id,
            conversation_id=resolution.conversation_id,
            ticket_id=resolution.ticket_id,
            score=score,
            comment=clean_comment(comment),
            resolved_by=resolution.resolved_by,
            agent_id=resolution.agent_id,
            article_id=resolution.article_id,
            channel=channel or resolution.channel,
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


def _add_comment(rating: SurveyRating, comment: str | None) -> None:
    """The survey's optional comment on the rating its score made (the score is stored as soon as it is
    given, so a customer who leaves at the comment question loses nothing); never over an earlier one."""
    text = clean_comment(comment)
    if text is not None and not rating.comment:
        rating.comment = text


def _rating_for(session: Session, resolution_id: int) -> SurveyRating | None:
    return session.scalar(select(SurveyRating).where(SurveyRating.resolution_id == resolution_id))


def already_rated(session: Session, *, resolution_id: int) -> bool:
    """Whether this resolution has a rating (so the question is never asked twice)."""
    return _rating_for(session, resolution_id) is not None


def should_ask(
    session: Session, *, settings: Settings, resolved_by: str, conversation_id: str, now: datetime | None = None,
) -> bool:
    """Whether to ask the survey question after a resolution of this kind in ``conversation_id``.

    ``CES_ASK_AFTER`` says after which resolutions (bot, agent, both, never), whatever the survey.
    NPS is about the relationship, so it is asked at most once per customer per ``NPS_INTERVAL_DAYS``:
    not when the customer (or, for a conversation with no customer record yet, the conversation)
    has an NPS rating from within the interval. Only answers count — a skipped question leaves no
    row, so a customer who skipped is asked again at their next resolution.
    """
    _check_resolver(resolved_by)
    if settings.ces_ask_after not in ("both", resolved_by):
        return False
    if configured_survey(settings) is not NPS:
        return True
    since = (now or utcnow()) - timedelta(days=settings.nps_interval_days)
    recent_nps = select(func.count(SurveyRating.id)).where(SurveyRating.survey == NPS.name, SurveyRating.created_at > since)
    return not session.scalar(recent_nps.where(_same_customer(session, conversation_id)))


def _same_customer(session: Session, conversation_id: str) -> ColumnElement[bool]:
    """Ratings by the customer of ``conversation_id`` (and the records merged into theirs), or by the
    conversation itself when it has no customer record."""
    conversation = session.get(Conversation, conversation_id)
    customer = session.get(Customer, conversation.customer_id) if conversation and conversation.customer_id else None
    if customer is None:
        return SurveyRating.conversation_id == conversation_id
    customer = current(session, customer)
    merged = select(Customer.id).where(Customer.merged_into_id == customer.id)
    return or_(SurveyRating.customer_id == customer.id, SurveyRating.customer_id.in_(merged),
               SurveyRating.conversation_id == conversation_id)


def is_low_score(settings: Settings, score: int, survey: str = "ces") -> bool:
    """Whether the score is low enough for an apology and a follow-up by a person: CES at or below
    ``CES_LOW_SCORE_THRESHOLD``, CSAT 1–2, NPS 0–6 (detractors)."""
    asked = survey_named(survey)
    return asked.is_low(settings, _checked_score(score, asked))

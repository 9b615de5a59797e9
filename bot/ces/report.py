"""Support reports: CES, containment, escalations, ticket times and KB gaps over a date range.

Every aggregate is a plain function of a session and a :class:`~bot.ces.periods.ReportRange`, so
each can be tested alone; :func:`build_report` puts them into one JSON-ready dict, which the CLI
(``python -m bot report``, bot/ces/cli.py), the API and the admin page all use; bot/ces/render.py
turns it into text or CSV. Definitions are in docs/surveys-and-reports.md (section "Definitions").
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from bot.ces.gaps import DEFAULT_THRESHOLD, GapQuestion, group_questions
from bot.ces.parse import MAX_SCORE, MIN_SCORE
from bot.ces.periods import ReportRange
from bot.db import utcnow
from bot.helpdesk.tickets import REASON_TEXTS
from bot.models import Agent, KbQuery, Resolution, SurveyRating, Ticket

EASY_MIN_SCORE = 5
GAP_OUTCOMES = ("abstain", "miss")
GAP_TICKET_REASON = "kb_missed_twice"
MAX_GAP_QUESTIONS = 5000
DIMENSIONS = ("resolver", "channel", "language", "article", "agent")
UNKNOWN = "unknown"


# ---------------------------------------------------------------- small helpers


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float], digits: int) -> float | None:
    return round(statistics.fmean(values), digits) if values else None


def score_stats(responses: int, total: int, easy: int) -> dict:
    """Responses, mean (2 decimals), easy count (5–7) and share of easy (4 decimals), from the
    number of ratings, the sum of their scores and the number of easy ones."""
    return {
        "responses": responses,
        "mean": round(total / responses, 2) if responses else None,
        "easy": easy,
        "share_easy": _share(easy, responses),
    }


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of values ≤ it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def duration_stats(minutes: Sequence[float]) -> dict:
    """Count, mean, median and p90 of durations in minutes (1 decimal)."""
    p90 = percentile(minutes, 0.9)
    return {
        "count": len(minutes),
        "mean_minutes": _mean(minutes, 1),
        "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
        "p90_minutes": round(p90, 1) if p90 is not None else None,
    }


def _minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60)


# ---------------------------------------------------------------- CES


def _count_where(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _score_aggregates() -> tuple:
    """SQL aggregates matching :func:`score_stats`: count, sum of scores, count of easy scores."""
    return func.count(SurveyRating.id), func.coalesce(func.sum(SurveyRating.score), 0), _count_where(SurveyRating.score >= EASY_MIN_SCORE)


def ces_summary(session: Session, period: ReportRange, low_threshold: int = 3) -> dict:
    """Mean, share of 5–7, low scores (≤ threshold) and comments of the ratings in the range."""
    responses, total, easy, low, comments = session.execute(
        select(*_score_aggregates(), _count_where(SurveyRating.score <= low_threshold), func.count(SurveyRating.comment))
        .where(period.contains(SurveyRating.created_at))
    ).one()
    return {
        **score_stats(responses, total, easy),
        "low": low,
        "share_low": _share(low, responses),
        "low_threshold": low_threshold,
        "comments": comments,
    }


def ces_distribution(session: Session, period: ReportRange) -> list[dict]:
    """Count and share of each score 1..7 (all seven, zeros included)."""
    counts = dict(
        session.execute(
            select(SurveyRating.score, func.count())
            .where(period.contains(SurveyRating.created_at))
            .group_by(SurveyRating.score)
        ).tuples().all()
    )
    total = sum(counts.values())
    return [
        {"score": score, "count": counts.get(score, 0), "share": _share(counts.get(score, 0), total)}
        for score in range(MIN_SCORE, MAX_SCORE + 1)
    ]


def _bucket_start(moment: datetime, period: str) -> date:
    day = moment.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday()) if period == "week" else day


def ces_trend(session: Session, report_range: ReportRange, period: str = "day") -> list[dict]:
    """CES per UTC day or ISO week (Monday-based), from the first to the last bucket with a
    rating; empty buckets in between are included with ``responses`` 0 so charts show gaps.

    Bucketing happens here rather than in SQL, where truncating a timestamp to a UTC day is
    spelled differently by every database.
    """
    if period not in ("day", "week"):
        raise ValueError(f"period must be 'day' or 'week', got {period!r}")
    step = timedelta(days=7 if period == "week" else 1)
    buckets: dict[date, list[int]] = {}
    rows = session.execute(
        select(SurveyRating.score, SurveyRating.created_at).where(report_range.contains(SurveyRating.created_at))
    )
    for score, created_at in rows:
        bucket = buckets.setdefault(_bucket_start(created_at, period), [0, 0, 0])
        bucket[0] += 1
        bucket[1] += score
        bucket[2] += score >= EASY_MIN_SCORE
    if not buckets:
        return []
    trend = []
    current, last = min(buckets), max(buckets)
    while current <= last:
        iso_year, iso_week, _ = current.isocalendar()
        label = f"{iso_year}-W{iso_week:02d}" if period == "week" else current.isoformat()
        trend.append({"start": current.isoformat(), "label": label, **score_stats(*buckets.get(current, (0, 0, 0)))})
        current += step
    return trend


def ces_by(session: Session, period: ReportRange, dimension: str) -> list[dict]:
    """CES split by resolver, channel, language, article or agent, most responses first.

    Ratings without an article (or agent) are left out of that split; a missing channel is
    "unknown".
    """
    columns = {
        "resolver": SurveyRating.resolved_by,
        "channel": SurveyRating.channel,
        "language": SurveyRating.language,
        "article": SurveyRating.article_id,
        "agent": SurveyRating.agent_id,
    }
    if dimension not in columns:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, got {dimension!r}")
    column = columns[dimension]
    query = select(column, *_score_aggregates()).where(period.contains(SurveyRating.created_at)).group_by(column)
    if dimension in ("article", "agent"):
        query = query.where(column.is_not(None))
    rows = session.execute(query).all()
    names: dict[str, str] = {}
    if dimension == "agent" and rows:
        agents = select(Agent.id, Agent.name).where(Agent.id.in_([row[0] for row in rows]))
        names = {str(agent_id): name for agent_id, name in session.execute(agents)}
    items = []
    for key, responses, total, easy in rows:
        key = UNKNOWN if key is None else str(key)
        items.append({"key": key, "label": names.get(key, key), **score_stats(responses, total, easy)})
    return sorted(items, key=lambda item: (-item["responses"], item["label"]))


# ---------------------------------------------------------------- containment and escalations


def containment(session: Session, period: ReportRange) -> dict:
    """Conversations with support activity (a KB query or a ticket in the range): contained ones
    had a KB query and no ticket, escalated ones had a ticket. The two rates add up to 1."""
    kb_conversations = set(session.scalars(
        select(distinct(KbQuery.conversation_id)).where(period.contains(KbQuery.created_at))
    ))
    escalated = set(session.scalars(
        select(distinct(Ticket.conversation_id)).where(period.contains(Ticket.created_at))
    ))
    bot_resolved = set(session.scalars(
        select(distinct(Resolution.conversation_id))
        .where(period.contains(Resolution.created_at), Resolution.resolved_by == "bot")
    ))
    contained = kb_conversations - escalated
    total = len(contained) + len(escalated)
    return {
        "conversations": total,
        "contained": len(contained),
        "escalated": len(escalated),
        "containment_rate": _share(len(contained), total),
        "escalation_rate": _share(len(escalated), total),
        "bot_resolved": len(bot_resolved & contained),
    }


def escalations_by_reason(session: Session, period: ReportRange) -> dict:
    """Tickets opened in the range, by reason, most frequent first."""
    rows = session.execute(
        select(Ticket.reason, func.count())
        .where(period.contains(Ticket.created_at))
        .group_by(Ticket.reason)
    ).all()
    total = sum(count for _, count in rows)
    reasons = [
        {"reason": reason, "count": count, "share": _share(count, total)}
        for reason, count in sorted(rows, key=lambda row: (-row[1], row[0]))
    ]
    return {"tickets": total, "reasons": reasons}


def tickets_by_channel(session: Session, period: ReportRange) -> list[dict]:
    """Tickets opened in the range by the channel they came from (``email`` for those an e-mail
    opened), most first."""
    rows = session.execute(
        select(Ticket.channel, func.count()).where(period.contains(Ticket.created_at)).group_by(Ticket.channel)
    ).all()
    total = sum(count for _, count in rows)
    return [
        {"channel": channel, "count": count, "share": _share(count, total)}
        for channel, count in sorted(rows, key=lambda row: (-row[1], row[0]))
    ]


def withdrawn_tickets(session: Session, period: ReportRange) -> dict:
    """Tickets opened in the range that the customer withdrew (stopped waiting for a person): a share
    that grows says the wait is too long, or the bot escalated people who did not need a person."""
    total, withdrawn = session.execute(
        select(func.count(), _count_where(Ticket.status == "withdrawn")).where(period.contains(Ticket.created_at))
    ).one()
    return {"count": withdrawn or 0, "share": _share(withdrawn or 0, total)}


def ticket_times(session: Session, period: ReportRange) -> dict:
    """First-response and resolution times of tickets opened in the range, in minutes.

    Measured from the ticket's creation to its first agent reply / its (latest) resolution,
    whenever those happened; tickets still waiting for either are counted separately.
    """
    rows = session.execute(
        select(Ticket.created_at, Ticket.first_reply_at, Ticket.resolved_at)
        .where(period.contains(Ticket.created_at))
    ).all()
    first = [_minutes(row.created_at, row.first_reply_at) for row in rows if row.first_reply_at]
    resolved = [_minutes(row.created_at, row.resolved_at) for row in rows if row.resolved_at]
    return {
        "tickets": len(rows),
        "first_response": {**duration_stats(first), "waiting": len(rows) - len(first)},
        "resolution": {**duration_stats(resolved), "unresolved": len(rows) - len(resolved)},
    }


# ---------------------------------------------------------------- KB gaps


def _gap_questions(session: Session, period: ReportRange) -> list[GapQuestion]:
    """Abstained and missed KB queries, plus the subject of "kb_missed_twice" tickets whose
    conversation logged no such query in the range (so one gap is not counted twice); oldest
    first, so the earliest wording of a group wins ties. At most the latest 5000 queries."""
    queries = session.execute(
        select(KbQuery.created_at, KbQuery.question, KbQuery.language, KbQuery.conversation_id, KbQuery.outcome)
        .where(period.contains(KbQuery.created_at), KbQuery.outcome.in_(GAP_OUTCOMES))
        .order_by(KbQuery.created_at.desc(), KbQuery.id.desc())
        .limit(MAX_GAP_QUESTIONS)
    ).all()
    found = [(row.created_at, GapQuestion(row.question, row.language, row.conversation_id, row.outcome))
             for row in queries if row.question.strip()]
    seen = {question.conversation_id for _, question in found}
    tickets = session.execute(
        select(Ticket.created_at, Ticket.subject, Ticket.language, Ticket.conversation_id)
        .where(period.contains(Ticket.created_at), Ticket.reason == GAP_TICKET_REASON)
    ).all()
    placeholder_subjects = set(REASON_TEXTS.values())
    found += [
        (row.created_at, GapQuestion(row.subject, row.language, row.conversation_id, "ticket"))
        for row in tickets
        if row.conversation_id not in seen and row.subject.strip() and row.subject not in placeholder_subjects
    ]
    found.sort(key=lambda item: item[0])
    return [question for _, question in found]


def kb_gaps(session: Session, period: ReportRange, limit: int = 10, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """The most frequent unanswered questions, near-duplicates grouped (see bot.ces.gaps)."""
    questions = _gap_questions(session, period)
    groups = group_questions(questions, threshold)
    return {
        "questions": len(questions),
        "groups_total": len(groups),
        "groups": [group.as_dict() for group in groups[:limit]],
    }


# ---------------------------------------------------------------- the whole report


def build_report(
    session: Session, since: date, until: date, *, low_threshold: int = 3, gap_limit: int = 10
) -> dict:
    """Every aggregate for UTC days ``since``..``until`` (inclusive), JSON-ready."""
    period = ReportRange(since, until)
    return {
        "range": {"since": since.isoformat(), "until": until.isoformat()},
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "ces": {
            "summary": ces_summary(session, period, low_threshold),
            "distribution": ces_distribution(session, period),
            "trend": {"day": ces_trend(session, period, "day"), "week": ces_trend(session, period, "week")},
            "by": {dimension: ces_by(session, period, dimension) for dimension in DIMENSIONS},
        },
        "containment": containment(session, period),
        "escalations": {
            **escalations_by_reason(session, period),
            "channels": tickets_by_channel(session, period),
            "withdrawn": withdrawn_tickets(session, period),
        },
        "ticket_times": ticket_times(session, period),
        "kb_gaps": kb_gaps(session, period, gap_limit),
    }

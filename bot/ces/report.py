"""Support reports over a date range: CES, CSAT, NPS, first-contact resolution, containment,
escalations (reopened and withdrawn tickets), ticket times, SLA breaches (bot/helpdesk/sla.py) and KB gaps.

Every aggregate is a plain function of a session and a :class:`~bot.ces.periods.ReportRange`, so
each can be tested alone; :func:`build_report` puts them into one JSON-ready dict, which the CLI
(``python -m bot report``, bot/ces/cli.py), the API and the admin page all use; bot/ces/render.py
turns it into text or CSV. Definitions are in docs/surveys-and-reports.md (section "Definitions").
"""
from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from operator import itemgetter

from sqlalchemy import Row, case, distinct, func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.ces.gaps import DEFAULT_THRESHOLD, GapQuestion, group_questions
from bot.ces.periods import ReportRange
from bot.ces.surveys import survey_named
from bot.db import utcnow
from bot.helpdesk.sla import sla_breaches, tickets_created_in
from bot.helpdesk.tickets import REASON_TEXTS
from bot.kb.noise import is_article_worthy
from bot.kb.query_log import HELP_CENTRE
from bot.models import Agent, ArticleFeedback, Conversation, KbQuery, Resolution, SurveyRating, Ticket
from bot.settings import Settings, load_settings

EASY_MIN_SCORE = 5
SATISFIED_MIN_SCORE = 4
PROMOTER_MIN_SCORE, PASSIVE_MIN_SCORE = 9, 7
FCR_WINDOW = timedelta(days=7)
GAP_OUTCOMES = ("abstain", "miss")
GAP_TICKET_REASON = "kb_missed_twice"
MAX_GAP_QUESTIONS = 5000
GAP_ROWS_PER_FETCH = 1000
"""Gap entries are streamed in batches of this many: noise has no cap, so a range may hold any number."""
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


def _ratings(survey: str, period: ReportRange):
    """The condition for one survey's ratings in the range: the table holds CES, CSAT and NPS
    answers, and a figure mixing scales would mean nothing."""
    return (SurveyRating.survey == survey) & period.contains(SurveyRating.created_at)


def ces_summary(session: Session, period: ReportRange, low_threshold: int = 3) -> dict:
    """Mean, share of 5–7, low scores (≤ threshold) and comments of the ratings in the range."""
    responses, total, easy, low, comments = session.execute(
        select(*_score_aggregates(), _count_where(SurveyRating.score <= low_threshold), func.count(SurveyRating.comment))
        .where(_ratings("ces", period))
    ).one()
    return {
        **score_stats(responses, total, easy),
        "low": low,
        "share_low": _share(low, responses),
        "low_threshold": low_threshold,
        "comments": comments,
    }


def score_distribution(session: Session, period: ReportRange, survey: str) -> list[dict]:
    """Count and share of each score on ``survey``'s scale (every score, zeros included)."""
    counts = dict(
        session.execute(
            select(SurveyRating.score, func.count()).where(_ratings(survey, period)).group_by(SurveyRating.score)
        ).tuples().all()
    )
    total = sum(counts.values())
    return [
        {"score": score, "count": counts.get(score, 0), "share": _share(counts.get(score, 0), total)}
        for score in survey_named(survey).scores
    ]


def ces_distribution(session: Session, period: ReportRange) -> list[dict]:
    """Count and share of each effort score 1..7."""
    return score_distribution(session, period, "ces")


def _bucket_start(moment: datetime, period: str) -> date:
    day = moment.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday()) if period == "week" else day


def _ces_stats(scores: Sequence[int]) -> dict:
    return score_stats(len(scores), sum(scores), sum(score >= EASY_MIN_SCORE for score in scores))


def survey_trend(session: Session, report_range: ReportRange, survey: str, period: str = "day") -> list[dict]:
    """``survey``'s figures per UTC day or ISO week (Monday-based), from the first to the last bucket
    with a rating; empty buckets in between are included with ``responses`` 0 so charts show gaps.

    Bucketing happens here rather than in SQL, where truncating a timestamp to a UTC day is
    spelled differently by every database.
    """
    if period not in ("day", "week"):
        raise ValueError(f"period must be 'day' or 'week', got {period!r}")
    stats = TREND_STATS[survey]
    step = timedelta(days=7 if period == "week" else 1)
    buckets: dict[date, list[int]] = {}
    rows = session.execute(select(SurveyRating.score, SurveyRating.created_at).where(_ratings(survey, report_range)))
    for score, created_at in rows:
        buckets.setdefault(_bucket_start(created_at, period), []).append(score)
    if not buckets:
        return []
    trend = []
    current, last = min(buckets), max(buckets)
    while current <= last:
        iso_year, iso_week, _ = current.isocalendar()
        label = f"{iso_year}-W{iso_week:02d}" if period == "week" else current.isoformat()
        trend.append({"start": current.isoformat(), "label": label, **stats(buckets.get(current, []))})
        current += step
    return trend


def ces_trend(session: Session, report_range: ReportRange, period: str = "day") -> list[dict]:
    """CES per UTC day or ISO week (see :func:`survey_trend`)."""
    return survey_trend(session, report_range, "ces", period)


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
    query = select(column, *_score_aggregates()).where(_ratings("ces", period)).group_by(column)
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


# ---------------------------------------------------------------- CSAT and NPS


def csat_stats(scores: Sequence[int]) -> dict:
    """Responses, mean (2 decimals), satisfied count (4–5) and its share (4 decimals)."""
    satisfied = sum(score >= SATISFIED_MIN_SCORE for score in scores)
    return {
        "responses": len(scores),
        "mean": round(sum(scores) / len(scores), 2) if scores else None,
        "satisfied": satisfied,
        "share_satisfied": _share(satisfied, len(scores)),
    }


def net_promoter_score(promoters: int, detractors: int, responses: int) -> int | None:
    """% promoters − % detractors as a whole number (−100 … 100), halves rounded away from zero;
    exact integer arithmetic, so 12.5 is 13 and −12.5 is −13 on every machine."""
    if not responses:
        return None
    difference = 100 * (promoters - detractors)
    rounded = (2 * abs(difference) + responses) // (2 * responses)
    return rounded if difference >= 0 else -rounded


def nps_stats(scores: Sequence[int]) -> dict:
    """Responses, promoters (9–10), passives (7–8), detractors (0–6) and the Net Promoter Score."""
    promoters = sum(score >= PROMOTER_MIN_SCORE for score in scores)
    detractors = sum(score < PASSIVE_MIN_SCORE for score in scores)
    return {
        "responses": len(scores),
        "promoters": promoters,
        "passives": len(scores) - promoters - detractors,
        "detractors": detractors,
        "nps": net_promoter_score(promoters, detractors, len(scores)),
    }


def _scores(session: Session, period: ReportRange, survey: str) -> list[int]:
    return list(session.scalars(select(SurveyRating.score).where(_ratings(survey, period))))


def csat_summary(session: Session, period: ReportRange) -> dict:
    """CSAT (1–5) ratings in the range: see :func:`csat_stats`."""
    return csat_stats(_scores(session, period, "csat"))


def nps_summary(session: Session, period: ReportRange) -> dict:
    """NPS (0–10) ratings in the range: see :func:`nps_stats`."""
    return nps_stats(_scores(session, period, "nps"))


TREND_STATS = {"ces": _ces_stats, "csat": csat_stats, "nps": nps_stats}


def _survey_section(session: Session, period: ReportRange, survey: str, summary: dict) -> dict:
    return {
        "summary": summary,
        "distribution": score_distribution(session, period, survey),
        "trend": {name: survey_trend(session, period, survey, name) for name in ("day", "week")},
    }


# ---------------------------------------------------------------- containment and escalations


def _not_help_centre():
    return KbQuery.channel.is_(None) | (KbQuery.channel != HELP_CENTRE)


def containment(session: Session, period: ReportRange) -> dict:
    """Conversations with support activity (a KB query outside the help centre or a ticket in the
    range): contained ones had a KB query and no ticket, escalated ones had a ticket. The two rates
    add up to 1."""
    kb_conversations = set(session.scalars(
        select(distinct(KbQuery.conversation_id)).where(period.contains(KbQuery.created_at), _not_help_centre())
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


def ticket_times(tickets: Sequence[Row]) -> dict:
    """First-response and resolution times of ``tickets`` (those opened in a range, from
    :func:`bot.helpdesk.sla.tickets_created_in`), in minutes.

    Measured from the ticket's creation to its first agent reply / its (latest) resolution,
    whenever those happened; tickets still waiting for either are counted separately.
    """
    first = [_minutes(row.created_at, row.first_reply_at) for row in tickets if row.first_reply_at]
    resolved = [_minutes(row.created_at, row.resolved_at) for row in tickets if row.resolved_at]
    return {
        "tickets": len(tickets),
        "first_response": {**duration_stats(first), "waiting": len(tickets) - len(first)},
        "resolution": {**duration_stats(resolved), "unresolved": len(tickets) - len(resolved)},
    }


def reopen_rate(session: Session, period: ReportRange) -> dict:
    """Tickets resolved in the range (an agent's resolution, whichever time) and how many of them were
    ever reopened. Resolutions are read, not ``tickets.resolved_at``: a reopen clears that."""
    resolved = select(distinct(Resolution.ticket_id)).where(
        Resolution.ticket_id.is_not(None), period.contains(Resolution.created_at)
    )
    total, reopened = session.execute(
        select(func.count(), _count_where(Ticket.reopen_count > 0)).where(Ticket.id.in_(resolved))
    ).one()
    return {"resolved": total, "reopened": reopened or 0, "rate": _share(reopened or 0, total)}


# ---------------------------------------------------------------- first-contact resolution


@dataclass
class _Contact:
    conversation_id: str
    customer_id: int | None
    started_at: datetime
    resolved_at: datetime | None


def _contacts_of_customers(session: Session, resolved_in_range) -> dict[str, _Contact]:
    """Every contact (conversation with support activity) of the conversations ``resolved_in_range``
    selects and of their customers' other conversations, with its start and first resolution.

    One statement: the conversations to look at are found once (a CTE), their KB queries, tickets and
    resolutions read in one pass, and the owner joined in; a year of a busy helpdesk is 100,000 contacts."""
    customers = select(Conversation.customer_id).where(Conversation.id.in_(resolved_in_range))
    related = select(Conversation.id).where(Conversation.customer_id.in_(customers)).union(resolved_in_range).cte()
    in_related = select(related.c.id)
    activity = union_all(
        select(KbQuery.conversation_id, KbQuery.created_at.label("at"), literal(False).label("resolution"))
        .where(KbQuery.conversation_id.in_(in_related), _not_help_centre()),
        select(Ticket.conversation_id, Ticket.created_at, literal(False)).where(Ticket.conversation_id.in_(in_related)),
        select(Resolution.conversation_id, Resolution.created_at, literal(True))
        .where(Resolution.conversation_id.in_(in_related)),
    ).subquery()
    rows = session.execute(
        select(activity.c.conversation_id, Conversation.customer_id, func.min(activity.c.at),
               func.min(case((activity.c.resolution, activity.c.at))))
        .select_from(activity.outerjoin(Conversation, Conversation.id == activity.c.conversation_id))
        .group_by(activity.c.conversation_id, Conversation.customer_id)
    )
    return {
        conversation_id: _Contact(conversation_id, customer_id, started, resolved)
        for conversation_id, customer_id, started, resolved in rows
    }


def first_contact_resolution(session: Session, period: ReportRange, now: datetime | None = None) -> dict:
    """FCR over the contacts whose first resolution falls in the range (definition: docs/
    surveys-and-reports.md, "First-contact resolution").

    A resolution younger than 7 days at ``now`` is ``pending``: whether the customer comes back is
    not known yet, so it is not in the figure. A contact that starts within 7 days after the same
    customer's earlier contact was resolved is that issue's ``follow_up``: it already counts against
    the earlier one and is no new first contact.
    """
    now = now or utcnow()
    # The conversations resolved in the range (an index range, not every resolution ever made grouped by
    # conversation); the loop below keeps those whose first resolution falls in it.
    resolved_in_range = select(Resolution.conversation_id).where(period.contains(Resolution.created_at))
    contacts = _contacts_of_customers(session, resolved_in_range)
    by_customer: dict[int, list[_Contact]] = {}
    for contact in contacts.values():
        if contact.customer_id is not None:
            by_customer.setdefault(contact.customer_id, []).append(contact)
    reopens: dict[str, list[datetime]] = {}
    for conversation_id, reopened_at in session.execute(
        select(Ticket.conversation_id, Ticket.first_reopened_at)
        .where(Ticket.conversation_id.in_(resolved_in_range), Ticket.first_reopened_at.is_not(None))
    ):
        reopens.setdefault(conversation_id, []).append(reopened_at)

    def within_window(resolved_at: datetime, moment: datetime) -> bool:
        return resolved_at < moment <= resolved_at + FCR_WINDOW

    counts = {"first_contact": 0, "reopened": 0, "came_back": 0, "pending": 0, "follow_ups": 0}
    start, end = period.start, period.end
    for contact in contacts.values():
        resolved_at = contact.resolved_at
        if resolved_at is None or not start <= resolved_at < end:
            continue
        others = [other for other in by_customer.get(contact.customer_id, []) if other is not contact] \
            if contact.customer_id is not None else []
        if any(other.resolved_at and within_window(other.resolved_at, contact.started_at) for other in others):
            counts["follow_ups"] += 1
        elif now < resolved_at + FCR_WINDOW:
            counts["pending"] += 1
        elif any(within_window(resolved_at, reopened_at) for reopened_at in reopens.get(contact.conversation_id, [])):
            counts["reopened"] += 1
        elif any(within_window(resolved_at, other.started_at) for other in others):
            counts["came_back"] += 1
        else:
            counts["first_contact"] += 1
    measured = counts["first_contact"] + counts["reopened"] + counts["came_back"]
    return {
        "window_days": FCR_WINDOW.days,
        "measured": measured,
        **counts,
        "fcr": _share(counts["first_contact"], measured),
    }


# ---------------------------------------------------------------- KB gaps


def _gap_questions(session: Session, period: ReportRange) -> tuple[list[GapQuestion], int]:
    """Abstained and missed KB queries, plus the subject of "kb_missed_twice" tickets whose
    conversation logged no such query in the range (so one gap is not counted twice); oldest
    first, so the earliest wording of a group wins ties. At most the latest 5000 of them: a year of
    a busy helpdesk would otherwise hand the grouping every ticket of the year.

    Entries no article could answer (probes, filler, no letters: bot.kb.noise) are left out here
    rather than when logged, so the log stays a complete record of what was typed. They do not count
    towards the 5000, so a flood of them cannot push questions out; how many there were among the
    latest entries read is the second value. Erased entries (emptied, bot/privacy) are neither."""
    in_range_gap = (period.contains(KbQuery.created_at), KbQuery.outcome.in_(GAP_OUTCOMES))
    queries = session.execute(
        select(KbQuery.created_at, KbQuery.question, KbQuery.language, KbQuery.conversation_id, KbQuery.outcome)
        .where(*in_range_gap, KbQuery.question != "")
        .order_by(KbQuery.created_at.desc(), KbQuery.id.desc())
        .execution_options(yield_per=GAP_ROWS_PER_FETCH)
    )
    tickets = session.execute(
        select(Ticket.created_at, Ticket.subject, Ticket.language, Ticket.conversation_id, literal("ticket"))
        .where(
            period.contains(Ticket.created_at), Ticket.reason == GAP_TICKET_REASON,
            Ticket.subject.not_in({*REASON_TEXTS.values(), ""}),
            ~select(KbQuery.id).where(KbQuery.conversation_id == Ticket.conversation_id, *in_range_gap).exists(),
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .execution_options(yield_per=GAP_ROWS_PER_FETCH)
    )
    latest: list[GapQuestion] = []
    noise = 0
    with queries, tickets:
        # Newest first across both; on equal times tickets come first, so reversed the queries do.
        for _, text, language, conversation_id, source in heapq.merge(tickets, queries, key=itemgetter(0), reverse=True):
            if not is_article_worthy(text):
                noise += 1
                continue
            latest.append(GapQuestion(text, language, conversation_id, source))
            if len(latest) == MAX_GAP_QUESTIONS:
                break
    return latest[::-1], noise


def kb_gaps(session: Session, period: ReportRange, limit: int = 10, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """The most frequent unanswered questions, near-duplicates grouped (see bot.ces.gaps), and how
    many entries were left out as noise."""
    questions, noise = _gap_questions(session, period)
    groups = group_questions(questions, threshold)
    return {
        "questions": len(questions),
        "left_out_as_noise": noise,
        "groups_total": len(groups),
        "groups": [group.as_dict() for group in groups[:limit]],
    }


def unhelpful_articles(session: Session, period: ReportRange, limit: int = 10) -> dict:
    """Help-centre articles readers voted "not helpful" in the range, most No votes first, with
    both counts: an article many find unhelpful is a gap the search cannot show."""
    no_votes = _count_where(ArticleFeedback.helpful.is_(False))
    rows = session.execute(
        select(ArticleFeedback.article_id, ArticleFeedback.language, _count_where(ArticleFeedback.helpful), no_votes)
        .where(period.contains(ArticleFeedback.created_at))
        .group_by(ArticleFeedback.article_id, ArticleFeedback.language)
    ).all()
    articles = sorted(
        ({"article_id": article_id, "language": language, "helpful": helpful, "unhelpful": unhelpful,
          "share_unhelpful": _share(unhelpful, helpful + unhelpful)}
         for article_id, language, helpful, unhelpful in rows if unhelpful),
        key=lambda item: (-item["unhelpful"], item["article_id"]),
    )
    return {"articles_total": len(articles), "articles": articles[:limit]}


# ---------------------------------------------------------------- the whole report


def build_report(
    session: Session, since: date, until: date, *, low_threshold: int = 3, gap_limit: int = 10,
    now: datetime | None = None, settings: Settings | None = None,
) -> dict:
    """Every aggregate for UTC days ``since``..``until`` (inclusive), JSON-ready. ``now`` decides
    which FCR resolutions and SLA targets are still pending (default: the current time); the SLA
    targets come from ``settings`` (default: the environment's)."""
    period = ReportRange(since, until)
    now = now or utcnow()
    tickets = tickets_created_in(session, period)
    return {
        "range": {"since": since.isoformat(), "until": until.isoformat()},
        "generated_at": now.isoformat(timespec="seconds"),
        "ces": {
            **_survey_section(session, period, "ces", ces_summary(session, period, low_threshold)),
            "by": {dimension: ces_by(session, period, dimension) for dimension in DIMENSIONS},
        },
        "csat": _survey_section(session, period, "csat", csat_summary(session, period)),
        "nps": _survey_section(session, period, "nps", nps_summary(session, period)),
        "fcr": first_contact_resolution(session, period, now),
        "containment": containment(session, period),
        "escalations": {
            **escalations_by_reason(session, period),
            "channels": tickets_by_channel(session, period),
            "withdrawn": withdrawn_tickets(session, period),
            "reopened": reopen_rate(session, period),
        },
        "ticket_times": ticket_times(tickets),
        "sla": sla_breaches(tickets, settings or load_settings(), now),
        "kb_gaps": {**kb_gaps(session, period, gap_limit), "unhelpful_articles": unhelpful_articles(session, period, gap_limit)},
    }

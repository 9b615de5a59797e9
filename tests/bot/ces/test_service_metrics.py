"""CSAT, NPS, first-contact resolution, reopen rate and unhelpful articles against the seeded two
weeks (see seed.py), and FCR's edge cases on a small database of their own; expected figures are
worked out by hand in the comments next to them."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from bot.ces.periods import ReportRange
from bot.ces.report import (
    build_report,
    ces_summary,
    containment,
    csat_summary,
    first_contact_resolution,
    net_promoter_score,
    nps_stats,
    nps_summary,
    reopen_rate,
    score_distribution,
    survey_trend,
    unhelpful_articles,
)
from bot.db import make_engine, make_session_factory, session_scope
from bot.email.inbound import reopen_by_customer
from bot.helpdesk import tickets
from bot.models import Agent, Conversation, Customer, KbQuery, Resolution, Ticket
from tests.bot.ces.seed import migrated_settings

TWO_WEEKS = ReportRange(date(2026, 3, 2), date(2026, 3, 15))
EMPTY = ReportRange(date(2025, 1, 1), date(2025, 1, 31))


# ---------------------------------------------------------------- CSAT and NPS (seeded two weeks)


def test_csat_summary(session):
    # CSAT 5, 4, 2, 5 in range (the 1 on 03-16 is outside): mean 16/4 = 4.0; satisfied (4–5): 3 → 3/4
    assert csat_summary(session, TWO_WEEKS) == {"responses": 4, "mean": 4.0, "satisfied": 3, "share_satisfied": 0.75}
    assert csat_summary(session, EMPTY) == {"responses": 0, "mean": None, "satisfied": 0, "share_satisfied": None}


def test_csat_distribution_and_weekly_trend(session):
    assert [item["count"] for item in score_distribution(session, TWO_WEEKS, "csat")] == [0, 1, 0, 1, 2]  # 1..5
    # W10: 5, 4 → 4.5, both satisfied; W11: 2, 5 → 3.5, one of two
    assert [(b["label"], b["responses"], b["mean"], b["share_satisfied"]) for b in survey_trend(session, TWO_WEEKS, "csat", "week")] == [
        ("2026-W10", 2, 4.5, 1.0), ("2026-W11", 2, 3.5, 0.5),
    ]


def test_nps_summary(session):
    # NPS 10, 9, 7, 6, 3, 10 in range (the 0 on 03-16 is outside): promoters 10, 9, 10 = 3; passives 7 = 1;
    # detractors 6, 3 = 2; NPS = 100·(3 − 2)/6 = 16.67 → 17
    assert nps_summary(session, TWO_WEEKS) == {"responses": 6, "promoters": 3, "passives": 1, "detractors": 2, "nps": 17}
    assert [item["count"] for item in score_distribution(session, TWO_WEEKS, "nps")] == [0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 2]


def test_nps_weekly_trend(session):
    # W10: 10 (03-02), 9 (03-04) → +100; W11: 7, 6 (03-09), 3 (03-12), 10 (03-15) → 100·(1 − 2)/4 = −25
    assert [(b["label"], b["responses"], b["nps"]) for b in survey_trend(session, TWO_WEEKS, "nps", "week")] == [
        ("2026-W10", 2, 100), ("2026-W11", 4, -25),
    ]


@pytest.mark.parametrize(("scores", "expected"), [
    ([10, 9, 10], 100),            # all promoters
    ([0, 6, 3], -100),             # all detractors
    ([7, 8], 0),                   # passives only
    ([], None),                    # no data: no score, not 0
    ([10, 0, 8, 8, 8, 8, 8, 8], 0),  # 100·(1 − 1)/8
    ([10] + [8] * 7, 13),          # 100/8 = 12.5 → 13 (halves away from zero)
    ([0] + [8] * 7, -13),          # −12.5 → −13
])
def test_net_promoter_score_edges(scores, expected):
    assert nps_stats(scores)["nps"] == expected


def test_net_promoter_score_stays_within_minus_and_plus_100():
    assert {net_promoter_score(p, d, 7) for p in range(8) for d in range(8 - p)} <= set(range(-100, 101))


def test_ces_figures_ignore_csat_and_nps_ratings(session):
    # The same seven CES ratings as in test_report.py, although ten CSAT and NPS ratings share the table.
    assert ces_summary(session, TWO_WEEKS)["responses"] == 7
    assert build_report(session, date(2026, 3, 2), date(2026, 3, 15))["ces"]["summary"]["mean"] == 4.43


def test_help_centre_searches_are_no_conversations_for_containment(session):
    # help:1 (answered) and help:2 (abstained) are help-centre searches: still 9 conversations
    assert containment(session, TWO_WEEKS)["conversations"] == 9


# ---------------------------------------------------------------- reopen rate, unhelpful articles


def test_reopen_rate(session):
    # Tickets with an agent's resolution in range: T1 (03-04), T2 (03-09 and 03-10), T3 (03-15); T2 was
    # reopened → 1/3. T5's resolution (03-16) is outside.
    assert reopen_rate(session, TWO_WEEKS) == {"resolved": 3, "reopened": 1, "rate": 0.3333}
    assert reopen_rate(session, EMPTY) == {"resolved": 0, "reopened": 0, "rate": None}


def test_unhelpful_articles(session):
    # refund-status-he: 2 No of 2; reset-password: 1 No of 4 (its No on 03-16 is outside);
    # shipping-times had only Yes votes and is not listed.
    assert unhelpful_articles(session, TWO_WEEKS) == {
        "articles_total": 2,
        "articles": [
            {"article_id": "refund-status-he", "language": "he", "helpful": 0, "unhelpful": 2, "share_unhelpful": 1.0},
            {"article_id": "reset-password", "language": "en", "helpful": 3, "unhelpful": 1, "share_unhelpful": 0.25},
        ],
    }


# ---------------------------------------------------------------- FCR on the seeded two weeks


def test_fcr_on_the_seeded_two_weeks(session):
    # First resolutions in range: c1 03-02 10:00, c2 03-02 15:00, c3 03-04, c4 03-09 10:00, c5 03-11,
    # c6 03-15, c7 03-12 (all older than 7 days today).
    #   c1 came back: Ann's c2 starts 03-02 14:50, within 7 days of c1's resolution
    #   c2 is that follow-up: counted against c1, not as a new contact
    #   c3 first contact (Noa has no other conversation)
    #   c4 reopened: T2 reopened 03-09 11:00, an hour after its first resolution
    #   c5 first contact: Petr's c11 was resolved 03-01, 9 days before c5 started (outside the window)
    #   c6 first contact: no customer record, so it stands alone
    #   c7 first contact
    # measured = 6; FCR = 4/6 = 0.6667
    assert first_contact_resolution(session, TWO_WEEKS) == {
        "window_days": 7, "measured": 6, "first_contact": 4, "reopened": 1, "came_back": 1,
        "pending": 0, "follow_ups": 1, "fcr": 0.6667,
    }


def test_fcr_leaves_resolutions_younger_than_7_days_pending(session):
    # As if it were 03-16 00:00: resolutions after 03-09 00:00 are pending (c4, c5, c6, c7);
    # c1 came back, c2 is its follow-up, c3 first contact → 1/2
    now = datetime(2026, 3, 16, tzinfo=timezone.utc)
    assert first_contact_resolution(session, TWO_WEEKS, now) == {
        "window_days": 7, "measured": 2, "first_contact": 1, "reopened": 0, "came_back": 1,
        "pending": 4, "follow_ups": 1, "fcr": 0.5,
    }
    assert first_contact_resolution(session, EMPTY)["fcr"] is None


# ---------------------------------------------------------------- FCR edge cases on their own database

T0 = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)  # a Monday
MAY = ReportRange(date(2026, 5, 1), date(2026, 5, 31))
LATER = datetime(2026, 7, 1, tzinfo=timezone.utc)


@pytest.fixture
def fresh(tmp_path) -> Iterator[Session]:
    engine = make_engine(migrated_settings(tmp_path).database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def contact(session: Session, conversation: str, customer: Customer | None, asked: datetime,
            resolved: datetime | None = None, channel: str = "web") -> None:
    """A conversation with one KB question at ``asked`` and, optionally, a bot resolution."""
    if customer is not None:
        session.add(Conversation(id=conversation, customer_id=customer.id, channel="web"))
    session.add(KbQuery(conversation_id=conversation, channel=channel, question="where is my order", outcome="answer",
                        created_at=asked))
    if resolved is not None:
        session.add(Resolution(resolution_key=f"r:{conversation}", conversation_id=conversation, resolved_by="bot",
                               created_at=resolved))
    session.flush()


def customer(session: Session, name: str) -> Customer:
    row = Customer(name=name)
    session.add(row)
    session.flush()
    return row


def test_fcr_counts_a_return_after_8_days_as_a_new_first_contact(fresh):
    ada = customer(fresh, "Ada")
    contact(fresh, "a1", ada, T0, T0 + timedelta(minutes=5))
    contact(fresh, "a2", ada, T0 + timedelta(days=8), T0 + timedelta(days=8, minutes=5))
    # a1: next contact 8 days after its resolution → first contact; a2 likewise (nothing after it) → 2/2
    assert first_contact_resolution(fresh, MAY, LATER) == {
        "window_days": 7, "measured": 2, "first_contact": 2, "reopened": 0, "came_back": 0,
        "pending": 0, "follow_ups": 0, "fcr": 1.0,
    }


def test_fcr_second_conversation_within_7_days_and_one_without_a_customer(fresh):
    bo = customer(fresh, "Bo")
    contact(fresh, "b1", bo, T0, T0 + timedelta(minutes=5))
    contact(fresh, "b2", bo, T0 + timedelta(days=6, hours=23), T0 + timedelta(days=7))
    contact(fresh, "loner", None, T0, T0 + timedelta(minutes=5))
    contact(fresh, "help", None, T0, channel="help_centre")  # a help-centre reader: no contact
    # b1 came back (b2 starts 6 d 23 h after); b2 is its follow-up; "loner" has no record → first contact
    assert first_contact_resolution(fresh, MAY, LATER) == {
        "window_days": 7, "measured": 2, "first_contact": 1, "reopened": 0, "came_back": 1,
        "pending": 0, "follow_ups": 1, "fcr": 0.5,
    }


def test_fcr_counts_a_conversation_in_the_range_of_its_first_resolution_only(fresh):
    dee = customer(fresh, "Dee")
    contact(fresh, "d1", dee, T0 - timedelta(days=10), T0 - timedelta(days=10) + timedelta(minutes=5))  # April
    fresh.add(Resolution(resolution_key="r:d1:again", conversation_id="d1", resolved_by="agent", created_at=T0))
    contact(fresh, "e1", customer(fresh, "Eli"), T0, T0 + timedelta(minutes=5))  # May, and again in June
    fresh.add(Resolution(resolution_key="r:e1:again", conversation_id="e1", resolved_by="agent",
                         created_at=T0 + timedelta(days=40)))
    fresh.flush()
    june = ReportRange(date(2026, 6, 1), date(2026, 6, 30))
    # May: d1 was first resolved in April, so only e1 (first resolved 05-04) is measured; June: nobody
    assert first_contact_resolution(fresh, MAY, LATER)["measured"] == 1
    assert first_contact_resolution(fresh, june, LATER)["measured"] == 0


def test_fcr_an_unresolved_contact_is_not_measured(fresh):
    cy = customer(fresh, "Cy")
    contact(fresh, "c1", cy, T0)  # asked, never resolved
    assert first_contact_resolution(fresh, MAY, LATER)["measured"] == 0


def test_reopens_by_an_agent_and_by_e_mail_are_counted_and_make_fcr_fail(fresh):
    agent = Agent(email="ana@example.com", name="Ana", password_hash="x")
    fresh.add(agent)
    fresh.flush()
    dee = customer(fresh, "Dee")
    contact(fresh, "d1", dee, T0)
    ticket = Ticket(idempotency_key="d1", reference="T-d1", conversation_id="d1", subject="Order", reason="customer_request",
                    status="assigned", assignee_id=agent.id, created_at=T0, updated_at=T0)
    fresh.add(ticket)
    fresh.commit()
    tickets.resolve(fresh, ticket_id=ticket.id, agent=agent, now=T0 + timedelta(hours=1))
    tickets.reopen(fresh, ticket_id=ticket.id, agent=agent, now=T0 + timedelta(days=2))
    tickets.resolve(fresh, ticket_id=ticket.id, agent=agent, now=T0 + timedelta(days=2, hours=1))
    with session_scope(make_session_factory(fresh.get_bind())) as other:
        assert reopen_by_customer(other, ticket=other.get_one(Ticket, ticket.id), now=T0 + timedelta(days=3))
    fresh.refresh(ticket)

    # Two reopens; the first one's time stays
    assert (ticket.reopen_count, ticket.first_reopened_at) == (2, T0 + timedelta(days=2))
    # d1's first resolution (T0 + 1 h) was followed by a reopen 2 days later → not first contact
    fcr = first_contact_resolution(fresh, MAY, LATER)
    assert (fcr["measured"], fcr["reopened"], fcr["fcr"]) == (1, 1, 0.0)
    assert reopen_rate(fresh, MAY) == {"resolved": 1, "reopened": 1, "rate": 1.0}


# ---------------------------------------------------------------- SLA (bot/helpdesk/sla.py) in the report


def test_sla_breaches_in_the_report(session):
    # Default targets: first response urgent 30 m, high 1 h, normal 4 h, low 1 d;
    # resolution urgent 4 h, high 1 d, normal 3 d, low 7 d. Tickets created in range:
    #   T1 high:   reply 12 min ≤ 1 h met;    resolved after 23 h ≤ 1 d met
    #   T2 urgent: reply 5 min ≤ 30 m met;    resolved after 27 h > 4 h breached
    #   T3 normal: reply 30 min ≤ 4 h met;    resolved after 24 h ≤ 3 d met
    #   T4 low:    never answered, long past 1 d: breached; never resolved, past 7 d: breached
    sla = build_report(session, date(2026, 3, 2), date(2026, 3, 15))["sla"]
    by_priority = lambda kind: [(row["priority"], row["breached"], row["met"], row["pending"]) for row in sla[kind]["by_priority"]]

    assert (sla["first_response"]["breached"], sla["first_response"]["met"], sla["first_response"]["pending"]) == (1, 3, 0)
    assert (sla["resolution"]["breached"], sla["resolution"]["met"], sla["resolution"]["pending"]) == (2, 2, 0)
    assert by_priority("resolution") == [("urgent", 1, 0, 0), ("high", 0, 1, 0), ("normal", 0, 1, 0), ("low", 1, 0, 0)]
    assert sla["first_response"]["targets_minutes"] == {"urgent": 30, "high": 60, "normal": 240, "low": 1440}


def test_sla_targets_in_the_report_come_from_the_settings(session, tmp_path):
    settings = migrated_settings(tmp_path).model_copy(update={"sla_resolution": "urgent=2d,high=1d,normal=3d,low=7d"})
    # T2 urgent, resolved after 27 h, now within 2 days: met
    sla = build_report(session, date(2026, 3, 2), date(2026, 3, 15), settings=settings)["sla"]
    assert sla["resolution"]["by_priority"][0] == {"priority": "urgent", "breached": 0, "met": 1, "pending": 0}

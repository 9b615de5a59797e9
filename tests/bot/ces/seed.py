"""Two weeks of support activity (2026-03-02 Mon … 2026-03-15 Sun, ISO weeks 10 and 11) plus a
little just outside them, for the report tests and the report-page browser test.

Conversations (c = conversation id):
  c1  KB answer 03-02, bot resolution, score 7 (web, en, reset-password)
  c2  KB abstain "shipping to canada" + answer 03-02, bot resolution, score 6 (web, en, reset-password)
  c3  KB abstain + miss "export my data" 03-03, ticket T1 kb_missed_twice, Dana resolves, score 2 (telegram, he)
  c4  no KB query; ticket T2 kb_missed_twice "Can I pay with PayPal?" 03-09, Omar resolves, score 4 (web, ar)
  c5  KB answer 03-11, bot resolution, score 5 (slack, cs, refund-status)
  c6  KB abstain "Exporting my data to CSV" 03-14, ticket T3 kb_missed_twice, Dana resolves, score 1 (no channel, en)
  c7  KB abstain (Hebrew) + answer 03-12, bot resolution, score 6 (web, he, refund-status)
  c8  KB abstain "Do you ship to Canada?" 03-13, customer left (no ticket, no resolution)
  c9  KB clarify 03-05, ticket T4 frustration, never answered
  c10 03-16 (outside): KB answer, ticket T5, Omar resolves, score 1
  c11 03-01 (outside): KB abstain "How do I export my data?", bot resolution, score 7
Priorities: T1 high, T2 urgent, T3 and T5 normal, T4 low.
T2 (c4) was first resolved on 03-09 10:00 (unrated), reopened at 11:00 and resolved again on 03-10.

Customers (for first-contact resolution): Ann owns c1 and c2 (c2 starts 4 h 50 min after c1's
resolution), Noa c3, Karim c4, Petr c5 and c11 (c5 starts 9 days after c11's resolution), Yael c7;
c6, c8, c9 and c10 have no customer record.

Also in the range, none of which moves a CES, containment or ticket figure:
  CSAT ratings 5, 4, 2, 5 and NPS ratings 10, 9, 7, 6, 3, 10 (from the e-mail survey link, no
  resolution); a CSAT 1 and an NPS 0 on 03-16 (outside);
  help-centre searches (channel help_centre): "reset password" answered, "gift card balance" abstained,
  and two probes abstained: "<script>alert(1)</script>" and "' OR 1=1--";
  noise that abstained in chats that already had a KB query: "dunno" (c8), "אין לי מושג" (c7), "🤷" (c2);
  article votes: reset-password yes 3 / no 1, refund-status-he no 2, shipping-times yes 2;
  one No on reset-password on 03-16 (outside).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.db import migrate, session_scope
from bot.helpdesk.ticket_rules import PRIORITY_RANKS
from bot.models import (
    Agent,
    ArticleFeedback,
    Conversation,
    Customer,
    KbQuery,
    Resolution,
    SurveyRating,
    Ticket,
)
from bot.settings import Settings, load_settings

SINCE = "2026-03-02"
UNTIL = "2026-03-15"
ADMIN_EMAIL = "lead@example.com"
ADMIN_PASSWORD = "correct horse battery staple"


def migrated_settings(directory: Path) -> Settings:
    """Settings for a fresh install in ``directory`` (SQLite under its var/), schema migrated."""
    settings = load_settings({"EFFORTLESS_VAR_DIR": str(directory / "var"), "LOG_LEVEL": "WARNING"})
    migrate(settings)
    return settings


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=timezone.utc)


def seed_report_data(factory: sessionmaker, password_hash: str = "not-a-real-hash") -> dict[str, int]:
    """Insert the data above; returns the agent ids by name."""
    with session_scope(factory) as session:
        dana = Agent(email="dana@example.com", name="Dana Levi", role="agent", password_hash=password_hash)
        omar = Agent(email="omar@example.com", name="Omar Haddad", role="agent", password_hash=password_hash)
        session.add_all([dana, omar])
        session.flush()

        def kb(conversation: str, when: datetime, question: str, outcome: str, language: str = "en",
               channel: str = "web", article: str | None = None) -> None:
            session.add(KbQuery(conversation_id=conversation, channel=channel, question=question, language=language,
                                article_id=article, outcome=outcome, created_at=when))

        def ticket(key: str, conversation: str, created: datetime, reason: str, subject: str, language: str,
                   channel: str, assignee: Agent | None = None, first_reply: datetime | None = None,
                   resolved: datetime | None = None, priority: str = "normal") -> Ticket:
            row = Ticket(idempotency_key=key, reference=f"T-{key}", conversation_id=conversation, channel=channel,
                         language=language, subject=subject, reason=reason, priority=priority,
                         priority_rank=PRIORITY_RANKS[priority],
                         status="resolved" if resolved else "waiting", assignee_id=assignee.id if assignee else None,
                         created_at=created, updated_at=created, first_reply_at=first_reply, resolved_at=resolved)
            session.add(row)
            session.flush()
            return row

        def rated(conversation: str, when: datetime, score: int, resolved_by: str, language: str,
                  channel: str | None, article: str | None = None, agent: Agent | None = None,
                  on_ticket: Ticket | None = None) -> None:
            resolution = Resolution(resolution_key=f"seed:{conversation}", conversation_id=conversation,
                                    resolved_by=resolved_by, ticket_id=on_ticket.id if on_ticket else None,
                                    agent_id=agent.id if agent else None, article_id=article, channel=channel,
                                    language=language, created_at=when)
            session.add(resolution)
            session.flush()
            session.add(SurveyRating(resolution_id=resolution.id, conversation_id=conversation,
                                  ticket_id=resolution.ticket_id, score=score, resolved_by=resolved_by,
                                  agent_id=resolution.agent_id, article_id=article, channel=channel,
                                  language=language, created_at=when))

        kb("c1", at(2, 9, 58), "how do I reset my password", "answer", article="reset-password")
        rated("c1", at(2, 10), 7, "bot", "en", "web", article="reset-password")

        kb("c2", at(2, 14, 50), "shipping to canada", "abstain")
        kb("c2", at(2, 14, 55), "forgot my password", "answer", article="reset-password")
        rated("c2", at(2, 15), 6, "bot", "en", "web", article="reset-password")

        kb("c3", at(3, 10), "How do I export my data?", "abstain", channel="telegram")
        kb("c3", at(3, 10, 5), "how can I export data", "miss", channel="telegram")
        t1 = ticket("1", "c3", at(3, 10, 10), "kb_missed_twice", "how can I export data", "he", "telegram",
                    dana, first_reply=at(3, 10, 22), resolved=at(4, 9, 10), priority="high")
        rated("c3", at(4, 9, 15), 2, "agent", "he", "telegram", agent=dana, on_ticket=t1)

        t2 = ticket("2", "c4", at(9, 9), "kb_missed_twice", "Can I pay with PayPal?", "en", "web",
                    omar, first_reply=at(9, 9, 5), resolved=at(10, 12), priority="urgent")
        t2.reopen_count, t2.first_reopened_at = 1, at(9, 11)
        session.add(Resolution(resolution_key="seed:c4:first", conversation_id="c4", resolved_by="agent",
                               ticket_id=t2.id, agent_id=omar.id, channel="web", language="ar", created_at=at(9, 10)))
        rated("c4", at(10, 12, 5), 4, "agent", "ar", "web", agent=omar, on_ticket=t2)

        kb("c5", at(11, 7, 55), "where is my refund", "answer", language="cs", channel="slack", article="refund-status")
        rated("c5", at(11, 8), 5, "bot", "cs", "slack", article="refund-status")

        kb("c6", at(14, 19, 55), "Exporting my data to CSV", "abstain")
        t3 = ticket("3", "c6", at(14, 20), "kb_missed_twice", "Exporting my data to CSV", "en", "web",
                    dana, first_reply=at(14, 20, 30), resolved=at(15, 20))
        rated("c6", at(15, 23, 59, 59), 1, "agent", "en", None, agent=dana, on_ticket=t3)

        kb("c7", at(12, 17, 50), "איך לייצא נתונים?", "abstain", language="he")
        kb("c7", at(12, 17, 55), "החזר כספי", "answer", language="he", article="refund-status")
        rated("c7", at(12, 18), 6, "bot", "he", "web", article="refund-status")

        kb("c8", at(13, 11), "Do you ship to Canada?", "abstain")

        kb("c9", at(5, 13, 55), "this is useless", "clarify")
        ticket("4", "c9", at(5, 14), "frustration", "The customer seemed frustrated.", "en", "web", priority="low")

        kb("c10", at(16, 7, 55), "refund?", "answer", article="refund-status")
        t5 = ticket("5", "c10", at(16, 8), "customer_request", "refund", "en", "web", omar,
                    first_reply=at(16, 8, 1), resolved=at(16, 9))
        rated("c10", at(16, 0, 0, 0), 1, "agent", "en", "web", agent=omar, on_ticket=t5)

        kb("c11", at(1, 23, 50), "How do I export my data?", "abstain")
        rated("c11", at(1, 23, 59, 59), 7, "bot", "en", "web")

        for name, conversations in (("Ann", ("c1", "c2")), ("Noa", ("c3",)), ("Karim", ("c4",)),
                                    ("Petr", ("c5", "c11")), ("Yael", ("c7",))):
            customer = Customer(name=name)
            session.add(customer)
            session.flush()
            session.add_all(Conversation(id=conversation, customer_id=customer.id, channel="web")
                            for conversation in conversations)

        for index, (survey, score, when) in enumerate(
            [("csat", score, at(day, 12)) for score, day in ((5, 3), (4, 3), (2, 10), (5, 11))]
            + [("nps", score, at(day, 16)) for score, day in ((10, 2), (9, 4), (7, 9), (6, 9), (3, 12), (10, 15))]
            + [("csat", 1, at(16, 12)), ("nps", 0, at(16, 12))]
        ):
            session.add(SurveyRating(survey=survey, conversation_id=f"survey-link-{index}", score=score,
                                     resolved_by="agent", channel="email", created_at=when))

        kb("help:1", at(6, 9), "reset password", "answer", channel="help_centre", article="reset-password")
        kb("help:2", at(6, 9, 5), "gift card balance", "abstain", channel="help_centre")
        kb("help:3", at(6, 9, 10), "<script>alert(1)</script>", "abstain", channel="help_centre")
        kb("help:4", at(6, 9, 11), "' OR 1=1--", "abstain", channel="help_centre")
        kb("c8", at(13, 11, 1), "dunno", "abstain")
        kb("c7", at(12, 17, 51), "אין לי מושג", "abstain", language="he")
        kb("c2", at(2, 14, 51), "🤷", "abstain")
        for article, language, votes, day in (("reset-password", "en", [True, True, True, False], 7),
                                               ("refund-status-he", "he", [False, False], 8),
                                               ("shipping-times", "en", [True, True], 9),
                                               ("reset-password", "en", [False], 16)):
            session.add_all(ArticleFeedback(article_id=article, language=language, helpful=helpful,
                                            created_at=at(day, 10, minute)) for minute, helpful in enumerate(votes))
        return {"Dana Levi": dana.id, "Omar Haddad": omar.id}

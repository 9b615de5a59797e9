"""The report as a CSV table and as readable text, from the seeded two weeks (see seed.py)."""
from __future__ import annotations

import csv
import io
from datetime import date

from bot.ces.render import report_csv, report_text
from bot.ces.report import build_report


def test_report_csv_is_a_flat_table(session):
    rows = list(csv.reader(io.StringIO(report_csv(build_report(session, date(2026, 3, 2), date(2026, 3, 15))))))

    assert rows[0] == ["section", "dimension", "key", "metric", "value"]
    assert all(len(row) == 5 for row in rows)
    assert ["ces_summary", "", "", "mean", "4.43"] in rows
    assert ["ces_distribution", "score", "6", "count", "2"] in rows
    assert ["ces_trend", "week", "2026-W11", "mean", "4.0"] in rows
    assert ["ces_by", "agent", "Dana Levi", "mean", "1.5"] in rows
    assert ["containment", "", "", "escalation_rate", "0.4444"] in rows
    assert ["escalations", "reason", "frustration", "count", "1"] in rows
    assert ["escalations", "channel", "telegram", "share", "0.25"] in rows
    assert ["escalations", "withdrawn", "", "count", "0"] in rows
    assert ["ticket_times", "resolution", "", "p90_minutes", "1620.0"] in rows
    assert ["kb_gaps", "group", "2", "representative", "shipping to canada"] in rows
    assert ["kb_gaps", "", "", "left_out_as_noise", "5"] in rows


def test_report_csv_neutralises_spreadsheet_formulas_in_customer_text(session):
    built = build_report(session, date(2025, 1, 1), date(2025, 1, 2))
    built["kb_gaps"]["groups"] = [{"representative": "=HYPERLINK(\"http://evil\")", "count": 1, "conversations": 1,
                                   "languages": ["en"], "examples": []}]
    built["kb_gaps"]["unhelpful_articles"]["articles"] = [
        {"article_id": "@evil", "language": "en", "helpful": 0, "unhelpful": 1, "share_unhelpful": 1.0}]

    text = report_csv(built)
    assert "'=HYPERLINK" in text and "'@evil" in text


def test_report_csv_has_the_service_metrics(session):
    rows = list(csv.reader(io.StringIO(report_csv(build_report(session, date(2026, 3, 2), date(2026, 3, 15))))))

    # figures from tests/bot/ces/test_service_metrics.py
    assert ["csat_summary", "", "", "share_satisfied", "0.75"] in rows
    assert ["csat_distribution", "score", "5", "count", "2"] in rows
    assert ["csat_trend", "week", "2026-W11", "mean", "3.5"] in rows
    assert ["nps_summary", "", "", "nps", "17"] in rows
    assert ["nps_trend", "week", "2026-W11", "nps", "-25"] in rows  # a number, not text to neutralise
    assert ["fcr", "", "", "fcr", "0.6667"] in rows and ["fcr", "", "", "pending", "0"] in rows
    assert ["escalations", "reopened", "", "rate", "0.3333"] in rows
    assert ["sla", "resolution", "urgent", "breached", "1"] in rows
    assert ["sla", "first_response", "low", "target_minutes", "1440"] in rows
    assert ["kb_gaps", "unhelpful_article", "refund-status-he", "unhelpful", "2"] in rows


def test_report_text_reads_like_a_report(session):
    text = report_text(build_report(session, date(2026, 3, 2), date(2026, 3, 15)))

    assert "Effortless support report 2026-03-02 .. 2026-03-15 (UTC)" in text
    assert "responses 7   mean 4.43   easy 4 (57.1%)" in text
    assert "contained 5 (55.6%)   escalated 4 (44.4%)" in text
    assert "Tickets by channel\n  channel   tickets  share\n  web       3        75.0%" in text
    assert "1. How do I export my data?  — 3 questions, 2 conversations [en]" in text
    assert "איך לייצא נתונים?  — 1 question, 1 conversation [he]\n  left out as noise (markup or code, filler, no letters): 5" in text
    assert "responses 4   mean 4.00   satisfied 3 (75.0%)" in text
    assert "responses 6   NPS +17   promoters 3   passives 1   detractors 2" in text
    assert "FCR 66.7% of 6 resolved contacts   reopened 1   came back 1" in text
    assert "reopened 1 of 3 resolved tickets (33.3%)" in text
    assert "  urgent    0 / 1 / 0       1 / 0 / 0" in text
    assert "  refund-status-he  he        2   0    100.0%" in text


def test_report_text_says_nothing_about_noise_when_none_was_left_out(session):
    text = report_text(build_report(session, date(2025, 1, 1), date(2025, 1, 2)))

    assert "KB gaps (0 unanswered questions in 0 groups)\n  none\n\nHelp-centre articles" in text

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


def test_report_csv_neutralises_spreadsheet_formulas_in_customer_text():
    built = {"range": {"since": "2026-03-02", "until": "2026-03-02"},
             "ces": {"summary": {}, "distribution": [], "trend": {}, "by": {}},
             "containment": {}, "escalations": {"tickets": 0, "reasons": [], "channels": [], "withdrawn": {"count": 0, "share": None}},
             "ticket_times": {"tickets": 0, "first_response": {}, "resolution": {}},
             "kb_gaps": {"questions": 1, "groups": [{"representative": "=HYPERLINK(\"http://evil\")", "count": 1,
                                                     "conversations": 1, "languages": ["en"], "examples": []}]}}

    assert "'=HYPERLINK" in report_csv(built)


def test_report_text_reads_like_a_report(session):
    text = report_text(build_report(session, date(2026, 3, 2), date(2026, 3, 15)))

    assert "Effortless support report 2026-03-02 .. 2026-03-15 (UTC)" in text
    assert "responses 7   mean 4.43   easy 4 (57.1%)" in text
    assert "contained 5 (55.6%)   escalated 4 (44.4%)" in text
    assert "Tickets by channel\n  channel   tickets  share\n  web       3        75.0%" in text
    assert "1. How do I export my data?  — 3 questions, 2 conversations [en]" in text

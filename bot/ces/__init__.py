"""Customer Effort Score (CES 2.0): parsing answers, storing ratings, and the support reports.

- :mod:`bot.ces.parse`  — free-text answer → score 1..7 (en, he, ar, cs), skip detection
- :mod:`bot.ces.store`  — resolutions and ratings, idempotent, for the Rasa actions
- :mod:`bot.ces.periods` — report date ranges (UTC days)
- :mod:`bot.ces.report` — the aggregates and :func:`~bot.ces.report.build_report`
- :mod:`bot.ces.render` — the report as text or CSV
- :mod:`bot.ces.cli`    — ``python -m bot report``
- :mod:`bot.ces.api`    — JSON/CSV endpoints and the admin report page
"""

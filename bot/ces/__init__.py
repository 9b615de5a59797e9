"""Customer Effort Score (CES 2.0): parsing answers, storing ratings, and the support reports.

- :mod:`bot.ces.parse`  — free-text answer → score 1..7 (en, he, ar, cs), skip detection
- :mod:`bot.ces.store`  — resolutions and ratings, idempotent, for the Rasa actions
- :mod:`bot.ces.report` — aggregates, ``python -m bot report``
- :mod:`bot.ces.api`    — JSON/CSV endpoints and the admin report page
"""

"""The three surveys the bot can ask after a resolution (``SURVEY``): what each one's scale is, which
Rasa responses ask it, and which scores count as low (an apology and a follow-up by a person).

- ``ces``: Customer Effort Score 2.0, "<Company> made it easy for me to handle my issue", 1..7;
  low is ``CES_LOW_SCORE_THRESHOLD`` or less (3 by default).
- ``csat``: "How satisfied are you with the help you got?", 1..5; low is 1 or 2 (dissatisfied).
- ``nps``: "How likely are you to recommend <Company> to a friend or colleague?", 0..10; low is 0..6,
  the detractors of the Net Promoter Score. Asked at most once per customer per ``NPS_INTERVAL_DAYS``
  (see :func:`bot.ces.store.should_ask`), because it is a question about the relationship, not about
  one request.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.settings import Settings


@dataclass(frozen=True)
class Survey:
    name: str
    min_score: int
    max_score: int
    ask_response: str
    reask_response: str
    # The highest low score; ``None`` for CES, whose threshold is a setting.
    low_score_max: int | None = None

    @property
    def scores(self) -> range:
        return range(self.min_score, self.max_score + 1)

    def accepts(self, score: int) -> bool:
        return self.min_score <= score <= self.max_score

    def is_low(self, settings: Settings, score: int) -> bool:
        highest_low = settings.ces_low_score_threshold if self.low_score_max is None else self.low_score_max
        return score <= highest_low


CES = Survey("ces", 1, 7, "utter_ask_effort_score", "utter_effort_reask")
CSAT = Survey("csat", 1, 5, "utter_ask_csat_score", "utter_csat_reask", low_score_max=2)
NPS = Survey("nps", 0, 10, "utter_ask_nps_score", "utter_nps_reask", low_score_max=6)
SURVEYS = {survey.name: survey for survey in (CES, CSAT, NPS)}


def survey_named(name: str | None) -> Survey:
    """The survey called ``name``; ``ValueError`` names the known ones."""
    if name not in SURVEYS:
        raise ValueError(f"unknown survey {name!r}: one of {', '.join(SURVEYS)}")
    return SURVEYS[name]


def configured_survey(settings: Settings) -> Survey:
    """The survey ``SURVEY`` names."""
    return survey_named(settings.survey)


ASK_ACTION = "action_ask_effort_score"
"""The Rasa action that asks whichever survey is configured (its name keeps "effort", see actions/ces.py)."""


def asked_this_session(events: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the survey question was asked since the conversation's session began (Rasa starts a new
    session after an hour without messages): one chat that resolves three questions is asked once, not
    three times, as customers expect from support chats."""
    asked = False
    for event in events:
        if event.get("event") == "session_started":
            asked = False
        elif event.get("event") == "action" and event.get("name") == ASK_ACTION:
            asked = True
    return asked

"""The survey question after a resolution: whichever ``SURVEY`` names — CES (effort, 1..7, the
default), CSAT (satisfaction, 1..5) or NPS (recommend, 0..10); see :mod:`bot.ces.surveys`.

Naming: Python modules and functions call this feature ``ces`` (actions/ces.py, bot/ces/), after the
first survey. The Rasa names keep "effort" for every survey: the form ``ces_form``, the intent
``rate_effort``, the slots ``effort_score``/``effort_comment``/``effort_attempts``/``effort_skipped``,
the ``utter_effort_*`` responses and the actions ``action_ask_effort_score``/``action_save_effort_score``
(so the classes :class:`ActionAskEffortScore`/:class:`ActionSaveEffortScore` and the ``validate_effort_*``
methods, whose names follow them); renaming those would change the trained model and the conversation
tests. The asking action utters the survey's own question (``utter_ask_csat_score``, ...) and sets the
slot ``survey``, so the answer is read and stored on the scale that was asked even if ``SURVEY``
changes meanwhile, and the responses after it (thanks, follow-up) can say the right thing.
"""
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import in_session, services
from bot.ces.parse import comment_asks_a_question, is_skip, parse_score
from bot.ces.store import RatingOutcome, is_low_score, record_rating
from bot.ces.surveys import ASK_ACTION, SURVEYS, Survey, configured_survey
from bot.helpdesk.accounts import MAX_DB_ID

logger = logging.getLogger(__name__)

MAX_UNCLEAR_ANSWERS = 2
MAX_COMMENT_CHARS = 2000
SKIP_INTENTS = ("deny", "cancel")


def _resolution_id(value: Any) -> int | None:
    """The slot's resolution id as a database id, or None when it cannot be one."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_DB_ID else None


def _asked_survey(tracker: Tracker) -> Survey:
    """The survey this conversation was asked (slot ``survey``), else the one ``SURVEY`` names."""
    return SURVEYS.get(tracker.get_slot("survey") or "") or configured_survey(services().settings)


def _declined(tracker: Tracker, text: str) -> bool:
    """A "no comment" button (its payload is an intent), or words like "skip" in any language."""
    return text.startswith("/") or is_skip(text, tracker.get_slot("language") or "en", _asked_survey(tracker))


class ValidateCesForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ces_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("effort_skipped") else domain_slots

    async def validate_effort_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A score is stored at once (the comment question after it is optional, and a customer may leave
        there). A question instead of a score ("how do I return the other pair?", or anything NLU reads as
        a question that holds no score) leaves the survey to be answered; a sentence that holds a score is
        that score, whatever NLU made of it ("honestly pretty hard, i had to explain everything twice")."""
        text = str(value or "")
        intent = tracker.get_intent_of_latest_message()
        if comment_asks_a_question(text, intent):
            return _leave_to_answer()
        survey = _asked_survey(tracker)
        score = parse_score(text, tracker.get_slot("language") or "en", survey)
        if score is not None:
            await _store_score(tracker, score, survey)
            return {"effort_score": score, "effort_attempts": 0}
        if intent == "ask_question":
            return _leave_to_answer()
        if _declined(tracker, text) or intent in SKIP_INTENTS:
            return {"effort_score": None, "effort_skipped": True}
        attempts = int(tracker.get_slot("effort_attempts") or 0) + 1
        if attempts >= MAX_UNCLEAR_ANSWERS:  # one polite re-ask, then drop it
            return {"effort_score": None, "effort_skipped": True, "effort_attempts": attempts}
        return {"effort_score": None, "effort_attempts": attempts}

    async def validate_effort_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = str(value or "")
        if _declined(tracker, text):
            return {"effort_comment": ""}
        return {"effort_comment": text[:MAX_COMMENT_CHARS]}


def _leave_to_answer() -> dict[str, Any]:
    """End the survey without a score, and have the message answered (data/rules/effort_score.yml)."""
    return {"effort_score": None, "effort_skipped": True, "next_step": "answer_question"}


async def _store_score(tracker: Tracker, score: int, survey: Survey) -> None:
    """Record the score for the resolution the survey is about; the comment, if any, is added later."""
    resolution_id = _resolution_id(tracker.get_slot("resolution_id"))
    if resolution_id is None:
        return
    await in_session(record_rating, resolution_id=resolution_id, conversation_id=tracker.sender_id, score=score,
                     survey=survey.name)


class ActionAskEffortScore(Action):
    """Ask the survey's question, or re-ask once more clearly after an answer we could not read."""

    def name(self) -> str:
        return ASK_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if int(tracker.get_slot("effort_attempts") or 0) > 0:
            survey = _asked_survey(tracker)
            dispatcher.utter_message(response=survey.reask_response)
        else:
            survey = configured_survey(services().settings)
            dispatcher.utter_message(response=survey.ask_response)
        return [SlotSet("survey", survey.name)]


class ActionSaveEffortScore(Action):
    """Store the rating once per resolution (normally stored when the score was given, so
    ``record_rating`` only adds the comment here); a low score offers a follow-up by a person, and a comment that is
    a new question is answered after it is kept (``next_step: answer_question``).

    The resolution must belong to this conversation (``tracker.sender_id``): an id from anywhere
    else is ignored and logged, and the customer is thanked as for any rating.
    """

    def name(self) -> str:
        return "action_save_effort_score"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        svc = services()
        survey = _asked_survey(tracker)
        score = tracker.get_slot("effort_score")
        resolution_id = _resolution_id(tracker.get_slot("resolution_id"))
        reset: list[EventType] = [
            SlotSet("effort_score", None), SlotSet("effort_comment", None), SlotSet("effort_attempts", 0),
            SlotSet("effort_skipped", False), SlotSet("resolution_id", None),
        ]
        if score is None and tracker.get_slot("next_step") == "answer_question":
            # A question instead of a score: answered next (data/rules/effort_score.yml), without a word about the survey.
            return reset + [SlotSet("next_step", "answer_question")]
        if score is None or resolution_id is None:
            dispatcher.utter_message(response="utter_effort_skipped")
            return reset + [SlotSet("next_step", None)]
        comment = tracker.get_slot("effort_comment") or None
        outcome = await in_session(
            record_rating, resolution_id=resolution_id, conversation_id=tracker.sender_id, score=int(score),
            comment=comment, survey=survey.name,
        )
        dispatcher.utter_message(response="utter_effort_thanks")
        if outcome is RatingOutcome.OTHER_CONVERSATION:
            logger.warning("ignored a rating of resolution %s by conversation %s: the resolution is another "
                           "conversation's", resolution_id, tracker.sender_id)
            return reset + [SlotSet("next_step", None)]
        if is_low_score(svc.settings, int(score), survey.name):
            return reset + [SlotSet("next_step", "escalate"), SlotSet("escalation_reason", "low_effort_score")]
        if comment_asks_a_question(tracker.get_slot("effort_comment"), tracker.get_intent_of_latest_message()):
            return reset + [SlotSet("next_step", "answer_question")]  # kept as the comment, then answered
        return reset + [SlotSet("next_step", None)]

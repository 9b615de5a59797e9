"""HandoffPolicy: while a person owns the conversation, the bot stays silent.

Rules cannot say "any intent", so this policy does: when the ``handoff_active`` slot is true,
every customer message is answered by ``action_relay_to_agent`` (which forwards it to the
agent) and nothing else. Messages the helpdesk injects (``EXTERNAL_*`` intents: agent
replies, agent joined, ticket resolved), the ``/restart`` command and the "keep waiting" button still
follow the normal rules; a typed message read as a restart goes to the agent like any other.

A customer who wants to stop waiting gets ``action_withdraw_handoff`` instead of the relay, but
only when that cannot be a misreading of a message meant for the agent ("I want to cancel my
order"): a button's ``/withdraw_request``, or a short message read as a leaving intent with high
confidence (and even then the action asks to confirm).

Outside a live handoff, a customer whose conversation has a ticket (one left for the team to answer
later, or an earlier one) and who asks about the wait ("any update?", "jak dlouho ještě?") gets
``action_ticket_status``: the ticket's state, its place in the queue and the usual wait. DIET read
these as anything from a KB question to an effort score, and "هل من جديد؟" ("any news?") as a restart,
which would have wiped the conversation: that one gets the status even without a ticket (which then
says it finds none).

ConversationSlotsPolicy sets ``language`` and ``company`` inside Rasa, and IntroductionPolicy greets by name a
customer who only said who they are (see their docstrings).
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Reversible
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

# Standard library only, like bot/engine/channels/payloads.py: the one other part of bot/ the engine may import.
from bot.engine.feedback_words import ASK_HELPED, only_thanks
from bot.engine.introductions import INTRODUCE_SELF
from bot.engine.last_response import last_bot_response
from bot.engine.wait_questions import asks_about_the_wait
from bot.language import conversation_language, has_written_words, language_from_entities

RELAY_ACTION = "action_relay_to_agent"
STATUS_ACTION = "action_ticket_status"
HANDOFF_SLOT = "handoff_active"
TICKET_SLOT = "ticket_reference"
WITHDRAW_ACTION = "action_withdraw_handoff"
PASS_THROUGH_INTENTS = frozenset({"restart", "session_start", "keep_waiting"})
LEAVING_INTENTS = frozenset({"cancel", "withdraw_request"})
# "never mind, i found it" is 5 words; longer messages are usually about something else.
LEAVING_MAX_WORDS = 5
LEAVING_MIN_CONFIDENCE = 0.8
LANGUAGE_SLOT = "language"
COMPANY_SLOT = "company"
COMPANY_NAME_VARIABLE = "COMPANY_NAME"
GREET_BY_NAME_ACTION = "utter_nice_to_meet_you"
FEEDBACK_ACTION = "action_kb_feedback"
EFFORT_FORM = "ces_form"
THANK_INTENT = "thank"


class UntrainedPolicy(Policy):
    """A policy whose decisions are code, not learnt: training leaves nothing to store."""

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource


class ActionRulePolicy(UntrainedPolicy):
    """Predicts one of its own actions when :meth:`_next_action` says so, and listening after any of them."""

    own_actions: tuple[str, ...] = ()

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        next_action = self._next_action(tracker)
        if next_action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(next_action)] = 1.0
        elif tracker.latest_action_name in self.own_actions:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _next_action(tracker: DialogueStateTracker) -> str | None:
        raise NotImplementedError


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class HandoffPolicy(ActionRulePolicy):
    """Predicts the relay action for customer messages during a live handoff, and the ticket's status
    for a question about the wait outside one."""

    own_actions = (RELAY_ACTION, WITHDRAW_ACTION, STATUS_ACTION)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6) so an intent's rule never speaks over the agent, and above every other policy (Rasa
        # warns when two share a priority).
        return {"priority": 8}

    @staticmethod
    def _next_action(tracker: DialogueStateTracker) -> str | None:
        """The relay or the withdrawal for a customer message during a handoff, the ticket's status for a
        question about the wait outside one; None otherwise."""
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        intent = tracker.latest_message.intent or {}
        name = intent.get("name") or ""
        if name.startswith("EXTERNAL_"):
            return None
        # A question about the wait is neither leaving nor starting over, whatever DIET read ("still waiting"
        # as withdrawing the request, "هل من جديد؟", "any news?", as a restart, which would end the handoff).
        about_the_wait = asks_about_the_wait(tracker.latest_message.text)
        if not tracker.get_slot(HANDOFF_SLOT):
            asked = about_the_wait and not tracker.active_loop_name
            return STATUS_ACTION if asked and (tracker.get_slot(TICKET_SLOT) or name == "restart") else None
        if about_the_wait:
            return RELAY_ACTION
        # Only the /restart command restarts a handoff: DIET reads "i tried again from the start" (and its Hebrew
        # and Czech) as restart, which would wipe the conversation and the customer's place with the agent.
        if name in PASS_THROUGH_INTENTS and (name != "restart" or _is_command(tracker)):
            return None
        return WITHDRAW_ACTION if name in LEAVING_INTENTS and _means_leaving(tracker) else RELAY_ACTION


def _is_command(tracker: DialogueStateTracker) -> bool:
    """A button's payload, or the payload typed on purpose ("/restart")."""
    return (tracker.latest_message.text or "").strip().startswith("/")


def _means_leaving(tracker: DialogueStateTracker) -> bool:
    text = (tracker.latest_message.text or "").strip()
    if _is_command(tracker):
        return True
    confidence = (tracker.latest_message.intent or {}).get("confidence") or 0.0
    return len(text.split()) <= LEAVING_MAX_WORDS and confidence >= LEAVING_MIN_CONFIDENCE


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ConversationSlotsPolicy(UntrainedPolicy):
    """Sets ``language`` (from each customer message) and ``company`` (once) as mandatory events.

    These two slots used to be set by ``action_validate_slot_mappings``, an action-server round trip (the
    whole tracker serialised both ways) after every customer message. A policy's mandatory events are
    applied by Rasa before the predicted action runs (``rasa/core/processor.py`` ``_run_action``), so a
    response's ``condition`` on ``language`` already sees the new value, whichever policy wins the turn
    (the handoff relay included). The policy never predicts an action itself.

    The language rules are :func:`bot.language.conversation_language`, which the actions' own language
    handling uses too (``bot/language.py`` is standard library only, so the engine may import it).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Its probabilities are all zero, so its priority never decides a turn.
        return {"priority": 0}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        return self._prediction(self._default_predictions(domain), events=slot_events(tracker, os.environ))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class IntroductionPolicy(ActionRulePolicy):
    """Greets by name a customer who only said who they are (``introduce_self``, read by
    ``bot.engine.introductions``; the ``customer_name`` slot's mapping keeps the name for a ticket).

    A policy rather than a rule: a rule naming the intent adds it to what DIET trains on, and that moved
    DIET's readings of unrelated borderline messages (five conversation tests, "hi, good day to you" read as
    goodbye). During a handoff the agent gets the message (HandoffPolicy); while a form asks something, the
    form takes it (the name asked for, "my name is Dana", is Dana).
    """

    own_actions = (GREET_BY_NAME_ACTION,)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # A priority of its own (RulePolicy has 6): ties are broken by priority, and equal ones by config order.
        return {"priority": 5}

    @staticmethod
    def _next_action(tracker: DialogueStateTracker) -> str | None:
        introduced = (tracker.latest_action_name == ACTION_LISTEN_NAME
                      and (tracker.latest_message.intent or {}).get("name") == INTRODUCE_SELF)
        if introduced and not tracker.active_loop_name and not tracker.get_slot(HANDOFF_SLOT):
            return GREET_BY_NAME_ACTION
        return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ThanksForAnAnswerPolicy(ActionRulePolicy):
    """A thank-you right under "Did that answer your question?" says that it did: the yes/no action takes it as a
    yes (the answer counts as resolved by the bot, and the effort question may follow), where the small-talk rule
    said "You're welcome! Anything else?" and left the answer unrated. Customers thank far more often than they
    press Yes.

    A policy rather than a rule: a rule cannot see the question the knowledge base's action asked (a message it
    sent, not an action of its own). Only for the turn it starts: the effort form it opens is the rules' after.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6), whose small-talk rule answers every thank-you; below HandoffPolicy (8), and it steps
        # aside during a handoff anyway.
        return {"priority": 7}

    @staticmethod
    def _next_action(tracker: DialogueStateTracker) -> str | None:
        """The yes/no action, then the effort form or listening, in the turn of such a thank-you; None otherwise
        (no own actions: after the yes/no action or the form in other turns, the rules decide)."""
        if (tracker.latest_message.intent or {}).get("name") != THANK_INTENT or tracker.get_slot(HANDOFF_SLOT):
            return None
        run = _actions_since_the_customer_spoke(tracker)
        if not run:
            thanks_an_answer = (only_thanks(tracker.latest_message.text) and not tracker.active_loop_name
                                and last_bot_response(_EventsAsDicts(tracker.events), this_session=True) == ASK_HELPED)
            return FEEDBACK_ACTION if thanks_an_answer else None
        if run[0] != FEEDBACK_ACTION:
            return None  # a turn this policy did not start
        if run == [FEEDBACK_ACTION]:
            return {"ask_effort": EFFORT_FORM, None: ACTION_LISTEN_NAME}.get(tracker.get_slot("next_step"))
        return ACTION_LISTEN_NAME if run == [FEEDBACK_ACTION, EFFORT_FORM] else None


class _EventsAsDicts:
    """A tracker's events as the dicts :func:`last_bot_response` reads, each converted only when reached from
    the end (a long conversation's every event was converted on each thank-you)."""

    def __init__(self, events: Reversible[Event]) -> None:
        self._events = events

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (event.as_dict() for event in self._events)

    def __reversed__(self) -> Iterator[dict[str, Any]]:
        return (event.as_dict() for event in reversed(self._events))


def _actions_since_the_customer_spoke(tracker: DialogueStateTracker) -> list[str]:
    """The actions run since the latest customer message, oldest first."""
    run: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            run.append(event.action_name)
    return run[::-1]


def slot_events(tracker: DialogueStateTracker, env: Mapping[str, str]) -> list[SlotSet]:
    """The SlotSets a customer message just received calls for: only values that change.

    Nothing before the turn's first prediction (the latest action is ``action_listen``), so the
    predictions for the actions that follow in the same turn add nothing.
    """
    if tracker.latest_action_name != ACTION_LISTEN_NAME:
        return []
    events = []
    company = env.get(COMPANY_NAME_VARIABLE, "")
    if company and tracker.get_slot(COMPANY_SLOT) != company:
        events.append(SlotSet(COMPANY_SLOT, company))
    current = tracker.get_slot(LANGUAGE_SLOT)
    language = _language_after(tracker, current)
    if language != current:
        events.append(SlotSet(LANGUAGE_SLOT, language))
    return events


def _language_after(tracker: DialogueStateTracker, current: str | None) -> str | None:
    message = tracker.latest_message
    user_texts = [event.text for event in tracker.events if isinstance(event, UserUttered)]
    return conversation_language(
        message.text,
        current,
        hint=(message.metadata or {}).get(LANGUAGE_SLOT),
        settled=has_written_words(user_texts[:-1]),
        collecting=tracker.get_slot(REQUESTED_SLOT) is not None,
        requested=language_from_entities(message.entities),
    )

"""The live handoff: customer messages go to the agent, agent messages and events come back."""
import logging
import time
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.knowledge_base import answer_if_known
from actions.services import in_session, in_thread, services, team_back_at
from bot.ces.store import already_rated, should_ask
from bot.engine.introductions import introduced_name
from bot.engine.wait_questions import asks_about_the_wait
from bot.escalation.details import customer_has_left, says_the_name
from bot.escalation.wording import agent_or_anyone, queue_place, wait_text
from bot.helpdesk.client import HelpdeskRejected, HelpdeskUnavailable
from bot.helpdesk.tickets import store_customer_line

logger = logging.getLogger(__name__)

# socket.io delivers a bot message's `custom` payload as-is, so the web widget can show agent
# messages as the agent's; channels without that see the agent's name in front of the text.
RICH_CHANNELS = ("socketio",)


def _entity(tracker: Tracker, name: str) -> str:
    return next(tracker.get_latest_entity_values(name), None) or ""


def _agent_name(tracker: Tracker) -> str:
    return agent_or_anyone(tracker.get_slot("language"), _entity(tracker, "agent_name"))


class ActionRelayToAgent(Action):
    """Forward the customer's message to the agent; the bot itself says nothing."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return await _relay_to_agent(dispatcher, tracker)


async def _relay_to_agent(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Pass the customer's latest message to the agent; the events that end the handoff when it is over."""
    not_passed_on = await _pass_on_or_say_why(dispatcher, tracker)
    if not_passed_on is not None:
        return not_passed_on
    introduced = introduced_name(_typed(tracker))
    if introduced is not None and says_the_name(_typed(tracker)):
        # "my name is Noa Cohen": the ticket, the console and the reports name them from now on ("call me around
        # noon" is no name)
        await add_to_ticket(tracker, name=introduced[0])
    if asks_about_the_wait(_typed(tracker)):
        await _tell_the_wait(dispatcher, tracker)
    return []


async def _pass_on_or_say_why(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Pass the customer's latest message on (:func:`pass_on`): None when it is on the ticket, else the events
    that end the action, the customer having heard why."""
    delivered = await pass_on(tracker)
    if delivered is None:
        dispatcher.utter_message(response="utter_relay_failed")
        return []
    return None if delivered else _handoff_over(dispatcher, tracker)


def _handoff_over(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The ticket was closed while we were not told: the bot takes over again."""
    dispatcher.utter_message(response="utter_handoff_ended")
    tell_widget(dispatcher, tracker, handoff_active=False)
    return [SlotSet("handoff_active", False)]


def _typed(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or "[message without text]"


async def pass_on(tracker: Tracker) -> bool | None:
    """Put the customer's latest message on their open ticket, for the agent: True when it is there, False when
    the conversation has no open ticket, None when it cannot be passed on now (the customer should hear so)."""
    # Rasa's message id makes a retried action (or the fallback below) store the line only once.
    line_id = (tracker.latest_message or {}).get("message_id") or uuid.uuid4().hex
    try:
        return await in_thread(services().tickets.relay_message, tracker.sender_id, _typed(tracker), "customer", line_id)
    except HelpdeskRejected as rejected:
        logger.warning("the helpdesk refused the message of %s: %s", tracker.sender_id, rejected)
        return None
    except HelpdeskUnavailable:
        if services().settings.ticket_backend != "builtin":
            return None
        try:  # the helpdesk service is down, its database need not be
            return await in_session(store_customer_line, conversation_id=tracker.sender_id, text=_typed(tracker),
                                    client_message_id=line_id)
        except SQLAlchemyError:
            return None


async def _tell_the_wait(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """While the ticket still waits for an agent, its place in the queue and the expected wait; once an
    agent has it, nothing (the agent is in the chat and has the question)."""
    try:
        tickets = await in_thread(services().tickets.ticket_status, tracker.sender_id,
                                  reference=tracker.get_slot("ticket_reference"))
    except HelpdeskUnavailable:
        return  # the question reached the ticket all the same
    waiting = next((ticket for ticket in tickets if ticket.status == "waiting"), None)
    if waiting is not None:
        language = tracker.get_slot("language") or "en"
        back_at = await team_back_at() if waiting.wait_estimate_minutes is None else None
        dispatcher.utter_message(response="utter_wait_update", ticket_reference=waiting.reference,
                                 queue_place=queue_place(language, waiting.queue_position),
                                 wait_text=wait_text(language, waiting.wait_estimate_minutes, back_at))


async def add_to_ticket(tracker: Tracker, name: str | None = None, email: str | None = None) -> None:
    """Put a detail given late on the open ticket. When that fails, the ticket keeps what it had (the
    question and the transcript) and the conversation goes on."""
    try:
        await in_thread(services().tickets.add_customer_details, tracker.sender_id, name, email)
    except (HelpdeskUnavailable, HelpdeskRejected) as failed:
        logger.warning("could not add the customer's details to the ticket of %s: %s", tracker.sender_id, failed)


def tell_widget(dispatcher: CollectingDispatcher, tracker: Tracker, handoff_active: bool) -> None:
    """The web widget shows its "Stop waiting" button only while a person owns the chat; other channels
    have no such button (and would show the marker as a message), so only socket.io gets it. Whatever
    starts a handoff (an agent joining, a reopened ticket, a ticket created with live handoff) says so."""
    if tracker.get_latest_input_channel() in RICH_CHANNELS:
        dispatcher.utter_message(json_message={"data": {"handoff": "active" if handoff_active else "ended"}})


class ActionWithdrawHandoff(Action):
    """The customer stops waiting for a person: the ticket is withdrawn and the bot takes over again.

    HandoffPolicy runs this during a handoff only for a button's ``/withdraw_request`` or a short,
    confidently read "never mind" / "I solved it". A typed one is still passed to the agent (it may be
    about something else: "cancel it" can mean an order) and the bot asks to confirm with buttons; the
    buttons (and the widget's "Stop waiting") withdraw at once. Outside a handoff, a typed one the KB
    answers with confidence is a question after all ("withdraw cookie consent") and gets that answer.
    """

    def name(self) -> str:
        return "action_withdraw_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        in_handoff = bool(tracker.get_slot("handoff_active"))
        if not _pressed_button(tracker) and not in_handoff:
            # nobody to stop waiting for: a KB question ("withdraw cookie consent"), or "I solved it"
            answer = await answer_if_known(dispatcher, tracker)
            if answer is not None:
                return answer
            dispatcher.utter_message(response="utter_withdraw_nothing_pending")
            return []
        return await withdraw_or_ask(dispatcher, tracker, in_handoff)


def _pressed_button(tracker: Tracker) -> bool:
    return ((tracker.latest_message or {}).get("text") or "").startswith("/")


async def withdraw_or_ask(dispatcher: CollectingDispatcher, tracker: Tracker, in_handoff: bool) -> list[EventType]:
    """The customer's ticket withdrawn at a button's ``/withdraw_request``; a typed "I solved it" goes to the ticket
    and is asked to confirm with buttons (:class:`ActionWithdrawHandoff`)."""
    if not _pressed_button(tracker):
        not_passed_on = await _pass_on_or_say_why(dispatcher, tracker)
        if not_passed_on is not None:
            return not_passed_on
        dispatcher.utter_message(response="utter_ask_withdraw")  # "… your message has been passed on as well"
        return []
    try:
        reference = await in_thread(services().tickets.withdraw, tracker.sender_id)
    except HelpdeskUnavailable:
        dispatcher.utter_message(response="utter_withdraw_failed")
        return []
    if reference is None:
        dispatcher.utter_message(response="utter_handoff_ended" if in_handoff else "utter_withdraw_nothing_pending")
        tell_widget(dispatcher, tracker, handoff_active=False)
        return [SlotSet("handoff_active", False)]
    dispatcher.utter_message(response="utter_request_withdrawn", ticket_reference=reference)
    tell_widget(dispatcher, tracker, handoff_active=False)
    return [SlotSet("handoff_active", False), SlotSet("ticket_reference", reference), SlotSet("next_step", None)]


class ActionAgentJoined(Action):
    def name(self) -> str:
        return "action_agent_joined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        handed_over_by = _entity(tracker, "previous_agent_name")
        if handed_over_by:  # a transfer: the customer learns why the person changed
            dispatcher.utter_message(response="utter_agent_transferred", agent_name=_agent_name(tracker),
                                     previous_agent_name=handed_over_by)
        else:
            dispatcher.utter_message(response="utter_agent_joined", agent_name=_agent_name(tracker))
        tell_widget(dispatcher, tracker, handoff_active=True)
        return [SlotSet("handoff_active", True)]


class ActionDeliverAgentMessage(Action):
    """Show an agent's reply in the customer's chat, on the channel the customer uses."""

    def name(self) -> str:
        return "action_deliver_agent_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = _entity(tracker, "agent_message")
        agent_name = _agent_name(tracker)
        if not text:
            return []
        if tracker.get_latest_input_channel() in RICH_CHANNELS:
            dispatcher.utter_message(json_message={"data": {"text": text, "from": "agent", "agent_name": agent_name}})
        else:
            dispatcher.utter_message(text=f"{agent_name}: {text}")
        return []


class ActionHandback(Action):
    """The agent resolved the ticket: the bot takes over and, if configured, asks for the effort score."""

    def name(self) -> str:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        svc = services()
        reference = _entity(tracker, "ticket_reference") or tracker.get_slot("ticket_reference") or ""
        resolution_id = _entity(tracker, "resolution_id")
        dispatcher.utter_message(response="utter_handback", agent_name=_agent_name(tracker),
                                 ticket_reference=reference)
        tell_widget(dispatcher, tracker, handoff_active=False)
        events: list[EventType] = [
            SlotSet("handoff_active", False), SlotSet("ticket_reference", reference),
            SlotSet("resolution_id", resolution_id or None),
        ]
        ask = bool(
            resolution_id
            and not customer_has_left(tracker.events, now=time.time())
            and not await in_session(already_rated, resolution_id=int(resolution_id))
        ) and await in_session(should_ask, settings=svc.settings, resolved_by="agent", conversation_id=tracker.sender_id)
        return events + [SlotSet("next_step", "ask_effort" if ask else None)]


class ActionTicketReopened(Action):
    def name(self) -> str:
        return "action_ticket_reopened"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reference = _entity(tracker, "ticket_reference") or tracker.get_slot("ticket_reference") or ""
        dispatcher.utter_message(response="utter_ticket_reopened", ticket_reference=reference)
        tell_widget(dispatcher, tracker, handoff_active=True)
        return [SlotSet("handoff_active", True), SlotSet("ticket_reference", reference), SlotSet("next_step", None)]

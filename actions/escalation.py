"""Hand the conversation to a person: collect details, create the ticket, report its status."""
import logging
import uuid
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import in_session, in_thread, services
from bot.escalation import outbox
from bot.escalation.details import (
    clean_description,
    clean_email,
    clean_name,
    last_unanswered_question,
    ticket_reference_in,
    transcript_from_events,
)
from bot.escalation.wording import next_open_text, offline_reason, status_line, wait_text
from bot.helpdesk.backends import escalation_key
from bot.helpdesk.client import HelpdeskRejected, HelpdeskUnavailable
from bot.helpdesk.schemas import TicketCreate, TicketReceipt
from bot.kb.query_log import kb_attempts_for_conversation
from bot.language import normalize_language

logger = logging.getLogger(__name__)

REASON_BY_INTENT = {"complain": "frustration", "request_human": "customer_request"}
# next_step while the customer chooses between English now and waiting for an agent who speaks theirs.
CHOOSE_LANGUAGE = "choose_language"
# This conversation's escalation is handled (or, kept in the outbox, will be): a new request starts afresh.
ESCALATION_HANDED_OVER: tuple[EventType, ...] = (SlotSet("escalation_id", None), SlotSet("escalation_reason", None))


def _channel_identity(tracker: Tracker) -> dict[str, str]:
    """Name and email the channel already knows (e.g. Telegram's profile, a logged-in site)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    known = {}
    name = clean_name(metadata.get("customer_name"))
    email = clean_email(metadata.get("customer_email"))
    if name:
        known["customer_name"] = name
    if email:
        known["customer_email"] = email
    return known


class ActionStartEscalation(Action):
    """Begin an escalation: a new idempotency id, the reason, what we already know about the customer."""

    def name(self) -> str:
        return "action_start_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = tracker.get_intent_of_latest_message()
        reason = tracker.get_slot("escalation_reason") or REASON_BY_INTENT.get(intent or "", "customer_request")
        dispatcher.utter_message(response="utter_escalation_intro")
        events: list[EventType] = [
            SlotSet("escalation_id", uuid.uuid4().hex),
            SlotSet("escalation_reason", reason),
            SlotSet("suggested_description", last_unanswered_question(tracker.events)),
            SlotSet("issue_description", None),
            SlotSet("next_step", None),
            SlotSet("awaiting_feedback", False),
        ]
        events += [SlotSet(slot, value) for slot, value in _channel_identity(tracker).items()]
        return events


class ActionAskIssueDescription(Action):
    """Offer the last unanswered question as the description, or ask for one."""

    def name(self) -> str:
        return "action_ask_issue_description"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("suggested_description"):
            dispatcher.utter_message(response="utter_confirm_issue_description")
        else:
            dispatcher.utter_message(response="utter_ask_issue_description")
        return []


class ValidateEscalationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_escalation_form"

    def validate_customer_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        name = clean_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"customer_name": name}

    def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        email = clean_email(value)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"customer_email": email}

    def validate_issue_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        suggested = tracker.get_slot("suggested_description")
        if suggested and tracker.get_intent_of_latest_message() == "affirm":
            return {"issue_description": suggested}
        description = clean_description(value)
        if description is None:
            dispatcher.utter_message(response="utter_invalid_description")
        return {"issue_description": description}


def _ticket_request(tracker: Tracker, escalation_id: str, kb_attempts: list[dict[str, Any]]) -> TicketCreate:
    description = tracker.get_slot("issue_description") or ""
    return TicketCreate(
        idempotency_key=escalation_key(tracker.sender_id, escalation_id),
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "rest",
        language=tracker.get_slot("language") or "en",
        customer_name=tracker.get_slot("customer_name"),
        customer_email=tracker.get_slot("customer_email"),
        subject=description or "Conversation escalated to a person",
        description=description,
        reason=tracker.get_slot("escalation_reason") or "customer_request",
        transcript=transcript_from_events(tracker.events),
        kb_attempts=kb_attempts,
    )


class ActionCreateTicket(Action):
    """Create the ticket (idempotent per escalation) and tell the customer where they stand.

    The request is recorded in the escalation outbox first (:mod:`bot.escalation.outbox`): when the
    ticket backend cannot be reached, the customer is told so, and the helpdesk creates the ticket
    later and tells them its reference in this chat, whatever restarts in between.
    """

    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        escalation_id = tracker.get_slot("escalation_id")
        if not escalation_id or tracker.get_slot("handoff_active"):
            return []  # nothing to create, or a late re-run after the ticket was created
        svc = services()
        knowledge_base = await in_thread(svc.knowledge_base.current)
        attempts = await in_session(
            kb_attempts_for_conversation, conversation_id=tracker.sender_id, knowledge_base=knowledge_base
        )
        request = _ticket_request(tracker, escalation_id, attempts)
        hold = await in_session(outbox.hold_for_call, request=request, hold_for=outbox.hold_length(svc.settings))
        if hold is None:  # done before, refused, or the helpdesk is creating it now and tells the customer
            return list(ESCALATION_HANDED_OVER)
        try:
            created = await in_thread(svc.tickets.create_ticket, request)
        except HelpdeskUnavailable as unavailable:
            await in_session(outbox.retry_later, hold=hold, error=str(unavailable))
            dispatcher.utter_message(response="utter_helpdesk_unavailable")
            return list(ESCALATION_HANDED_OVER)
        except HelpdeskRejected as rejected:  # our request is wrong: retrying the same one cannot help
            logger.error("the helpdesk refused the ticket for %s: %s", tracker.sender_id, rejected)
            await in_session(outbox.refuse, hold=hold, error=str(rejected))
            dispatcher.utter_message(response="utter_ticket_refused")
            return list(ESCALATION_HANDED_OVER)
        if not await in_session(outbox.finish_own_call, hold=hold, reference=created.reference):
            return list(ESCALATION_HANDED_OVER)  # the helpdesk's drainer got there first and tells the customer
        return announce_ticket(dispatcher, tracker, created)


class ActionAnnounceTicket(Action):
    """The helpdesk created the ticket it could not take when the customer escalated: tell them now
    (``EXTERNAL_ticket_created``, with the receipt as entity ``ticket_receipt``)."""

    def name(self) -> str:
        return "action_announce_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        raw = next(tracker.get_latest_entity_values("ticket_receipt"), None) or ""
        try:
            receipt = TicketReceipt.model_validate_json(raw)
        except ValidationError as invalid:
            logger.error("EXTERNAL_ticket_created for %s without a usable receipt: %s", tracker.sender_id, invalid)
            return []
        return announce_ticket(dispatcher, tracker, receipt)


def announce_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker, created: TicketReceipt, language_chosen: str | None = None
) -> list[EventType]:
    """Tell the customer their ticket's reference and what happens next; the chat goes to a person when
    agents answer here. When agents are online but none speaks the customer's language, they hear it
    before they wait, with the choice of English now (``language_chosen``: the language they chose then)."""
    language = language_chosen or normalize_language(tracker.get_slot("language"))
    name, email = tracker.get_slot("customer_name") or "", tracker.get_slot("customer_email") or ""
    common: dict[str, Any] = {"customer_name": name, "ticket_reference": created.reference}
    handed_over = [*ESCALATION_HANDED_OVER, SlotSet("ticket_reference", created.reference), SlotSet("kb_misses", 0)]
    uncovered = created.live_handoff and created.open_now and bool(created.agents_online) and not created.language_covered
    if uncovered and not language_chosen:  # the bot keeps the chat until they choose
        dispatcher.utter_message(response="utter_no_agent_speaks_language", **common)
        return [*handed_over, SlotSet("handoff_active", False), SlotSet("next_step", CHOOSE_LANGUAGE)]
    if uncovered:
        dispatcher.utter_message(response="utter_ticket_language_kept", **common)
    elif not created.live_handoff:  # an external helpdesk: its agents answer by email
        dispatcher.utter_message(response="utter_ticket_created_email", customer_email=email, **common)
    elif created.open_now and created.agents_online is None:  # Zendesk answering here: no queue figures
        dispatcher.utter_message(response="utter_ticket_created_team", **common)
    elif created.open_now and created.agents_online:
        dispatcher.utter_message(
            response="utter_ticket_created", queue_position=created.queue_position,
            wait_text=wait_text(language, created.wait_estimate_minutes), **common,
        )
    else:
        dispatcher.utter_message(
            response="utter_ticket_created_offline", customer_email=email,
            offline_reason=offline_reason(language, created.open_now),
            next_open_text=next_open_text(language, None if created.open_now else created.next_open), **common,
        )
    # When agents answer by email only, the bot keeps the chat.
    return [*handed_over, SlotSet("handoff_active", created.live_handoff), SlotSet("next_step", None)]


class ActionChooseTicketLanguage(Action):
    """The customer answered "no agent online speaks your language": English now (the ticket becomes
    English, so English-speaking agents take it first) or their own language (they wait for a free
    agent who speaks it). Either way they then hear where they stand."""

    def name(self) -> str:
        return "action_choose_ticket_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        chosen = normalize_language(next(tracker.get_latest_entity_values("language"), None) or tracker.get_slot("language"))
        try:
            receipt = await in_thread(services().tickets.change_ticket_language, tracker.sender_id, chosen)
        except (HelpdeskUnavailable, HelpdeskRejected) as failed:
            logger.warning("the ticket of %s could not move to %r: %s", tracker.sender_id, chosen, failed)
            dispatcher.utter_message(response="utter_relay_failed")  # the choice stays open: they can choose again
            return []
        if receipt is None:  # the ticket is no longer open (resolved meanwhile): nothing to choose
            return [SlotSet("next_step", None)]
        return [SlotSet("language", chosen), *announce_ticket(dispatcher, tracker, receipt, language_chosen=chosen)]


class ActionTicketStatus(Action):
    """"What's the status of my ticket?" — by reference, this conversation, or the customer's email."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reference = ticket_reference_in(tracker.latest_message.get("text")) or tracker.get_slot("ticket_reference")
        try:
            tickets = await in_thread(
                services().tickets.ticket_status, conversation_id=tracker.sender_id,
                email=tracker.get_slot("customer_email"), reference=reference,
            )
        except HelpdeskUnavailable:
            dispatcher.utter_message(response="utter_status_unavailable")
            return []
        if not tickets:
            dispatcher.utter_message(response="utter_no_tickets")
            return []
        language = tracker.get_slot("language") or "en"
        dispatcher.utter_message(response="utter_ticket_status", status_lines="\n".join(status_line(language, t) for t in tickets))
        return []

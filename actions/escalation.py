"""Hand the conversation to a person: collect details, create the ticket, report its status."""
import logging
import uuid
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import add_to_ticket, pass_on, tell_widget, withdraw_or_ask
from actions.services import in_session, in_thread, reopening_at, services
from actions.verification import report_ticket_status
from bot.email.outbound import email_enabled
from bot.escalation import outbox
from bot.escalation.details import (
    asks_something,
    clean_description,
    clean_email,
    clean_name,
    customer_spoke_since,
    declined_detail,
    declines_to_give,
    last_customer_words,
    last_unanswered_question,
    names_no_problem,
    set_since_customer_wrote,
    tells_more_of_the_problem,
    transcript_from_events,
)
from bot.escalation.wording import all_right, back_text, next_open_text, offline_reason, thanks, wait_text
from bot.helpdesk.backends import escalation_key, replies_in_the_chat
from bot.helpdesk.client import HelpdeskRejected, HelpdeskUnavailable
from bot.helpdesk.schemas import Availability, TicketCreate, TicketReceipt
from bot.kb.query_log import kb_attempts_for_conversation
from bot.kb.replies import offered_a_person_last
from bot.language import normalize_language

logger = logging.getLogger(__name__)

REASON_BY_INTENT = {"complain": "frustration", "request_human": "customer_request"}
WITHDRAW_REQUEST = "withdraw_request"
START_ESCALATION = "action_start_escalation"
# next_step while the customer chooses between English now and waiting for an agent who speaks theirs.
CHOOSE_LANGUAGE = "choose_language"
# This conversation's escalation is handled (or, kept in the outbox, will be): a new request starts afresh.
ESCALATION_HANDED_OVER: tuple[EventType, ...] = (SlotSet("escalation_id", None), SlotSet("escalation_reason", None))


def _channel_identity(tracker: Tracker) -> dict[str, str]:
    """Name and email the channel already knows (e.g. Telegram's profile, a logged-in site). A name the
    customer gave in this conversation ("please call me Jim") is how they want to be addressed: it stays."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    known = {}
    name = clean_name(metadata.get("customer_name"))
    email = clean_email(metadata.get("customer_email"))
    if name and not tracker.get_slot("customer_name"):
        known["customer_name"] = name
    if email:
        known["customer_email"] = email
    return known


class ActionStartEscalation(Action):
    """Begin an escalation: a new idempotency id, the reason, what we already know about the customer.

    When nobody can answer now (outside business hours, or no agent online), the customer hears that
    first, and the ticket is created at once from what the bot already knows, so they can leave
    straight away; the form then only offers to add an e-mail and a name (:func:`_open_ticket_now`).
    Unless the customer has asked nothing yet ("help", then yes to a person): a ticket without its
    problem helps nobody, so the form asks the details and the problem as when someone is here.
    """

    def name(self) -> str:
        return START_ESCALATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = tracker.get_intent_of_latest_message()
        if intent == "complain":  # a complaint is one, whatever offer of a person it answers
            reason = REASON_BY_INTENT[intent]
        else:
            reason = _pending_reason(tracker) or REASON_BY_INTENT.get(intent or "", "customer_request")
        slots: dict[str, Any] = {
            "escalation_id": uuid.uuid4().hex,
            "escalation_reason": reason,
            "suggested_description": last_unanswered_question(tracker.events),
            "issue_description": None,
            "next_step": None,
            "awaiting_feedback": False,
            "details_for_ticket": None,
            "details_skipped": None,
            **_channel_identity(tracker),
        }
        if reason == "frustration":
            dispatcher.utter_message(response="utter_escalation_apology")
        try:
            availability = await in_thread(services().tickets.availability)
        except (HelpdeskUnavailable, HelpdeskRejected):
            availability = None  # ticket creation at the end of the form meets the outage and keeps the request
        if availability is None or not availability.live_handoff or _someone_here(availability):
            dispatcher.utter_message(response="utter_escalation_intro")
        elif slots["suggested_description"]:
            slots.update(await _open_ticket_now(dispatcher, tracker, slots, availability))
        else:  # nobody here and nothing asked yet ("help"): a ticket needs the problem, which the form asks
            language = normalize_language(tracker.get_slot("language"))
            dispatcher.utter_message(
                response="utter_escalation_intro_nobody_here", offline_reason=offline_reason(language, availability.open_now),
                back_text=back_text(language, reopening_at(availability)),
            )
        return [SlotSet(slot, value) for slot, value in slots.items()]


def _pending_reason(tracker: Tracker) -> str | None:
    """The reason in the slots when it is this escalation's: decided this turn (a frustrated message, a
    topic a person handles; the reason may equal one left earlier, so it is the decision to escalate that
    shows it) or by the offer of a person the bot made last, which this turn takes up. An offer the customer
    let pass leaves its reason behind, which a later request for a person does not take."""
    reason = tracker.get_slot("escalation_reason")
    decided_now = any(set_since_customer_wrote(tracker.events, slot) for slot in ("escalation_reason", "next_step"))
    if reason and (decided_now or offered_a_person_last(tracker.events)):
        return reason
    return None


def _someone_here(availability: Availability) -> bool:
    """Open now, with an agent online (an external helpdesk cannot tell who is online: assume someone)."""
    return availability.open_now and availability.agents_online != 0


async def _open_ticket_now(
    dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any], availability: Availability
) -> dict[str, Any]:
    """Nobody is here: say so, create the ticket from the last unanswered question and the transcript,
    and tell the customer they may leave now. Returns the slots that make the form ask only for the
    optional details (or, when the ticket could not be created now, end the escalation: the outbox
    keeps the request)."""
    svc = services()
    language = normalize_language(tracker.get_slot("language"))
    description = slots["suggested_description"]
    created = await _create_ticket(dispatcher, tracker, slots["escalation_id"], {**slots, "issue_description": description})
    if created is None:  # kept in the outbox, which tells them the reference: the form has nothing to ask
        return {"escalation_id": None, "escalation_reason": None,
                "details_skipped": ["customer_name", "customer_email", "issue_description"]}
    dispatcher.utter_message(
        response="utter_ticket_opened_nobody_here_email" if email_enabled(svc.settings) else "utter_ticket_opened_nobody_here",
        ticket_reference=created.reference, offline_reason=offline_reason(language, availability.open_now),
        back_text=back_text(language, reopening_at(availability)),
    )
    return {"issue_description": description, "ticket_reference": created.reference,
            "details_for_ticket": created.reference, "kb_misses": 0}


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


class _AskDetail(Action):
    """Ask for a detail; once the ticket exists (nobody was here), the same question becomes optional."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        optional = bool(tracker.get_slot("details_for_ticket"))
        dispatcher.utter_message(response=f"utter_ask_optional_{self.slot}" if optional else f"utter_ask_{self.slot}")
        return []


class ActionAskCustomerName(_AskDetail):
    slot = "customer_name"


class ActionAskCustomerEmail(_AskDetail):
    slot = "customer_email"


class ValidateEscalationForm(FormValidationAction):
    """The escalation's details. Once the ticket exists (nobody was here), only an e-mail for the reply
    (when e-mail is on) and a name are asked, either may be skipped, and each answer goes on the ticket
    at once, so a customer who leaves half-way loses nothing."""

    def name(self) -> str:
        return "validate_escalation_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        skipped = tracker.get_slot("details_skipped") or []
        if tracker.get_slot("details_for_ticket"):
            wanted = ["customer_email", "customer_name"] if email_enabled(services().settings) else ["customer_name"]
        else:
            wanted = domain_slots
        return [slot for slot in wanted if slot not in skipped]

    async def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        for_ticket = bool(tracker.get_slot("details_for_ticket"))
        if _declines_the_question(tracker, "customer_name", value):
            return _declined(dispatcher, tracker, "customer_name")
        # A question there is for the ticket too ("is my order 88812 going to arrive today?").
        if isinstance(value, str) and (tells_more_of_the_problem(value) or (for_ticket and asks_something(value))):
            return await _noted_instead_of_a_name(dispatcher, tracker, value)
        name = clean_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        elif for_ticket:
            await add_to_ticket(tracker, name=name)
        return {"customer_name": name}

    async def validate_customer_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _declines_the_question(tracker, "customer_email", value):
            return _declined(dispatcher, tracker, "customer_email")
        email = clean_email(value)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        elif tracker.get_slot("details_for_ticket"):
            await add_to_ticket(tracker, email=email)
        return {"customer_email": email}

    def validate_issue_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:
            # No answer but action_start_escalation clearing the slot: rasa-sdk validates every slot set
            # since the customer last spoke, so the form's first turn used to say "Please describe the
            # problem" before its first question.
            return {"issue_description": None}
        suggested = tracker.get_slot("suggested_description")
        if suggested and tracker.get_intent_of_latest_message() == "affirm":
            return {"issue_description": suggested}
        # "I have a problem", "still not working" describe none: asked again.
        description = None if isinstance(value, str) and names_no_problem(value) else clean_description(value)
        if description is None:
            dispatcher.utter_message(response="utter_invalid_description")
        return {"issue_description": description}


async def _noted_instead_of_a_name(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> dict[str, Any]:
    """A sentence typed as the answer to "What's your name?" is the customer telling more of the problem: it goes
    on the open ticket (nobody was here), else it is offered as the problem's description when the form asks for
    one, unless the customer's question already is (the transcript has both); the name is asked again."""
    slots: dict[str, Any] = {"customer_name": None}
    if tracker.get_slot("details_for_ticket"):
        added = await pass_on(tracker)
        if added is None:
            dispatcher.utter_message(response="utter_relay_failed")
            return slots
        # Not added: the ticket was closed meanwhile, and the conversation holds the words.
        dispatcher.utter_message(response="utter_added_to_ticket_instead_of_a_name" if added
                                 else "utter_noted_instead_of_a_name")
        return slots
    if not tracker.get_slot("suggested_description"):
        slots["suggested_description"] = clean_description(text)
    dispatcher.utter_message(response="utter_noted_instead_of_a_name")
    return slots


def _declines_the_question(tracker: Tracker, slot: str, value: Any) -> bool:
    """Whether the customer's answer to the question for ``slot`` declines it (not a name the channel knew, which
    the form checks when it starts)."""
    return tracker.get_slot("requested_slot") == slot and isinstance(value, str) and declines_to_give(value)


def _declined(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> dict[str, Any]:
    """A name or an e-mail address the customer will not give is skipped, as Intercom or Zendesk let a visitor stay
    anonymous: once the ticket exists, quietly (the next question or the ticket's summary follows); while a person
    is about to take the chat, with a word that it goes on without it. Where the team answers by e-mail only, the
    address is what the reply needs: the customer hears why, and is asked again."""
    if tracker.get_slot("details_for_ticket"):
        return _skipped(tracker, slot)
    if slot == "customer_email" and not replies_in_the_chat(services().settings):
        dispatcher.utter_message(response="utter_email_needed_for_reply")
        return {slot: None}
    dispatcher.utter_message(response="utter_detail_declined")
    return _skipped(tracker, slot)


def _skipped(tracker: Tracker, slot: str) -> dict[str, Any]:
    return {slot: None, "details_skipped": [*(tracker.get_slot("details_skipped") or []), slot]}


def _declined_detail(tracker: Tracker) -> str | None:
    """:func:`declined_detail`, unless the customer withdrew ("I'd rather not say" read as no longer needing help)."""
    if tracker.get_intent_of_latest_message() == WITHDRAW_REQUEST:
        return None
    return declined_detail(tracker.events, (tracker.latest_message or {}).get("text") or "")


def _ticket_request(
    tracker: Tracker, escalation_id: str, kb_attempts: list[dict[str, Any]], slots: dict[str, Any]
) -> TicketCreate:
    """The ticket from the conversation; ``slots`` are values this action sets (not yet in the tracker)."""

    def slot(name: str) -> Any:
        return slots[name] if name in slots else tracker.get_slot(name)

    description = slot("issue_description") or ""
    return TicketCreate(
        idempotency_key=escalation_key(tracker.sender_id, escalation_id),
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "rest",
        language=tracker.get_slot("language") or "en",
        customer_name=slot("customer_name"),
        customer_email=slot("customer_email"),
        # Else the customer's own words, in their language, as an inbox shows a conversation.
        subject=(description or slot("suggested_description") or last_customer_words(tracker.events)
                 or "Conversation escalated to a person"),
        description=description,
        reason=slot("escalation_reason") or "customer_request",
        transcript=transcript_from_events(tracker.events),
        kb_attempts=kb_attempts,
    )


async def _create_ticket(
    dispatcher: CollectingDispatcher, tracker: Tracker, escalation_id: str, slots: dict[str, Any]
) -> TicketReceipt | None:
    """Create the escalation's ticket through the outbox (:mod:`bot.escalation.outbox`); None when it
    was not created by this call (the customer heard why, or will hear from the helpdesk)."""
    svc = services()
    knowledge_base = await in_thread(svc.knowledge_base.current)
    await in_thread(svc.query_log.flush)  # the ticket shows what the bot tried: the latest lookup too
    attempts = await in_session(
        kb_attempts_for_conversation, conversation_id=tracker.sender_id, knowledge_base=knowledge_base
    )
    request = _ticket_request(tracker, escalation_id, attempts, slots)
    hold = await in_session(outbox.hold_for_call, request=request, hold_for=outbox.hold_length(svc.settings))
    if hold is None:  # done before, refused, or the helpdesk is creating it now and tells the customer
        return None
    try:
        created = await in_thread(svc.tickets.create_ticket, request)
    except HelpdeskUnavailable as unavailable:
        await in_session(outbox.retry_later, hold=hold, error=str(unavailable))
        dispatcher.utter_message(response="utter_helpdesk_unavailable")
        return None
    except HelpdeskRejected as rejected:  # our request is wrong: retrying the same one cannot help
        logger.error("the helpdesk refused the ticket for %s: %s", tracker.sender_id, rejected)
        await in_session(outbox.refuse, hold=hold, error=str(rejected))
        dispatcher.utter_message(response="utter_ticket_refused")
        return None
    if not await in_session(outbox.finish_own_call, hold=hold, reference=created.reference):
        return None  # the helpdesk's drainer got there first and tells the customer
    return created


class ActionCreateTicket(Action):
    """Create the ticket (idempotent per escalation) and tell the customer where they stand.

    The request is recorded in the escalation outbox first (:mod:`bot.escalation.outbox`): when the
    ticket backend cannot be reached, the customer is told so, and the helpdesk creates the ticket
    later and tells them its reference in this chat, whatever restarts in between. When the ticket was
    created as the escalation began (nobody was here), the form only added details: say so, unless it
    asked nothing (the name and e-mail were known).
    """

    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        escalation_id = tracker.get_slot("escalation_id")
        if not escalation_id or tracker.get_slot("handoff_active"):
            return []  # nothing to create, or a late re-run after the ticket was created
        reference = tracker.get_slot("details_for_ticket")
        if reference and not customer_spoke_since(tracker.events, START_ESCALATION):
            return _waiting_for_reply()  # every detail was known: the notice of the opened ticket said it all
        if reference:
            email = tracker.get_slot("customer_email") if email_enabled(services().settings) else None
            dispatcher.utter_message(response="utter_ticket_details_added_email" if email else "utter_ticket_details_added",
                                     ticket_reference=reference, customer_email=email or "")
            return _waiting_for_reply()
        created = await _create_ticket(dispatcher, tracker, escalation_id, {})
        if created is None:
            return list(ESCALATION_HANDED_OVER)
        return announce_ticket(dispatcher, tracker, created)


class ActionCancelEscalation(Action):
    """"Cancel" during the escalation form: nothing was created, or (nobody was here) the ticket already
    exists and stays open: the customer is told which. "I solved it" or the widget's "Stop waiting" there is
    about the ticket, as in a handoff: the button withdraws it, the typed words go on it and are asked to
    confirm (until 7 December the customer heard that the ticket stays open). Declining the name or e-mail
    asked before a ticket exists ("I'd rather not say") cancels nothing: that detail is skipped (or, where the
    team answers by e-mail only, the address asked again)."""

    def name(self) -> str:
        return "action_cancel_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reference = tracker.get_slot("details_for_ticket")
        declined = None if reference else _declined_detail(tracker)
        if declined is not None:  # the form goes on (without it); the loop's rule runs it next
            slots = _declined(dispatcher, tracker, declined)
            return [*(SlotSet(slot, value) for slot, value in slots.items()), ActiveLoop("escalation_form")]
        if not reference:
            dispatcher.utter_message(response="utter_escalation_cancelled")
            # Nothing is pending: a later escalation (a complaint, say) must not take this one's reason.
            return list(ESCALATION_HANDED_OVER)
        if tracker.get_intent_of_latest_message() == WITHDRAW_REQUEST:
            return [*_waiting_for_reply(), *await withdraw_or_ask(dispatcher, tracker, in_handoff=True)]
        dispatcher.utter_message(response="utter_ticket_details_skipped", ticket_reference=reference)
        return _waiting_for_reply()


def _waiting_for_reply() -> list[EventType]:
    """The ticket opened while nobody was here is complete: what the customer writes now goes to it."""
    return [*ESCALATION_HANDED_OVER, SlotSet("details_for_ticket", None), SlotSet("details_skipped", None),
            SlotSet("handoff_active", True)]


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
    name, email = tracker.get_slot("customer_name"), tracker.get_slot("customer_email") or ""
    common: dict[str, Any] = {"thanks": thanks(language, name), "ticket_reference": created.reference}
    handed_over = [*ESCALATION_HANDED_OVER, SlotSet("ticket_reference", created.reference), SlotSet("kb_misses", 0)]
    uncovered = created.live_handoff and created.open_now and bool(created.agents_online) and not created.language_covered
    if uncovered and not language_chosen:  # the bot keeps the chat until they choose
        dispatcher.utter_message(response="utter_no_agent_speaks_language", **common)
        return [*handed_over, SlotSet("handoff_active", False), SlotSet("next_step", CHOOSE_LANGUAGE)]
    if uncovered:
        dispatcher.utter_message(response="utter_ticket_language_kept", all_right=all_right(language, name), **common)
    elif not created.live_handoff:  # an external helpdesk: its agents answer by email
        dispatcher.utter_message(response="utter_ticket_created_email", customer_email=email, **common)
    elif created.open_now and created.agents_online is None:  # Zendesk answering here: no queue figures
        dispatcher.utter_message(response="utter_ticket_created_team", **common)
    elif created.open_now and created.agents_online:
        dispatcher.utter_message(
            response="utter_ticket_created", queue_position=created.queue_position,
            wait_text=wait_text(language, created.wait_estimate_minutes), **common,
        )
    else:  # e-mail is promised only when it is on and the customer gave an address
        by_email = bool(email) and email_enabled(services().settings)
        dispatcher.utter_message(
            response="utter_ticket_created_offline_email" if by_email else "utter_ticket_created_offline",
            customer_email=email,
            offline_reason=offline_reason(language, created.open_now),
            next_open_text=next_open_text(language, reopening_at(created)),
            **common,
        )
    # When agents answer by email only, the bot keeps the chat.
    if created.live_handoff:
        tell_widget(dispatcher, tracker, handoff_active=True)  # the widget's "Stop waiting" while they wait
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
    """"What's the status of my ticket?" — only the tickets of this conversation and its customer
    (actions/verification.py, which offers a code for an address the customer typed)."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return await report_ticket_status(dispatcher, tracker, answer_from_kb=True)

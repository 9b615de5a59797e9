"""Ticket status only for the owner, and proving an e-mail address by a one-time code to see its tickets."""
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge_base import answer_if_known
from actions.services import in_session, in_thread, services, team_back_at
from bot.customers.verification import TooManyCodes, address_in, check_code, issue_code, ticket_viewer
from bot.email.outbound import email_enabled, send_one
from bot.escalation.details import ticket_reference_in
from bot.escalation.wording import status_line
from bot.helpdesk.client import HelpdeskUnavailable
from bot.kb.replies import CANNOT_VERIFY_OFFER_A_PERSON, OFFER_A_CODE_TO_AN_ADDRESS, OFFER_A_CODE_TO_THE_ADDRESS

VERIFY_EMAIL = "verify_email"
"""next_step while the customer decides whether to get a code (yes starts verification_form)."""
VERIFIED = "verified"
"""verification_code once the customer typed the right code (the code itself is never kept)."""


def _customer_context(tracker: Tracker) -> dict[str, Any]:
    """Who is writing, as bot.customers needs it: the channel's verified identity is in the metadata."""
    return {
        "conversation_id": tracker.sender_id,
        "channel": tracker.get_latest_input_channel() or "rest",
        "language": tracker.get_slot("language") or "en",
        "metadata": (tracker.latest_message or {}).get("metadata") or {},
    }


async def report_ticket_status(dispatcher: CollectingDispatcher, tracker: Tracker, *,
                               answer_from_kb: bool = False) -> list[EventType]:
    """The tickets of this conversation and of its customer; nothing of anyone else's.

    A reference the customer typed ("T-1007", "status of t-1007?") is looked up among those only: when it
    is not there, the answer names it and is the same whether it is someone else's or does not exist. An
    e-mail address the customer typed shows nothing until they prove it is theirs (a code is offered). A
    customer without a matching ticket and without proof is offered the code too, the offer saying that the
    bot will ask for the address. With ``answer_from_kb``, a customer without tickets whose message the KB is
    sure it answers gets that answer too, instead of the code: "סטטוס ההחזרה" (the return's status) and
    "حالة الاسترداد" (the refund's status) read like a ticket's status, and got only "I can't find a ticket"
    until 5 December.
    """
    text = tracker.latest_message.get("text") or ""
    typed_ticket = ticket_reference_in(text)
    reference = typed_ticket or tracker.get_slot("ticket_reference")
    viewer = await in_session(ticket_viewer, **_customer_context(tracker))
    typed = address_in(text)
    if typed and typed != viewer.verified_email:
        return _offer_verification(dispatcher, typed, asked_for_address=True)
    try:
        tickets = await in_thread(
            services().tickets.ticket_status, tracker.sender_id, customer_id=viewer.customer_id,
            verified_email=viewer.verified_email, reference=reference,
        )
    except HelpdeskUnavailable:
        dispatcher.utter_message(response="utter_status_unavailable")
        return []
    if tickets:
        language = tracker.get_slot("language") or "en"
        unknown_wait = any(t.status == "waiting" and t.wait_estimate_minutes is None for t in tickets)
        back_at = await team_back_at() if unknown_wait else None
        dispatcher.utter_message(response="utter_ticket_status",
                                 status_lines="\n".join(status_line(language, t, back_at) for t in tickets))
        return _without_open_offer(tracker)
    if typed_ticket:
        dispatcher.utter_message(response="utter_ticket_not_found", ticket_reference=typed_ticket)
    else:
        dispatcher.utter_message(response="utter_no_tickets")
        answer = await answer_if_known(dispatcher, tracker) if answer_from_kb else None
        if answer is not None:
            return answer + _without_open_offer(tracker)
    offered = [] if viewer.verified else _offer_verification(dispatcher, None, asked_for_address=False)
    return offered or _without_open_offer(tracker)


def _offer_verification(dispatcher: CollectingDispatcher, email: str | None, *, asked_for_address: bool) -> list[EventType]:
    """A code for the address the customer typed, or (``email`` None) for one the form will ask for."""
    if email_enabled(services().settings):
        dispatcher.utter_message(response=OFFER_A_CODE_TO_THE_ADDRESS if email else OFFER_A_CODE_TO_AN_ADDRESS)
        return [SlotSet("next_step", VERIFY_EMAIL), SlotSet("verification_email", email)]
    if not asked_for_address:
        return []  # no code can be sent: the bot does not bring addresses up itself
    dispatcher.utter_message(response=CANNOT_VERIFY_OFFER_A_PERSON)
    # A yes goes to action_kb_feedback, which escalates when a person was offered (escalation_reason).
    return [SlotSet("escalation_reason", "customer_request"), SlotSet("awaiting_feedback", False)]


def _without_open_offer(tracker: Tracker) -> list[EventType]:
    """An earlier offer of a code is no longer open once the status is answered without one: a later
    "yes" (to something else) must not start proving an address."""
    if tracker.get_slot("next_step") != VERIFY_EMAIL:
        return []
    return [SlotSet("next_step", None), SlotSet("verification_email", None)]


class ActionStartVerification(Action):
    """Yes to the code: a fresh verification_form (the address, if known, gets its code on activation)."""

    def name(self) -> str:
        return "action_start_verification"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return [SlotSet("next_step", None), SlotSet("verification_code", None), SlotSet("verification_sent_to", None),
                SlotSet("verification_stopped", False)]


class ActionDeclineVerification(Action):
    def name(self) -> str:
        return "action_decline_verification"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("next_step", None), SlotSet("verification_email", None)]


class ValidateVerificationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("verification_stopped") else domain_slots

    async def validate_verification_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A valid address gets its code now (once: the form validates the slot again on later turns)."""
        email = address_in(str(value or ""))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"verification_email": None}
        if tracker.get_slot("verification_sent_to") == email:
            return {"verification_email": email}
        svc, context = services(), _customer_context(tracker)
        try:
            issued = await in_session(issue_code, settings=svc.settings, conversation_id=context["conversation_id"],
                                      email=email, language=context["language"])
        except TooManyCodes as refused:
            dispatcher.utter_message(response="utter_too_many_codes", minutes=refused.wait_minutes)
            return {"verification_email": None, "verification_stopped": True}
        # Sent now, so "I sent a code" is true; one the SMTP server does not take stays queued and the
        # helpdesk's sender retries it.
        await in_thread(send_one, svc.settings, svc.sessions, message_id=issued.email_message_id)
        return {"verification_email": email, "verification_sent_to": email}

    async def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:  # the reset by action_start_verification, not an answer: nothing to check yet
            return {"verification_code": None}
        result = await in_session(check_code, settings=services().settings, answer=str(value or ""),
                                  **_customer_context(tracker))
        if result.outcome == VERIFIED:
            dispatcher.utter_message(response="utter_email_verified", email=result.email)
            return {"verification_code": VERIFIED}
        if result.outcome in ("wrong", "not_a_code"):
            if result.outcome == "wrong":
                dispatcher.utter_message(response="utter_code_wrong", tries_left=result.tries_left)
            else:
                dispatcher.utter_message(response="utter_code_not_a_code")
            return {"verification_code": None}
        # Expired, or spent by wrong answers: offer a new code to the same address.
        response = "utter_code_used_up" if result.outcome == "used_up" else "utter_code_expired"
        dispatcher.utter_message(response=response, email=result.email or tracker.get_slot("verification_email"))
        return {"verification_code": None, "verification_stopped": True, "next_step": VERIFY_EMAIL}


class ActionFinishVerification(Action):
    """After the form (done, stopped or cancelled): the tickets once the address is proven."""

    def name(self) -> str:
        return "action_finish_verification"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        verified = tracker.get_slot("verification_code") == VERIFIED
        offering_a_new_code = tracker.get_slot("next_step") == VERIFY_EMAIL
        events: list[EventType] = [
            SlotSet("verification_code", None), SlotSet("verification_sent_to", None),
            SlotSet("verification_stopped", False),
        ]
        if not offering_a_new_code:
            events.append(SlotSet("verification_email", None))
        if verified:
            return events + await report_ticket_status(dispatcher, tracker)
        if not tracker.get_slot("verification_stopped"):  # the customer cancelled
            dispatcher.utter_message(response="utter_verification_cancelled")
        return events

"""Ticket status only for the owner: a typed address gets a one-time code (a real SMTP server receives it)
before any of its tickets are shown; the real helpdesk answers the status question."""
import re
import uuid
from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, update

from actions.escalation import ActionCreateTicket, ActionTicketStatus
from actions.services import services
from actions.verification import (
    VERIFIED,
    ActionDeclineVerification,
    ActionFinishVerification,
    ActionStartVerification,
    ValidateVerificationForm,
)
from bot.customers.store import customer_for_conversation, link_proven_email
from bot.db import session_scope, utcnow
from bot.models import Ticket, VerificationCode
from tests.actions.conftest import action_server_env, configured_services, make_tracker, responses, run, slots_set
from tests.helpers.smtp import SmtpServer, smtp_server  # noqa: F401 (fixture)


@pytest.fixture
def mail_services(var_dir, database_url, kb_dir, topics_file, helpdesk, smtp_server):  # noqa: F811
    env = {**action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url),
           "SMTP_URL": smtp_server.url, "EMAIL_FROM": "Acme Support <support@acme.example>"}
    with configured_services(env) as built:
        yield built


@pytest.fixture
def no_mail_services(var_dir, database_url, kb_dir, topics_file, helpdesk):
    with configured_services(action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url)) as built:
        yield built


def new_address() -> str:
    return f"dana.{uuid.uuid4().hex[:8]}@example.com"


def telegram_customer_with_a_ticket(domain, email: str) -> tuple[str, str]:
    """A customer who proved ``email`` on Telegram and has a ticket there: (conversation id, reference)."""
    conversation_id = f"telegram:{uuid.uuid4().int % 10**9}"
    slots = {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "customer_name": "Dana Levi",
             "customer_email": email, "issue_description": "My parcel never arrived"}
    run(ActionCreateTicket(), CollectingDispatcher(), make_tracker(domain, "x", "inform", slots=slots,
                                                                   sender_id=conversation_id, channel="telegram"), domain)
    with session_scope(services().sessions) as session:
        customer = customer_for_conversation(session, conversation_id=conversation_id, channel="telegram")
        link_proven_email(session, customer=customer, email=email, proof="code")
        ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).one()
        ticket.customer_id = customer.id
        return conversation_id, ticket.reference or ""


def form_turn(domain, sender_id, slot, value, slots=None):
    """What verification_form's validation sees after the customer answered ``slot``."""
    return make_tracker(domain, value, "nlu_fallback", sender_id=sender_id, channel="socketio",
                        slots={"requested_slot": slot, **(slots or {})}, active_loop={"name": "verification_form"},
                        trailing=[{"event": "slot", "timestamp": None, "name": slot, "value": value}])


def validate(domain, tracker):
    dispatcher = CollectingDispatcher()
    return dispatcher, slots_set(run(ValidateVerificationForm(), dispatcher, tracker, domain))


def code_from(smtp: SmtpServer, count: int, to: str) -> str:
    mail = smtp.wait_for(count)[count - 1]
    assert mail["To"] == to
    return re.search(r"\b(\d{6})\b", mail.get_content()).group(1)


def test_a_typed_address_shows_nothing_until_a_code_proves_it_then_all_its_tickets(mail_services, smtp_server, domain):  # noqa: F811
    email = new_address()
    _, reference = telegram_customer_with_a_ticket(domain, email)
    web = f"web:{uuid.uuid4().hex}"

    dispatcher = CollectingDispatcher()
    events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, f"status of my tickets for {email.upper()}",
                                                                "check_ticket_status", sender_id=web, channel="socketio"), domain)
    assert responses(dispatcher) == ["utter_offer_email_verification"]
    assert slots_set(events) == {"next_step": "verify_email", "verification_email": email}

    started = slots_set(run(ActionStartVerification(), CollectingDispatcher(), make_tracker(domain, "/affirm", "affirm"), domain))
    assert started == {"next_step": None, "verification_code": None, "verification_sent_to": None, "verification_stopped": False}
    # The address given before is validated as the form starts: its code goes out once.
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_email", email))
    assert slots == {"verification_email": email, "verification_sent_to": email} and dispatcher.messages == []
    code = code_from(smtp_server, 1, email)
    _, again = validate(domain, form_turn(domain, web, "verification_email", email, {"verification_sent_to": email}))
    assert again == {"verification_email": email}

    wrong = "000000" if code != "000000" else "111111"
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_code", wrong, {"verification_email": email}))
    assert (responses(dispatcher), dispatcher.messages[0]["tries_left"], slots) == (
        ["utter_code_wrong"], 4, {"verification_code": None})
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_code", f"it's {code}", {"verification_email": email}))
    assert (responses(dispatcher), slots) == (["utter_email_verified"], {"verification_code": VERIFIED})

    dispatcher = CollectingDispatcher()
    finished = make_tracker(domain, code, "nlu_fallback", sender_id=web, channel="socketio",
                            slots={"verification_code": VERIFIED, "verification_email": email})
    events = run(ActionFinishVerification(), dispatcher, finished, domain)
    assert responses(dispatcher) == ["utter_ticket_status"]
    assert dispatcher.messages[0]["status_lines"].startswith(f"{reference} — My parcel never arrived")
    assert slots_set(events)["verification_email"] is None


def test_another_customer_typing_the_address_or_the_reference_sees_nothing(mail_services, smtp_server, domain):  # noqa: F811
    email = new_address()
    _, reference = telegram_customer_with_a_ticket(domain, email)
    for text in (f"any update? my email is {email}", f"status of {reference} for {email}"):
        dispatcher = CollectingDispatcher()
        run(ActionTicketStatus(), dispatcher, make_tracker(domain, text, "check_ticket_status", channel="socketio"), domain)
        assert responses(dispatcher) == ["utter_offer_email_verification"], text
        assert reference not in str(dispatcher.messages)
    # The reference alone: "I can't find ticket T-…" (as for one that does not exist), and a code for the
    # address the form will ask for.
    dispatcher = CollectingDispatcher()
    events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, reference, "check_ticket_status", channel="socketio"),
                 domain)
    assert responses(dispatcher) == ["utter_ticket_not_found", "utter_offer_address_verification"]
    assert dispatcher.messages[0]["ticket_reference"] == reference and "status_lines" not in str(dispatcher.messages)
    assert slots_set(events) == {"next_step": "verify_email", "verification_email": None}


def test_without_tickets_or_an_address_the_offer_says_the_address_will_be_asked_for(mail_services, domain):
    dispatcher = CollectingDispatcher()
    events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, "what's the status of my ticket?",
                                                                "check_ticket_status", channel="socketio"), domain)
    assert responses(dispatcher) == ["utter_no_tickets", "utter_offer_address_verification"]
    assert slots_set(events) == {"next_step": "verify_email", "verification_email": None}
    # A yes starts the form with no address: it asks for one (utter_ask_verification_email).
    started = slots_set(run(ActionStartVerification(), CollectingDispatcher(), make_tracker(domain, "/affirm", "affirm"), domain))
    assert started["next_step"] is None and "verification_email" not in started


def test_a_status_answered_with_tickets_withdraws_an_open_offer_of_a_code(mail_services, domain):
    """Offered a code, the customer sends their reference instead: the tickets are shown, and a later
    "yes" (to something else) no longer starts proving an address."""
    conversation_id, reference = telegram_customer_with_a_ticket(domain, new_address())
    dispatcher = CollectingDispatcher()
    offered = {"next_step": "verify_email", "verification_email": "someone@example.com"}
    events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, f"#{reference}", "check_ticket_status",
                                                                sender_id=conversation_id, channel="telegram",
                                                                slots=offered), domain)
    assert responses(dispatcher) == ["utter_ticket_status"]
    assert dispatcher.messages[0]["status_lines"].startswith(f"{reference} — ")
    assert slots_set(events) == {"next_step": None, "verification_email": None}


def test_a_wrong_address_is_asked_again_and_too_many_codes_stop_the_form(mail_services, smtp_server, domain):  # noqa: F811
    web = f"web:{uuid.uuid4().hex}"
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_email", "dana at example dot com"))
    assert (responses(dispatcher), slots) == (["utter_invalid_email"], {"verification_email": None})
    for _ in range(3):
        validate(domain, form_turn(domain, web, "verification_email", new_address()))
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_email", new_address()))
    assert responses(dispatcher) == ["utter_too_many_codes"] and dispatcher.messages[0]["minutes"] == 15
    assert slots == {"verification_email": None, "verification_stopped": True, "requested_slot": None}  # the form ends
    assert len(smtp_server.wait_for(3)) == 3


def test_an_expired_code_offers_a_new_one_to_the_same_address(mail_services, smtp_server, domain):  # noqa: F811
    web, email = f"web:{uuid.uuid4().hex}", new_address()
    validate(domain, form_turn(domain, web, "verification_email", email))
    code = code_from(smtp_server, 1, email)
    with session_scope(services().sessions) as session:
        session.execute(update(VerificationCode).where(VerificationCode.conversation_id == web)
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_code", code, {"verification_email": email}))
    assert (responses(dispatcher), dispatcher.messages[0]["email"]) == (["utter_code_expired"], email)
    assert slots == {"verification_code": None, "verification_stopped": True, "next_step": "verify_email",
                     "requested_slot": None}

    dispatcher = CollectingDispatcher()
    stopped = make_tracker(domain, code, "nlu_fallback", sender_id=web,
                           slots={"verification_stopped": True, "next_step": "verify_email", "verification_email": email})
    events = slots_set(run(ActionFinishVerification(), dispatcher, stopped, domain))
    assert dispatcher.messages == [] and "verification_email" not in events  # kept for the new code


def test_the_reset_that_starts_the_form_is_not_checked_as_a_typed_code(mail_services, domain):
    """Yes to a code in a chat with no address yet: action_start_verification's SlotSet(verification_code,
    None) reaches the validation as a candidate; it must not be checked (no code exists: "expired")."""
    web = f"web:{uuid.uuid4().hex}"
    dispatcher, slots = validate(domain, form_turn(domain, web, "verification_code", None))
    assert responses(dispatcher) == [] and slots.get("verification_code") is None
    assert "verification_stopped" not in slots and "next_step" not in slots


def test_cancelling_or_declining_says_so_and_forgets_the_address(mail_services, domain):
    dispatcher = CollectingDispatcher()
    events = slots_set(run(ActionFinishVerification(), dispatcher,
                           make_tracker(domain, "cancel", "cancel", slots={"verification_email": "a@example.com"}), domain))
    assert responses(dispatcher) == ["utter_verification_cancelled"] and events["verification_email"] is None
    dispatcher = CollectingDispatcher()
    events = slots_set(run(ActionDeclineVerification(), dispatcher, make_tracker(domain, "no", "deny"), domain))
    assert responses(dispatcher) == ["utter_anything_else"]
    assert events == {"next_step": None, "verification_email": None}


def test_with_email_off_no_code_is_offered_and_a_person_is(no_mail_services, domain):
    dispatcher = CollectingDispatcher()
    events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, "tickets of dana@example.com", "check_ticket_status"), domain)
    assert responses(dispatcher) == ["utter_cannot_verify_email"]
    assert slots_set(events) == {"escalation_reason": "customer_request", "awaiting_feedback": False}
    dispatcher = CollectingDispatcher()
    assert run(ActionTicketStatus(), dispatcher, make_tracker(domain, "any news?", "check_ticket_status"), domain) == []
    assert responses(dispatcher) == ["utter_no_tickets"]
    dispatcher = CollectingDispatcher()
    assert run(ActionTicketStatus(), dispatcher, make_tracker(domain, "T-99999", "check_ticket_status"), domain) == []
    assert responses(dispatcher) == ["utter_ticket_not_found"] and dispatcher.messages[0]["ticket_reference"] == "T-99999"

"""Outside business hours, or with nobody online, the customer hears it before any question, the
ticket is created at once from what the bot already knows (they may leave straight away), and the
name and e-mail they may add afterwards go on that ticket. E-mail is promised only when it is on."""
import asyncio
import uuid
from datetime import datetime, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation import (
    ActionAskCustomerEmail,
    ActionCancelEscalation,
    ActionCreateTicket,
    ActionStartEscalation,
    ActionTicketStatus,
    ValidateEscalationForm,
)
from actions.handoff import ActionRelayToAgent
from bot.db import session_scope
from bot.escalation.wording import offline_reason
from bot.models import Ticket
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import free_port
from tests.actions.conftest import (
    action_server_env,
    asked_for,
    configured_services,
    form_turn,
    helpdesk_env,
    make_tracker,
    responses,
    run,
    slots_set,
    user_event,
)
from tests.actions.test_escalation import an_agent_online

E_MAIL_ON = {"SMTP_URL": "smtp://127.0.0.1:1", "EMAIL_FROM": "support@example.com"}  # only read, never dialled here
QUESTION = "my parcel arrived damaged, what now?"


def closed_now() -> str:
    """One hour a day that is not the current hour (UTC), so the helpdesk is closed right now."""
    return "Mon-Sun 20:00-21:00" if datetime.now(timezone.utc).hour < 12 else "Mon-Sun 03:00-04:00"


@pytest.fixture
def closed_env(var_dir, database_url, kb_dir, topics_file, tmp_path):
    """A helpdesk outside its business hours; yields the action server's environment for it."""
    env = {**helpdesk_env(var_dir, database_url), "BUSINESS_HOURS": closed_now(), "BUSINESS_TIMEZONE": "Europe/Prague"}
    with run_helpdesk(env, free_port(), tmp_path / "log", "--log-level", "warning") as helpdesk:
        yield {**action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url),
               "BUSINESS_TIMEZONE": "Europe/Prague"}


@pytest.fixture
def closed_helpdesk(closed_env):
    with configured_services(closed_env) as built:
        yield built


def ticket_of_all(sessions, conversation_id) -> list[Ticket]:
    with session_scope(sessions) as session:
        tickets = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).all()
        for ticket in tickets:
            ticket.messages  # noqa: B018 - load the transcript while the session is open
        return list(tickets)


def ticket_of(sessions, conversation_id) -> Ticket:
    (ticket,) = ticket_of_all(sessions, conversation_id)
    return ticket


def asks_for_a_person(domain, language="en", sender_id=None):
    history = [user_event(QUESTION, "ask_question"), user_event("/deny", "deny")]
    return make_tracker(domain, "I want a human", "request_human", history=history, slots={"language": language},
                        sender_id=sender_id)


def details_slots(reference, **more):
    return {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "details_for_ticket": reference,
            **more}


# --- before any question ----------------------------------------------------------------------


def test_outside_hours_the_ticket_exists_before_any_question(closed_helpdesk, dispatcher, domain):
    tracker = asks_for_a_person(domain)

    events = run(ActionStartEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_opened_nobody_here"]  # e-mail is off: not promised
    said = dispatcher.messages[0]
    assert said["offline_reason"] == "Our team is offline right now (outside support hours)."
    assert said["back_text"].startswith("Our team is back on ") and said["back_text"].endswith(("CET.", "CEST."))
    ticket = ticket_of(closed_helpdesk.sessions, tracker.sender_id)
    assert said["ticket_reference"] == ticket.reference
    assert (ticket.description, ticket.status) == (QUESTION, "waiting")
    assert any(QUESTION in line.body for line in ticket.messages)  # the transcript travels with it
    slots = slots_set(events)
    assert slots["details_for_ticket"] == slots["ticket_reference"] == ticket.reference
    assert "handoff_active" not in slots  # the bot keeps the chat while it offers the optional details


def test_in_hours_with_nobody_online_the_customer_hears_it_first(action_services, dispatcher, domain):
    tracker = asks_for_a_person(domain, language="cs")

    run(ActionStartEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_opened_nobody_here"]
    said = dispatcher.messages[0]
    assert said["offline_reason"] == "Nikdo z týmu teď není online."
    assert said["back_text"] == "Jakmile se někdo z týmu uvolní, hned se tomu bude věnovat."
    assert ticket_of(action_services.sessions, tracker.sender_id).language == "cs"


def test_with_an_agent_online_the_details_come_first_as_before(action_services, dispatcher, domain):
    tracker = asks_for_a_person(domain)

    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_escalation_intro"]
    assert slots_set(events)["details_for_ticket"] is None
    with session_scope(action_services.sessions) as session:
        assert session.scalars(select(Ticket).where(Ticket.conversation_id == tracker.sender_id)).all() == []


@pytest.mark.parametrize("language", ["en", "he", "ar", "cs"])
def test_a_customer_who_has_not_said_the_problem_yet_is_asked_it_before_the_ticket(closed_helpdesk, dispatcher,
                                                                                 domain, language):
    """"help", "What do you need help with?", "help", yes to a person: until 6 December a ticket was opened at
    once with no description, and the customer was told it held "your question". The form now asks the
    details and the problem as when someone is here, and creates the ticket at its end."""
    history = [user_event("help", "ask_question"), user_event("help", "ask_question")]
    tracker = make_tracker(domain, "yes", "affirm", history=history, slots={"language": language})

    events = run(ActionStartEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_escalation_intro_nobody_here"]
    said = dispatcher.messages[0]
    assert said["offline_reason"] == offline_reason(language, open_now=False)
    assert said["back_text"].endswith(("CET.", "CEST."))  # when the team is back, in the business time zone
    assert ticket_of_all(closed_helpdesk.sessions, tracker.sender_id) == []
    slots = slots_set(events)
    assert (slots["suggested_description"], slots["details_for_ticket"]) == (None, None)
    assert required(domain, slots) == ["customer_name", "customer_email", "issue_description"]


def test_with_e_mail_on_the_reply_by_e_mail_is_offered(closed_env, dispatcher, domain):
    with configured_services({**closed_env, **E_MAIL_ON}):
        run(ActionStartEscalation(), dispatcher, asks_for_a_person(domain), domain)
    assert responses(dispatcher) == ["utter_ticket_opened_nobody_here_email"]


# --- the optional details ---------------------------------------------------------------------


def required(domain, slots):
    form = ValidateEscalationForm()
    tracker = make_tracker(domain, "", "inform", slots=slots)
    return asyncio.run(form.required_slots(form.domain_slots(domain), CollectingDispatcher(), tracker, domain))


def test_the_form_asks_for_an_e_mail_only_when_e_mail_is_on(closed_env, domain):
    slots = details_slots("T-1")
    with configured_services(closed_env):
        assert required(domain, slots) == ["customer_name"]
        assert required(domain, {"escalation_id": "x"}) == ["customer_name", "customer_email", "issue_description"]
    with configured_services({**closed_env, **E_MAIL_ON}):
        assert required(domain, slots) == ["customer_email", "customer_name"]
        assert required(domain, {**slots, "details_skipped": ["customer_email"]}) == ["customer_name"]


def test_the_optional_questions_say_so(closed_helpdesk, dispatcher, domain):
    run(ActionAskCustomerEmail(), dispatcher, make_tracker(domain, slots=details_slots("T-1")), domain)
    run(ActionAskCustomerEmail(), dispatcher, make_tracker(domain), domain)
    assert responses(dispatcher) == ["utter_ask_optional_customer_email", "utter_ask_customer_email"]


@pytest.mark.parametrize("answer", ["skip", "No thanks", "דלג", "تخطي", "přeskočit"])
def test_each_detail_can_be_skipped(closed_env, dispatcher, domain, answer):
    with configured_services({**closed_env, **E_MAIL_ON}):
        tracker = form_turn(domain, "customer_email", answer, slots=details_slots("T-1"))
        email = slots_set(run(ValidateEscalationForm(), dispatcher, tracker, domain))
        skipped = {"details_skipped": ["customer_email"]}
        tracker = form_turn(domain, "customer_name", answer, slots=details_slots("T-1", **skipped))
        name = slots_set(run(ValidateEscalationForm(), dispatcher, tracker, domain))
    assert (email["customer_email"], email["details_skipped"], email["requested_slot"]) == (
        None, ["customer_email"], "customer_name")
    assert (name["details_skipped"], name["requested_slot"]) == (["customer_email", "customer_name"], None)
    assert responses(dispatcher) == []  # no "that doesn't look like an e-mail address"


def test_what_the_customer_adds_goes_on_the_open_ticket_at_once(closed_env, domain):
    sender = f"test-{uuid.uuid4().hex[:12]}"
    with configured_services({**closed_env, **E_MAIL_ON}) as built:
        start = run(ActionStartEscalation(), CollectingDispatcher(), asks_for_a_person(domain, sender_id=sender), domain)
        slots = {key: value for key, value in slots_set(start).items() if key != "requested_slot"}
        form = ValidateEscalationForm()
        dispatcher = CollectingDispatcher()
        run(form, dispatcher, form_turn(domain, "customer_email", "noa@example.com", slots=slots, sender_id=sender), domain)
        run(form, dispatcher, form_turn(domain, "customer_name", "Noa Cohen", slots=slots, sender_id=sender), domain)
        ticket = ticket_of(built.sessions, sender)  # before the form ends: leaving now loses nothing
        assert (ticket.customer_email, ticket.customer_name) == ("noa@example.com", "Noa Cohen")
        assert "The customer added their e-mail: noa@example.com" in [line.body for line in ticket.messages]

        done = {**slots, "customer_email": "noa@example.com", "customer_name": "Noa Cohen"}
        events = run(ActionCreateTicket(), dispatcher, make_tracker(domain, "Noa Cohen", slots=done, sender_id=sender), domain)

    assert responses(dispatcher)[-1] == "utter_ticket_details_added_email"
    assert dispatcher.messages[-1]["ticket_reference"] == ticket.reference
    assert slots_set(events)["handoff_active"] is True  # what they write now goes to the ticket
    assert slots_set(events)["details_for_ticket"] is None
    assert len(ticket_of_all(built.sessions, sender)) == 1  # the end of the form creates no second ticket


def opened_while_nobody_was_here(domain, sender):
    """The slots of a conversation whose ticket the escalation opened at once, its form asking the details."""
    start = run(ActionStartEscalation(), CollectingDispatcher(), asks_for_a_person(domain, sender_id=sender), domain)
    return {key: value for key, value in slots_set(start).items() if key != "requested_slot"}


@pytest.mark.parametrize("words", [
    "it was supposed to arrive last Monday, the order number is 88812",
    "ההזמנה שלי לא הגיעה עד היום",  # my order has not arrived to this day
    "الطلب ما وصلني لحد الآن",  # the order has not reached me yet
    "balík mi pořád nedorazil",  # the parcel still has not reached me
    "is my order 88812 going to arrive today?",  # a question, for the ticket too
])
def test_more_of_the_problem_typed_as_the_name_goes_on_the_ticket_and_the_name_is_asked_again(closed_helpdesk, dispatcher,
                                                                                            domain, words):
    """Outside hours the customer's problem, typed in answer to "What's your name?", was their name on the ticket."""
    sender = f"test-{uuid.uuid4().hex[:12]}"
    slots = opened_while_nobody_was_here(domain, sender)

    events = run(ValidateEscalationForm(), dispatcher,
                 form_turn(domain, "customer_name", words, slots=slots, sender_id=sender), domain)

    ticket = ticket_of(closed_helpdesk.sessions, sender)

    assert responses(dispatcher) == ["utter_added_to_ticket_instead_of_a_name"]
    assert (slots_set(events)["customer_name"], slots_set(events)["requested_slot"]) == (None, "customer_name")
    assert ticket.customer_name is None
    assert [line.body for line in ticket.messages if line.author_type == "customer"][-1] == words


def test_with_e_mail_off_an_address_given_is_not_promised_a_reply(closed_helpdesk, dispatcher, domain):
    done = details_slots("T-1", customer_email="noa@example.com", customer_name="Noa")
    run(ActionCreateTicket(), dispatcher, make_tracker(domain, "Noa", slots=done), domain)
    assert responses(dispatcher) == ["utter_ticket_details_added"]


def test_a_form_that_asked_nothing_thanks_for_nothing(closed_helpdesk, dispatcher, domain):
    """The name was known (the customer introduced themselves) and e-mail is off: the form asked nothing,
    so no "Thanks, I've added that to your ticket" after the notice of the opened ticket."""
    started = [{"event": "action", "name": "action_start_escalation"}, {"event": "action", "name": "escalation_form"}]
    tracker = make_tracker(domain, "I want a person", "request_human", slots=details_slots("T-3", customer_name="Noa"),
                           trailing=started)
    events = run(ActionCreateTicket(), dispatcher, tracker, domain)
    assert responses(dispatcher) == []
    assert slots_set(events)["handoff_active"] is True  # what they write now goes to the ticket
    assert slots_set(events)["details_for_ticket"] is None


def test_cancel_while_adding_details_keeps_the_ticket_open(closed_helpdesk, dispatcher, domain):
    events = run(ActionCancelEscalation(), dispatcher, make_tracker(domain, "cancel", "cancel",
                                                                    slots=details_slots("T-7")), domain)
    assert responses(dispatcher) == ["utter_ticket_details_skipped"]  # not "no ticket was created"
    assert dispatcher.messages[0]["ticket_reference"] == "T-7"
    assert slots_set(events)["handoff_active"] is True


def test_solved_while_adding_details_goes_on_the_ticket_and_asks_to_withdraw_it(closed_helpdesk, dispatcher, domain):
    """"It works now" there is about the ticket: until 7 December the customer heard it stays open."""
    sender = f"test-{uuid.uuid4().hex[:12]}"
    slots = opened_while_nobody_was_here(domain, sender)

    events = run(ActionCancelEscalation(), dispatcher,
                 make_tracker(domain, "it works now", "withdraw_request", slots=slots, sender_id=sender), domain)

    assert responses(dispatcher) == ["utter_ask_withdraw"]  # its buttons withdraw it (ActionWithdrawHandoff)
    assert slots_set(events)["handoff_active"] is True
    ticket = ticket_of(closed_helpdesk.sessions, sender)
    assert (ticket.status, ticket.messages[-1].body) == ("waiting", "it works now")


def test_stop_waiting_while_adding_details_withdraws_the_ticket(closed_helpdesk, dispatcher, domain):
    sender = f"test-{uuid.uuid4().hex[:12]}"
    slots = opened_while_nobody_was_here(domain, sender)

    events = run(ActionCancelEscalation(), dispatcher,
                 make_tracker(domain, "/withdraw_request", "withdraw_request", slots=slots, sender_id=sender), domain)

    ticket = ticket_of(closed_helpdesk.sessions, sender)
    assert responses(dispatcher) == ["utter_request_withdrawn"]
    assert dispatcher.messages[0]["ticket_reference"] == ticket.reference
    assert ticket.status == "withdrawn"
    assert slots_set(events)["handoff_active"] is False


def test_cancel_before_any_ticket_says_none_was_created_and_forgets_the_escalation(closed_helpdesk, dispatcher, domain):
    tracker = make_tracker(domain, "cancel", "cancel", slots={"escalation_id": "e-1", "escalation_reason": "fallback"})
    events = run(ActionCancelEscalation(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_escalation_cancelled"]
    assert (slots_set(events)["escalation_id"], slots_set(events)["escalation_reason"]) == (None, None)


@pytest.mark.parametrize(("slot", "value"), [("customer_name", "I'd rather not say"), ("customer_email", "לא רוצה לתת מייל")])
def test_declining_the_detail_asked_before_any_ticket_skips_it_and_the_form_goes_on(dispatcher, domain, slot, value):
    """DIET reads these as cancel: the rule stops the form, and this action starts it again without the detail."""
    tracker = make_tracker(domain, value, "cancel", slots={"escalation_id": "e-1", "escalation_reason": "customer_request"},
                           history=[asked_for(slot)], trailing=[asked_for(None)])

    events = run(ActionCancelEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_detail_declined"]  # not "no ticket was created"
    assert slots_set(events)["details_skipped"] == [slot]
    assert [event["name"] for event in events if event["event"] == "active_loop"] == ["escalation_form"]
    assert "escalation_id" not in slots_set(events)  # the escalation is kept


@pytest.mark.parametrize(("text", "intent", "slot"), [
    ("never mind", "cancel", "customer_name"), ("לא משנה", "cancel", "customer_name"),  # Hebrew's "never mind"
    ("not needed", "cancel", "customer_email"), ("I don't want this", "cancel", "customer_name"),
    ("I'd rather not say", "cancel", "issue_description"),  # the problem is what the ticket is for
    ("I'd rather not say", "withdraw_request", "customer_name"),  # DIET: no longer needing help
])
def test_cancelling_or_withdrawing_at_a_question_still_cancels(dispatcher, domain, text, intent, slot):
    tracker = make_tracker(domain, text, intent, slots={"escalation_id": "e-1"}, history=[asked_for(slot)],
                           trailing=[asked_for(None)])

    events = run(ActionCancelEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_escalation_cancelled"]
    assert not [event for event in events if event["event"] == "active_loop"]


def test_declining_once_the_ticket_exists_ends_the_questions_as_before(closed_helpdesk, dispatcher, domain):
    tracker = make_tracker(domain, "I'd rather not say", "cancel", slots=details_slots("T-8"),
                           history=[asked_for("customer_name")], trailing=[asked_for(None)])

    events = run(ActionCancelEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_details_skipped"]
    assert not [event for event in events if event["event"] == "active_loop"]


# --- asking about the wait while the team is away ----------------------------------------------


@pytest.mark.parametrize(("language", "question", "back"), [
    ("en", "how long will it take?", "our team is back on "), ("he", "כמה זמן עוד?", "הצוות חוזר לעבודה ב-"),
    ("ar", "هل من جديد؟", "يعود فريقنا للعمل في "), ("cs", "jak dlouho ještě?", "náš tým je tu znovu od "),
])
def test_asking_how_long_outside_hours_says_when_the_team_is_back(closed_helpdesk, domain, language, question, back):
    """Not "a person will reply as soon as one is free", which reads as minutes on a Saturday night."""
    tracker = asks_for_a_person(domain, language)
    run(ActionStartEscalation(), CollectingDispatcher(), tracker, domain)

    waiting = CollectingDispatcher()
    run(ActionRelayToAgent(), waiting, make_tracker(domain, question, "check_ticket_status", sender_id=tracker.sender_id,
                                                   slots={"handoff_active": True, "language": language}), domain)
    asked = CollectingDispatcher()
    run(ActionTicketStatus(), asked, make_tracker(domain, question, "check_ticket_status", sender_id=tracker.sender_id,
                                                  slots={"language": language}), domain)

    assert responses(waiting) == ["utter_wait_update"]
    assert waiting.messages[0]["wait_text"].startswith(back) and waiting.messages[0]["wait_text"].endswith(("CET.", "CEST."))
    assert responses(asked) == ["utter_ticket_status"]
    assert asked.messages[0]["status_lines"].endswith(waiting.messages[0]["wait_text"])


# --- a ticket created later (the helpdesk was down when the customer asked) -------------------


@pytest.mark.parametrize(("extra_env", "expected"), [({}, "utter_ticket_created_offline"),
                                                     (E_MAIL_ON, "utter_ticket_created_offline_email")])
def test_outside_business_hours_the_customer_learns_when_a_person_will_answer(closed_env, dispatcher, domain,
                                                                            extra_env, expected):
    slots = {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "customer_name": "Noa",
             "customer_email": "noa@example.com", "issue_description": "My order arrived damaged"}
    tracker = make_tracker(domain, "My order arrived damaged", "inform", slots=slots)

    with configured_services({**closed_env, **extra_env}):
        events = run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == [expected]
    message = dispatcher.messages[0]
    assert message["offline_reason"] == "Our team is offline right now (outside support hours)."
    # In the business time zone, as the first message said it: e.g. "from Tue 24 Nov 03:00 CET".
    assert message["next_open_text"].startswith("from ") and message["next_open_text"].endswith(("CET", "CEST"))
    assert message["ticket_reference"].startswith("T-")
    assert slots_set(events)["handoff_active"] is True  # a person will still answer here, later


def test_details_for_a_conversation_without_an_open_ticket_change_nothing(action_services):
    conversation = f"test-{uuid.uuid4().hex[:12]}"
    assert action_services.tickets.add_customer_details(conversation, "Noa", "noa@example.com") is False
    assert ticket_of_all(action_services.sessions, conversation) == []

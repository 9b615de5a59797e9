"""Handing a conversation to a person: the customer's details, then a real ticket in the real helpdesk."""
import uuid
from contextlib import contextmanager

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation import (
    ActionAnnounceTicket,
    ActionAskIssueDescription,
    ActionChooseTicketLanguage,
    ActionCreateTicket,
    ActionStartEscalation,
    ActionTicketStatus,
    ValidateEscalationForm,
)
from bot.db import session_scope
from bot.helpdesk import accounts
from bot.kb.query_log import record_query
from bot.models import Agent, Ticket
from tests.actions.conftest import form_turn, make_tracker, responses, run, slots_set, user_event
from tests.helpers.sessions import in_session


@pytest.fixture(autouse=True)
def _services(action_services):
    return action_services


def tickets_of(action_services, conversation_id):
    with session_scope(action_services.sessions) as session:
        tickets = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).all()
        for ticket in tickets:
            ticket.messages  # noqa: B018 - load the transcript while the session is open
        return tickets


def escalation_slots(**overrides):
    return {"escalation_id": uuid.uuid4().hex, "escalation_reason": "kb_missed_twice", "customer_name": "Dana Levi",
            "customer_email": "dana@example.com", "issue_description": "My reset link has expired", **overrides}


# --- starting an escalation -------------------------------------------------------------------


def test_starting_an_escalation_gives_it_an_id_and_remembers_the_open_question(action_services, dispatcher, domain):
    history = [user_event("how do I export all my data as CSV?", "ask_question"), user_event("/deny", "deny")]
    tracker = make_tracker(domain, "I want a human", "request_human", history=history)

    with an_agent_online(action_services):  # with nobody online the ticket comes first: test_after_hours.py
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_escalation_intro"]
    slots = slots_set(events)
    assert len(slots["escalation_id"]) == 32
    assert slots["escalation_reason"] == "customer_request"
    assert slots["suggested_description"] == "how do I export all my data as CSV?"
    assert (slots["issue_description"], slots["next_step"]) == (None, None)


def test_the_form_starts_with_its_first_question_not_a_complaint_about_the_cleared_description(action_services, domain):
    """As Rasa runs it: the form's validation first sees the slots action_start_escalation set."""
    tracker = make_tracker(domain, "I want to talk to a person", "request_human")
    with an_agent_online(action_services):
        started = run(ActionStartEscalation(), CollectingDispatcher(), tracker, domain)
    first_turn = make_tracker(domain, "I want to talk to a person", "request_human", active_loop={"name": "escalation_form"},
                              trailing=[event for event in started if event["event"] == "slot"])
    dispatcher = CollectingDispatcher()

    run(ValidateEscalationForm(), dispatcher, first_turn, domain)

    assert dispatcher.messages == []  # until 3 December: "Please describe the problem in a line"


def test_each_escalation_gets_a_new_id(action_services, domain):
    tracker = make_tracker(domain, "agent please", "request_human")
    with an_agent_online(action_services):
        first = slots_set(run(ActionStartEscalation(), CollectingDispatcher(), tracker, domain))["escalation_id"]
        second = slots_set(run(ActionStartEscalation(), CollectingDispatcher(), tracker, domain))["escalation_id"]
    assert first != second


OFFERED_A_PERSON = {"event": "bot", "text": "Would you like me to connect you with a person?",
                    "metadata": {"utter_action": "utter_offer_human_instead"}}


def test_a_reason_decided_with_the_offer_of_a_person_is_kept_when_the_customer_takes_it_up(
        action_services, dispatcher, domain):
    tracker = make_tracker(domain, "yes", "affirm", slots={"escalation_reason": "sensitive_topic"},
                           history=[OFFERED_A_PERSON])
    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)
    assert slots_set(events)["escalation_reason"] == "sensitive_topic"


def test_a_reason_decided_this_turn_is_kept(action_services, dispatcher, domain):
    decided = {"event": "slot", "timestamp": None, "name": "escalation_reason", "value": "frustration"}
    tracker = make_tracker(domain, "this is the third time I ask", "ask_question",
                           slots={"escalation_reason": "frustration"}, trailing=[decided])
    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)
    assert slots_set(events)["escalation_reason"] == "frustration"


def test_a_reason_decided_again_this_turn_is_kept_though_the_slot_held_it_already(action_services, dispatcher, domain):
    """A topic a person handles, offered and let pass, then raised again: the KB's action decides to escalate
    with the same reason, so only next_step changes (Rasa drops a slot set to the value it has)."""
    decided = {"event": "slot", "timestamp": None, "name": "next_step", "value": "escalate"}
    tracker = make_tracker(domain, "I want to close my account, I will get a lawyer", "ask_question",
                           slots={"escalation_reason": "sensitive_topic", "next_step": "escalate"}, trailing=[decided])
    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)
    assert slots_set(events)["escalation_reason"] == "sensitive_topic"


def test_a_complaint_right_after_an_offer_of_a_person_is_a_complaint_with_the_apology(action_services, dispatcher,
                                                                                     domain):
    tracker = make_tracker(domain, "this is useless", "complain", slots={"escalation_reason": "kb_missed_twice"},
                           history=[OFFERED_A_PERSON])
    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)
    assert slots_set(events)["escalation_reason"] == "frustration"
    assert responses(dispatcher) == ["utter_escalation_apology", "utter_escalation_intro"]


def test_a_complaint_after_an_offer_let_pass_escalates_as_a_complaint_not_as_that_offer(
        action_services, dispatcher, domain):
    """Until 6 December the reason an earlier offer left in the slots ("two misses") went on the ticket."""
    answered_since = [OFFERED_A_PERSON, user_event("how do I reset my password?", "ask_question"),
                      {"event": "bot", "text": "Did that answer your question?", "metadata": {"utter_action": "utter_ask_kb_helped"}}]
    tracker = make_tracker(domain, "THIS IS RIDICULOUS", "complain", slots={"escalation_reason": "kb_missed_twice"},
                           history=answered_since)
    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)
    assert slots_set(events)["escalation_reason"] == "frustration"


def test_a_complaint_escalates_as_frustration_with_an_apology_first(action_services, dispatcher, domain):
    tracker = make_tracker(domain, "THIS IS RIDICULOUS WHERE IS MY REFUND", "complain")
    with an_agent_online(action_services):
        events = run(ActionStartEscalation(), dispatcher, tracker, domain)
    assert slots_set(events)["escalation_reason"] == "frustration"
    assert responses(dispatcher) == ["utter_escalation_apology", "utter_escalation_intro"]


def test_a_plain_request_for_a_person_gets_no_apology(action_services, dispatcher, domain):
    with an_agent_online(action_services):
        run(ActionStartEscalation(), dispatcher, make_tracker(domain, "can I talk to a person", "request_human"), domain)
    assert responses(dispatcher) == ["utter_escalation_intro"]


def test_name_and_email_the_channel_knows_are_not_asked_again(dispatcher, domain):
    metadata = {"customer_name": "  Noa   Cohen ", "customer_email": "noa@example.com"}
    tracker = make_tracker(domain, "agent", "request_human", metadata=metadata)

    slots = slots_set(run(ActionStartEscalation(), dispatcher, tracker, domain))

    assert (slots["customer_name"], slots["customer_email"]) == ("Noa Cohen", "noa@example.com")


def test_the_name_the_customer_gave_wins_over_the_channel_profile(dispatcher, domain):
    """ "please call me Jim" from a Telegram user whose profile says James Smith: they are Jim to the agent."""
    metadata = {"customer_name": "James Smith", "customer_email": "james@example.com"}
    tracker = make_tracker(domain, "agent", "request_human", metadata=metadata, slots={"customer_name": "Jim"})

    slots = slots_set(run(ActionStartEscalation(), dispatcher, tracker, domain))

    assert "customer_name" not in slots  # the slot keeps Jim
    assert slots["customer_email"] == "james@example.com"


def test_unusable_channel_details_are_ignored(dispatcher, domain):
    metadata = {"customer_name": "/restart", "customer_email": "not-an-email"}
    slots = slots_set(run(ActionStartEscalation(), dispatcher, make_tracker(domain, "agent", "request_human",
                                                                            metadata=metadata), domain))
    assert "customer_name" not in slots and "customer_email" not in slots


def test_the_open_question_is_offered_as_the_description(dispatcher, domain):
    tracker = make_tracker(domain, "", slots={"suggested_description": "my parcel never arrived"})
    run(ActionAskIssueDescription(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_confirm_issue_description"]


def test_without_an_open_question_the_description_is_asked_for(dispatcher, domain):
    run(ActionAskIssueDescription(), dispatcher, make_tracker(domain, ""), domain)
    assert responses(dispatcher) == ["utter_ask_issue_description"]


# --- ValidateEscalationForm --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["dana at example dot com", "dana@", "a@b.com c@d.com", "<script>@x.com", "😀",
                                   "x" * 100_000])
def test_a_bad_email_is_refused_with_a_hint(dispatcher, domain, value):
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, "customer_email", value), domain)

    assert responses(dispatcher) == ["utter_invalid_email"]
    assert slots_set(events)["customer_email"] is None


def test_an_email_among_other_words_is_accepted(dispatcher, domain):
    events = run(ValidateEscalationForm(), dispatcher,
                 form_turn(domain, "customer_email", "sure, it's dana@example.com"), domain)

    assert dispatcher.messages == []
    assert slots_set(events)["customer_email"] == "dana@example.com"


@pytest.mark.parametrize("value, expected", [("  Dana   Levi ", "Dana Levi"), ("דנה לוי", "דנה לוי"), ("12345", None),
                                             ("dana@example.com", None), ("okay", None), ("בסדר", None),
                                             ("Jo", "Jo"), ("Dobrá", "Dobrá"), ("my name is Ano", "Ano")])
def test_the_name_is_tidied_or_refused(dispatcher, domain, value, expected):
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, "customer_name", value), domain)

    assert slots_set(events)["customer_name"] == expected
    assert responses(dispatcher) == ([] if expected else ["utter_invalid_name"])


def test_the_problem_typed_as_the_name_is_offered_as_its_description_and_the_name_is_asked_again(dispatcher, domain):
    events = run(ValidateEscalationForm(), dispatcher,
                 form_turn(domain, "customer_name", "my parcel never arrived and I want my money back"), domain)

    assert responses(dispatcher) == ["utter_noted_instead_of_a_name"]
    assert slots_set(events)["customer_name"] is None
    # The form still asks for the description, offering these words (action_ask_issue_description).
    assert slots_set(events)["suggested_description"] == "my parcel never arrived and I want my money back"
    assert "issue_description" not in slots_set(events)


def test_the_problem_typed_as_the_name_leaves_the_customers_question_the_suggestion(dispatcher, domain):
    tracker = form_turn(domain, "customer_name", "it was meant to come on Monday, it never did",
                        slots={"suggested_description": "where is my parcel?"})

    events = run(ValidateEscalationForm(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_noted_instead_of_a_name"]
    assert slots_set(events)["customer_name"] is None
    assert "suggested_description" not in slots_set(events)  # the transcript has the rest


@pytest.mark.parametrize("value", ["why do you need my name?", "my full name is Dana Cohen?", "Dana?"])
def test_a_question_typed_as_the_name_is_no_name_and_no_problem(dispatcher, domain, value):
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, "customer_name", value), domain)

    assert responses(dispatcher) == ["utter_invalid_name"]
    assert slots_set(events)["customer_name"] is None


@pytest.mark.parametrize(("slot", "value", "asked_next"), [
    ("customer_name", "I'd rather not say", "customer_email"), ("customer_name", "skip", "customer_email"),
    ("customer_name", "לא רוצה להגיד", "customer_email"), ("customer_name", "لا أريد أقول اسمي", "customer_email"),
    ("customer_name", "nechci", "customer_email"), ("customer_name", "it doesn't matter", "customer_email"),
    # DIET reads these as deny, so they reach the question: they were stored as the name
    ("customer_name", "לא רוצה", "customer_email"), ("customer_name", "not now", "customer_email"),
    ("customer_name", "ما ابي", "customer_email"), ("customer_name", "ne, nechci", "customer_email"),
    ("customer_email", "I'd rather not give my email", "issue_description"),
    ("customer_email", "אין לי מייל", "issue_description"), ("customer_email", "ما عندي ايميل", "issue_description"),
    ("customer_email", "nemám e-mail", "issue_description"),
])
def test_a_detail_the_customer_will_not_give_is_skipped_while_a_person_waits(dispatcher, domain, slot, value, asked_next):
    """Intercom and Zendesk let a visitor stay anonymous; "I'd rather not say" used to end the escalation."""
    given = {"customer_name": "Dana"} if slot == "customer_email" else {}
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, slot, value, slots=given), domain)

    assert responses(dispatcher) == ["utter_detail_declined"]
    assert (slots_set(events)[slot], slots_set(events)["details_skipped"]) == (None, [slot])
    assert slots_set(events)["requested_slot"] == asked_next


def test_a_name_the_channel_gave_is_not_read_as_declining_when_the_form_starts(dispatcher, domain):
    """The form checks a name the channel knew when it starts, while no question has been answered."""
    tracker = make_tracker(domain, "I want a person", "request_human", slots={"customer_name": "No Thanks"},
                           active_loop={"name": "escalation_form"},
                           trailing=[{"event": "slot", "timestamp": None, "name": "customer_name", "value": "No Thanks"}])

    events = run(ValidateEscalationForm(), dispatcher, tracker, domain)

    assert "details_skipped" not in slots_set(events)
    assert "utter_detail_declined" not in responses(dispatcher)


@pytest.mark.parametrize("value", ["my name", "Noa", "no, my name is Noa", "never mind", "Rather", "أفضل"])
def test_only_a_refusal_skips_the_name(dispatcher, domain, value):
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, "customer_name", value), domain)

    assert "details_skipped" not in slots_set(events)
    assert "utter_detail_declined" not in responses(dispatcher)


def test_yes_takes_the_suggested_description(dispatcher, domain):
    tracker = form_turn(domain, "issue_description", "/affirm", intent="affirm",
                        slots={"suggested_description": "my parcel never arrived"})

    events = run(ValidateEscalationForm(), dispatcher, tracker, domain)

    assert slots_set(events)["issue_description"] == "my parcel never arrived"
    assert dispatcher.messages == []


def test_a_typed_description_replaces_the_suggestion(dispatcher, domain):
    tracker = form_turn(domain, "issue_description", "Actually it is about a double charge\non my card",
                        slots={"suggested_description": "my parcel never arrived"})

    events = run(ValidateEscalationForm(), dispatcher, tracker, domain)

    assert slots_set(events)["issue_description"] == "Actually it is about a double charge on my card"


@pytest.mark.parametrize("text", ["I have a problem", "help", "יש לי בעיה", "عندي مشكلة", "mám problém",
                                  "still not working", "same problem", "עדיין לא עובד", "okay", "تمام"])
def test_a_request_for_help_is_no_description_and_the_question_is_asked_again(dispatcher, domain, text):
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, "issue_description", text), domain)

    assert slots_set(events)["issue_description"] is None
    assert responses(dispatcher) == ["utter_invalid_description"]


def test_a_button_instead_of_a_description_is_refused(dispatcher, domain):
    events = run(ValidateEscalationForm(), dispatcher, form_turn(domain, "issue_description", "/deny", intent="deny"),
                 domain)

    assert slots_set(events)["issue_description"] is None
    assert responses(dispatcher) == ["utter_invalid_description"]


# --- ActionCreateTicket against the real helpdesk ---------------------------------------------


def test_a_ticket_is_created_with_the_conversation_and_the_customer_told(action_services, dispatcher, domain):
    history = [user_event("how do I reset my password", "ask_question"), user_event("/deny", "deny")]
    tracker = make_tracker(domain, "dana@example.com", "inform", slots=escalation_slots(), history=history,
                           channel="socketio")
    in_session(action_services.sessions, record_query, conversation_id=tracker.sender_id,
               question="how do I reset my password", language="en", outcome="miss", article_id="reset-password", score=0.91)

    events = run(ActionCreateTicket(), dispatcher, tracker, domain)

    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert responses(dispatcher) == ["utter_ticket_created_offline", None]  # nobody is online
    assert dispatcher.messages[1]["custom"] == {"data": {"handoff": "active"}}  # the widget's "Stop waiting"
    message = dispatcher.messages[0]
    assert message["ticket_reference"] == ticket.reference
    assert (message["thanks"], message["customer_email"]) == ("Thanks, Dana Levi.", "dana@example.com")
    assert message["offline_reason"] == "No one from our team is online right now."
    assert message["next_open_text"] == "as soon as possible"
    slots = slots_set(events)
    assert slots["ticket_reference"] == ticket.reference
    assert slots["handoff_active"] is True
    assert (slots["escalation_id"], slots["escalation_reason"]) == (None, None)
    assert (ticket.channel, ticket.reason, ticket.customer_email, ticket.status) == (
        "socketio", "kb_missed_twice", "dana@example.com", "waiting")
    assert ticket.description == "My reset link has expired"
    assert [(m.author_type, m.body) for m in ticket.messages][:2] == [
        ("customer", "how do I reset my password"), ("customer", "[deny]")]
    assert ticket.kb_attempts[0]["article_id"] == "reset-password"
    assert ticket.kb_attempts[0]["title"] == "How to reset your password"


def test_a_ticket_without_a_description_is_named_by_the_customers_own_words(action_services, dispatcher, domain):
    """Rather than "Conversation escalated to a person" in English over a Hebrew conversation."""
    tracker = make_tracker(domain, "אני רוצה לדעת מה היתרה בשובר שלי", "request_human", channel="socketio",
                           slots={**escalation_slots(issue_description=None, escalation_reason="customer_request"),
                                  "language": "he"})

    run(ActionCreateTicket(), dispatcher, tracker, domain)

    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert (ticket.subject, ticket.language) == ("אני רוצה לדעת מה היתרה בשובר שלי", "he")


def test_running_the_action_twice_makes_one_ticket_and_tells_the_customer_once(action_services, domain):
    tracker = make_tracker(domain, "dana@example.com", "inform", slots=escalation_slots())

    first, second = CollectingDispatcher(), CollectingDispatcher()
    run(ActionCreateTicket(), first, tracker, domain)
    events = run(ActionCreateTicket(), second, tracker, domain)

    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert first.messages[0]["ticket_reference"] == ticket.reference
    assert second.messages == [] and slots_set(events) == {"escalation_id": None, "escalation_reason": None}


def test_a_late_run_after_the_ticket_exists_does_nothing(dispatcher, domain):
    slots = {**escalation_slots(), "ticket_reference": "T-1001", "handoff_active": True}
    assert run(ActionCreateTicket(), dispatcher, make_tracker(domain, "", "inform", slots=slots), domain) == []
    assert dispatcher.messages == []


def test_without_an_escalation_nothing_is_created(action_services, dispatcher, domain):
    tracker = make_tracker(domain, "", "inform")
    assert run(ActionCreateTicket(), dispatcher, tracker, domain) == []
    assert tickets_of(action_services, tracker.sender_id) == []


@contextmanager
def an_agent_online(action_services, languages=("en",)):
    with session_scope(action_services.sessions) as session:
        agent = accounts.create_agent(session, email=f"agent-{uuid.uuid4().hex[:8]}@example.com", name="Avi", role="agent",
                                      password="correct horse battery staple", languages=languages)
        accounts.set_presence(session, agent=agent, presence="online")
        agent_id = agent.id
    try:
        yield
    finally:
        with session_scope(action_services.sessions) as session:
            accounts.set_presence(session, agent=session.get(Agent, agent_id), presence="offline")


def test_with_an_agent_online_the_customer_hears_the_queue_position(action_services, dispatcher, domain):
    tracker = make_tracker(domain, "noa@example.com", "inform", slots=escalation_slots(language="he"))

    with an_agent_online(action_services, languages=("he", "en")):
        run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_created"]
    message = dispatcher.messages[0]
    assert message["queue_position"] >= 1
    assert "נציג" in message["wait_text"]  # in the customer's language
    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert ticket.language == "he"


def test_a_customer_who_gave_no_name_is_thanked_without_one(action_services, dispatcher, domain):
    """Not "Thanks, . Your ticket is T-1001"."""
    slots = escalation_slots(customer_name=None, customer_email=None, details_skipped=["customer_name", "customer_email"])
    tracker = make_tracker(domain, "my parcel never arrived", "inform", slots=slots)

    with an_agent_online(action_services):
        run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_created"]
    assert dispatcher.messages[0]["thanks"] == "Thanks."
    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert (ticket.customer_name, ticket.customer_email) == (None, None)


# --- no agent online speaks the customer's language ----------------------------------------------


def hebrew_ticket_with_only_english_agents(action_services, domain):
    """A Hebrew customer's ticket created while only an English-speaking agent is online."""
    tracker = make_tracker(domain, "noa@example.com", "inform", slots=escalation_slots(language="he"))
    dispatcher = CollectingDispatcher()
    with an_agent_online(action_services, languages=("en",)):
        events = run(ActionCreateTicket(), dispatcher, tracker, domain)
    return tracker, dispatcher, slots_set(events)


def choose(domain, tracker, language, slots):
    """The customer's button answer: ``/switch_language{"language": ...}``."""
    return make_tracker(
        domain, f'/switch_language{{"language":"{language}"}}', "switch_language", sender_id=tracker.sender_id,
        slots={**slots, "language": language}, entities=[{"entity": "language", "value": language}],
    )


def test_the_customer_hears_that_nobody_online_speaks_their_language_before_waiting(action_services, domain):
    tracker, dispatcher, slots = hebrew_ticket_with_only_english_agents(action_services, domain)

    assert responses(dispatcher) == ["utter_no_agent_speaks_language"]  # instead of the queue position and wait
    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert (dispatcher.messages[0]["ticket_reference"], ticket.language) == (ticket.reference, "he")
    assert (slots["next_step"], slots["handoff_active"]) == ("choose_language", False)  # the bot waits for the choice


def test_the_hebrew_offer_is_in_hebrew_and_its_english_button_moves_the_ticket(domain):
    [hebrew] = [variant for variant in domain["responses"]["utter_no_agent_speaks_language"]
                if variant.get("condition") == [{"type": "slot", "name": "language", "value": "he"}]]
    assert hebrew["text"].startswith("כרגע אין נציג מחובר שמדבר עברית")
    assert [button["payload"] for button in hebrew["buttons"]] == [
        '/switch_language{{"language":"en"}}', '/switch_language{{"language":"he"}}']


def test_choosing_english_makes_the_ticket_english_and_then_tells_the_wait(action_services, domain):
    tracker, _, slots = hebrew_ticket_with_only_english_agents(action_services, domain)
    dispatcher = CollectingDispatcher()

    with an_agent_online(action_services, languages=("en",)):
        events = run(ActionChooseTicketLanguage(), dispatcher, choose(domain, tracker, "en", slots), domain)

    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert ticket.language == "en"
    assert ticket.messages[-1].body == "The customer chose to continue in English (was in Hebrew)"
    assert responses(dispatcher) == ["utter_ticket_created"]
    assert dispatcher.messages[0]["wait_text"].startswith("a person usually replies")  # English now
    chosen = slots_set(events)
    assert (chosen["language"], chosen["handoff_active"], chosen["next_step"]) == ("en", True, None)


def test_choosing_to_wait_keeps_the_ticket_in_the_customers_language(action_services, domain):
    tracker, _, slots = hebrew_ticket_with_only_english_agents(action_services, domain)
    dispatcher = CollectingDispatcher()

    with an_agent_online(action_services, languages=("en",)):
        events = run(ActionChooseTicketLanguage(), dispatcher, choose(domain, tracker, "he", slots), domain)

    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert (ticket.language, [m.author_type for m in ticket.messages].count("system")) == ("he", 0)
    assert responses(dispatcher) == ["utter_ticket_language_kept"]
    assert (slots_set(events)["handoff_active"], slots_set(events)["next_step"]) == (True, None)


def test_a_choice_after_the_ticket_closed_only_ends_the_question(action_services, dispatcher, domain):
    tracker = make_tracker(domain, "noa@example.com", "inform")
    events = run(ActionChooseTicketLanguage(), dispatcher, choose(domain, tracker, "en", {}), domain)
    assert (dispatcher.messages, events) == ([], [{"event": "slot", "timestamp": None, "name": "next_step", "value": None}])


def test_a_very_long_sender_id_still_gets_its_ticket(action_services, dispatcher, domain):
    sender = "web-" + "x" * 240  # REST clients choose their own sender ids
    tracker = make_tracker(domain, "dana@example.com", "inform", slots=escalation_slots(), sender_id=sender)

    run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_created_offline"]
    assert len(tickets_of(action_services, sender)) == 1


def test_hostile_customer_details_are_stored_as_plain_text(action_services, dispatcher, domain):
    slots = escalation_slots(customer_name="<img src=x onerror=alert(1)>",
                             issue_description="'; DROP TABLE tickets; -- 😡 לא עובד")
    tracker = make_tracker(domain, "x", "inform", slots=slots)

    run(ActionCreateTicket(), dispatcher, tracker, domain)

    [ticket] = tickets_of(action_services, tracker.sender_id)
    assert ticket.customer_name == "<img src=x onerror=alert(1)>"
    assert ticket.description == "'; DROP TABLE tickets; -- 😡 לא עובד"


# --- ActionTicketStatus -------------------------------------------------------------------------


def test_the_customer_can_ask_for_the_status_of_their_ticket(action_services, domain):
    tracker = make_tracker(domain, "x", "inform", slots=escalation_slots())
    run(ActionCreateTicket(), CollectingDispatcher(), tracker, domain)
    [ticket] = tickets_of(action_services, tracker.sender_id)

    dispatcher = CollectingDispatcher()
    status = make_tracker(domain, f"what's the status of {ticket.reference}?", "check_ticket_status",
                          sender_id=tracker.sender_id)
    run(ActionTicketStatus(), dispatcher, status, domain)

    assert responses(dispatcher) == ["utter_ticket_status"]
    assert dispatcher.messages[0]["status_lines"].startswith(f"{ticket.reference} — My reset link has expired: waiting")


def test_someone_elses_ticket_reference_reveals_nothing(action_services, domain):
    """The answer names the reference the customer typed, and is the same as for one that does not exist."""
    owner = make_tracker(domain, "x", "inform", slots=escalation_slots())
    run(ActionCreateTicket(), CollectingDispatcher(), owner, domain)
    [ticket] = tickets_of(action_services, owner.sender_id)
    missing = "T-999999999"

    answers = []
    for reference in (ticket.reference, missing):
        dispatcher = CollectingDispatcher()
        events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, f"status of {reference.lower()}?",
                                                                    "check_ticket_status"), domain)
        assert responses(dispatcher) == ["utter_ticket_not_found"] and events == []
        assert dispatcher.messages[0]["ticket_reference"] == reference
        answers.append(str(dispatcher.messages).replace(reference, "<reference>"))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("typed", ["T-{n}", "t-{n}", "#T-{n}", "ticket T{n}", "\u200fפנייה T-{n}",
                                   "T-{arabic}", "požadavek t-{n}?"])
def test_the_reference_is_read_from_the_message(action_services, domain, typed):
    tracker = make_tracker(domain, "x", "inform", slots=escalation_slots())
    run(ActionCreateTicket(), CollectingDispatcher(), tracker, domain)
    [ticket] = tickets_of(action_services, tracker.sender_id)
    number = ticket.reference.removeprefix("T-")
    text = typed.format(n=number, arabic=number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))

    dispatcher = CollectingDispatcher()
    run(ActionTicketStatus(), dispatcher, make_tracker(domain, text, "check_ticket_status", sender_id=tracker.sender_id),
        domain)

    assert responses(dispatcher) == ["utter_ticket_status"]
    assert dispatcher.messages[0]["status_lines"].startswith(f"{ticket.reference} — ")


def test_a_typed_reference_that_is_none_of_the_customers_tickets_is_named_in_the_answer(action_services, domain):
    tracker = make_tracker(domain, "x", "inform", slots=escalation_slots())
    run(ActionCreateTicket(), CollectingDispatcher(), tracker, domain)

    dispatcher = CollectingDispatcher()
    run(ActionTicketStatus(), dispatcher, make_tracker(domain, "T-999999998", "check_ticket_status",
                                                       sender_id=tracker.sender_id), domain)

    assert responses(dispatcher) == ["utter_ticket_not_found"]
    assert dispatcher.messages[0]["ticket_reference"] == "T-999999998"


def test_no_tickets_is_said_plainly(dispatcher, domain):
    run(ActionTicketStatus(), dispatcher, make_tracker(domain, "any news?", "check_ticket_status"), domain)
    assert responses(dispatcher) == ["utter_no_tickets"]


@pytest.mark.parametrize("question, language, article_id", [
    ("refund status", "en", "refund-status"),
    ("סטטוס החזר", "he", "refund-status-he"),  # the refund's status
    ("حالة الاسترداد", "ar", "refund-status-ar"),
])
def test_without_a_ticket_a_status_question_the_kb_is_sure_of_gets_its_answer(action_services, dispatcher, domain,
                                                                           question, language, article_id):
    tracker = make_tracker(domain, question, "check_ticket_status", slots={"language": language})

    events = run(ActionTicketStatus(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_no_tickets"
    assert slots_set(events)["kb_article_id"] == article_id
    assert "utter_offer_address_verification" not in responses(dispatcher)


def test_a_customer_with_a_ticket_gets_its_status_not_an_article(action_services, domain):
    tracker = make_tracker(domain, "x", "inform", slots=escalation_slots())
    run(ActionCreateTicket(), CollectingDispatcher(), tracker, domain)

    dispatcher = CollectingDispatcher()
    events = run(ActionTicketStatus(), dispatcher, make_tracker(domain, "refund status", "check_ticket_status",
                                                                sender_id=tracker.sender_id), domain)

    assert responses(dispatcher) == ["utter_ticket_status"]
    assert "kb_article_id" not in slots_set(events)


def test_an_announcement_without_a_usable_receipt_says_nothing(dispatcher, domain, caplog):
    tracker = make_tracker(domain, "", "EXTERNAL_ticket_created", slots=escalation_slots(),
                           entities=[{"entity": "ticket_receipt", "value": "{not json"}])
    assert run(ActionAnnounceTicket(), dispatcher, tracker, domain) == []
    assert dispatcher.messages == [] and "without a usable receipt" in caplog.text

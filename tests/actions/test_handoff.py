"""The live handoff: customer lines go to the agent, agent lines and events come back to the chat."""
import time
import uuid

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation import ActionCreateTicket
from actions.handoff import (
    ActionAgentJoined,
    ActionDeliverAgentMessage,
    ActionHandback,
    ActionRelayToAgent,
    ActionTicketReopened,
    ActionWithdrawHandoff,
)
from actions.knowledge_base import ActionKbFeedback
from bot.ces.store import record_rating, record_resolution
from bot.db import session_scope
from bot.escalation.wording import agent_or_anyone
from bot.kb.results import Candidate, SearchResult
from bot.language import SUPPORTED_LANGUAGES
from bot.models import Ticket
from tests.actions.conftest import make_tracker, responses, run, slots_after, slots_set, user_event
from tests.helpers.sessions import in_session


@pytest.fixture(autouse=True)
def _services(action_services):
    return action_services


def entities(**values):
    return [{"entity": name, "value": value} for name, value in values.items()]


# --- ActionRelayToAgent ------------------------------------------------------------------------


def escalated_conversation(domain) -> str:
    """A conversation whose ticket waits in the queue, as after the escalation form; its sender id."""
    slots = {"escalation_id": uuid.uuid4().hex, "customer_name": "Dana", "customer_email": "dana@example.com",
             "issue_description": "double charge"}
    escalated = make_tracker(domain, "dana@example.com", "inform", slots=slots)
    run(ActionCreateTicket(), CollectingDispatcher(), escalated, domain)
    return escalated.sender_id


def ticket_of(action_services, conversation_id: str) -> tuple[str, str, str]:
    """The conversation's ticket: status, reference and its latest line."""
    def read(session):
        ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)).one()
        return ticket.status, ticket.reference, ticket.messages[-1].body
    return in_session(action_services.sessions, read)


def test_without_an_open_ticket_the_bot_takes_the_conversation_back(dispatcher, domain):
    tracker = make_tracker(domain, "hello? anyone?", "greet", slots={"handoff_active": True})

    events = run(ActionRelayToAgent(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_handoff_ended"]
    assert slots_set(events) == {"handoff_active": False}


def test_with_an_open_ticket_the_message_reaches_the_agent_silently(action_services, domain):
    sender_id = escalated_conversation(domain)

    dispatcher = CollectingDispatcher()
    text = "I also see a third charge 😡 — <b>please</b> hurry"
    events = run(ActionRelayToAgent(), dispatcher,
                 make_tracker(domain, text, "complain", slots={"handoff_active": True}, sender_id=sender_id),
                 domain)

    assert dispatcher.messages == []
    assert events == []
    with session_scope(action_services.sessions) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == sender_id)).one()
        assert ticket.messages[-1].body == text
        assert ticket.messages[-1].author_type == "customer"


@pytest.mark.parametrize(("text", "name"), [("my name is Noa Cohen", "Noa Cohen"), ("קוראים לי נועה", "נועה"),
                                         ("اسمي أحمد", "أحمد"), ("jmenuju se Petr", "Petr")])
def test_an_introduction_while_waiting_names_the_ticket_and_reaches_the_agent(action_services, dispatcher, domain,
                                                                              text, name):
    sender_id = escalated_conversation(domain)

    run(ActionRelayToAgent(), dispatcher,
        make_tracker(domain, text, "introduce_self", slots={"handoff_active": True}, sender_id=sender_id), domain)

    with session_scope(action_services.sessions) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.conversation_id == sender_id)).one()
        assert ticket.customer_name == name  # it was "Dana", from the form
        assert text in [line.body for line in ticket.messages]
    assert dispatcher.messages == []


def test_how_to_be_called_is_no_new_name_for_the_ticket(action_services, dispatcher, domain):
    sender_id = escalated_conversation(domain)

    run(ActionRelayToAgent(), dispatcher,
        make_tracker(domain, "call me around noon", "introduce_self", slots={"handoff_active": True}, sender_id=sender_id),
        domain)

    with session_scope(action_services.sessions) as session:
        assert session.scalars(select(Ticket).where(Ticket.conversation_id == sender_id)).one().customer_name == "Dana"


@pytest.mark.parametrize(("language", "text", "place"), [
    ("en", "how long will it take?", "You're number "), ("he", "כמה זמן עוד?", "מספרך בתור: "),
    ("ar", "هل من جديد؟", "ترتيبك "), ("cs", "jak dlouho ještě?", "Jste "),
])
def test_a_question_about_the_wait_gets_the_place_in_the_queue_and_reaches_the_agent(
        action_services, dispatcher, domain, language, text, place):
    sender_id = escalated_conversation(domain)

    run(ActionRelayToAgent(), dispatcher, make_tracker(domain, text, "withdraw_request", sender_id=sender_id,
                                                       slots={"handoff_active": True, "language": language}), domain)

    assert responses(dispatcher) == ["utter_wait_update"]
    assert dispatcher.messages[0]["queue_place"].startswith(place)
    assert dispatcher.messages[0]["ticket_reference"].startswith("T-") and dispatcher.messages[0]["wait_text"]
    assert ticket_of(action_services, sender_id)[2] == text, "the agent sees the question too"


def test_once_an_agent_has_the_ticket_the_bot_leaves_the_question_to_the_agent(action_services, dispatcher, domain):
    sender_id = escalated_conversation(domain)
    with session_scope(action_services.sessions) as session:
        session.scalars(select(Ticket).where(Ticket.conversation_id == sender_id)).one().status = "assigned"

    run(ActionRelayToAgent(), dispatcher, make_tracker(domain, "any update?", "nlu_fallback", sender_id=sender_id,
                                                       slots={"handoff_active": True}), domain)

    assert dispatcher.messages == []


# --- agent events -------------------------------------------------------------------------------


def test_an_agent_joining_is_announced(dispatcher, domain):
    tracker = make_tracker(domain, "", "EXTERNAL_agent_joined", entities=entities(agent_name="Avi"))

    events = run(ActionAgentJoined(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_agent_joined"]
    assert dispatcher.messages[0]["agent_name"] == "Avi"
    assert slots_set(events) == {"handoff_active": True}


def test_a_transfer_says_who_handed_the_conversation_over(dispatcher, domain):
    tracker = make_tracker(domain, "", "EXTERNAL_agent_joined",
                           entities=entities(agent_name="Dan", previous_agent_name="Ada"))

    events = run(ActionAgentJoined(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_agent_transferred"]
    assert (dispatcher.messages[0]["agent_name"], dispatcher.messages[0]["previous_agent_name"]) == ("Dan", "Ada")
    assert slots_set(events) == {"handoff_active": True}


def test_an_agent_without_a_name_is_announced_generically(dispatcher, domain):
    run(ActionAgentJoined(), dispatcher, make_tracker(domain, "", "EXTERNAL_agent_joined"), domain)
    assert dispatcher.messages[0]["agent_name"] == "An agent"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_an_agent_without_a_name_is_announced_in_the_customers_language(dispatcher, domain, language):
    tracker = make_tracker(domain, "", "EXTERNAL_agent_joined", slots={"language": language})

    run(ActionAgentJoined(), dispatcher, tracker, domain)

    assert dispatcher.messages[0]["agent_name"] == agent_or_anyone(language, None)
    assert language == "en" or dispatcher.messages[0]["agent_name"] != "An agent"


def test_the_web_chat_gets_the_agents_reply_as_the_agents(dispatcher, domain):
    tracker = make_tracker(domain, "", "EXTERNAL_agent_message", channel="socketio",
                           entities=entities(agent_message="Refund issued ✅ — ראה מייל", agent_name="Avi"))

    assert run(ActionDeliverAgentMessage(), dispatcher, tracker, domain) == []

    [message] = dispatcher.messages
    assert message["custom"] == {"data": {"text": "Refund issued ✅ — ראה מייל", "from": "agent", "agent_name": "Avi"}}
    assert message["text"] is None


@pytest.mark.parametrize("channel", ["telegram", "slack", "twilio", "rest", "callback", None])
def test_other_channels_get_the_agents_name_in_front(dispatcher, domain, channel):
    tracker = make_tracker(domain, "", "EXTERNAL_agent_message", channel=channel,
                           entities=entities(agent_message="<b>Hi</b>, I'm on it", agent_name="Avi"))

    run(ActionDeliverAgentMessage(), dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert message["text"] == "Avi: <b>Hi</b>, I'm on it"
    assert message["custom"] == {}


def test_an_agent_reply_without_a_name_says_agent(dispatcher, domain):
    run(ActionDeliverAgentMessage(), dispatcher,
        make_tracker(domain, "", "EXTERNAL_agent_message", entities=entities(agent_message="Done")), domain)
    assert dispatcher.messages[0]["text"] == "An agent: Done"


def test_an_empty_agent_reply_shows_nothing(dispatcher, domain):
    tracker = make_tracker(domain, "", "EXTERNAL_agent_message", entities=entities(agent_message="", agent_name="Avi"))
    assert run(ActionDeliverAgentMessage(), dispatcher, tracker, domain) == []
    assert dispatcher.messages == []


# --- handback and reopening ------------------------------------------------------------------


@pytest.fixture
def agent_resolution(action_services):
    conversation_id = f"test-{uuid.uuid4().hex[:12]}"
    resolution_id = in_session(action_services.sessions, record_resolution, resolution_key=f"test:{conversation_id}",
                               conversation_id=conversation_id, resolved_by="agent", channel="socketio")
    return conversation_id, resolution_id


def handback_tracker(domain, conversation_id, resolution_id, history=None):
    return make_tracker(domain, "", "EXTERNAL_ticket_resolved", sender_id=conversation_id,
                        slots={"handoff_active": True, "ticket_reference": "T-1001"},
                        entities=entities(ticket_reference="T-1001", resolution_id=str(resolution_id), agent_name="Avi"),
                        history=history if history is not None else [user_event("thanks!", "thank")])


def test_after_the_agent_resolves_the_bot_takes_over_and_asks_for_the_effort_score(dispatcher, domain, agent_resolution):
    conversation_id, resolution_id = agent_resolution

    events = run(ActionHandback(), dispatcher, handback_tracker(domain, conversation_id, resolution_id), domain)

    assert responses(dispatcher) == ["utter_handback"]
    assert (dispatcher.messages[0]["agent_name"], dispatcher.messages[0]["ticket_reference"]) == ("Avi", "T-1001")
    assert slots_set(events) == {"handoff_active": False, "ticket_reference": "T-1001",
                                 "resolution_id": str(resolution_id), "next_step": "ask_effort"}


def test_a_customer_who_has_left_is_not_asked(dispatcher, domain, agent_resolution):
    conversation_id, resolution_id = agent_resolution
    gone = [user_event("bye", "goodbye")]
    long_ago = [user_event("thanks", "thank", timestamp=time.time() - 2 * 3600)]

    for history in (gone, long_ago, []):
        events = run(ActionHandback(), CollectingDispatcher(), handback_tracker(domain, conversation_id, resolution_id,
                                                                                 history), domain)
        assert slots_set(events)["next_step"] is None


def test_a_resolution_already_rated_is_not_asked_again(action_services, dispatcher, domain, agent_resolution):
    conversation_id, resolution_id = agent_resolution
    in_session(action_services.sessions, record_rating, resolution_id=resolution_id,
               conversation_id=conversation_id, score=7)

    events = run(ActionHandback(), dispatcher, handback_tracker(domain, conversation_id, resolution_id), domain)

    assert slots_set(events)["next_step"] is None


def test_a_handback_without_a_resolution_asks_nothing(dispatcher, domain):
    tracker = make_tracker(domain, "", "EXTERNAL_ticket_resolved", slots={"ticket_reference": "T-1002"},
                           history=[user_event("thanks", "thank")])

    events = run(ActionHandback(), dispatcher, tracker, domain)

    assert dispatcher.messages[0]["agent_name"] == "An agent"
    assert slots_set(events) == {"handoff_active": False, "ticket_reference": "T-1002", "resolution_id": None,
                                 "next_step": None}


def test_a_reopened_ticket_hands_the_conversation_back_to_the_agent(dispatcher, domain):
    tracker = make_tracker(domain, "", "EXTERNAL_ticket_reopened", entities=entities(ticket_reference="T-1003"))

    events = run(ActionTicketReopened(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_reopened"]
    assert dispatcher.messages[0]["ticket_reference"] == "T-1003"
    assert slots_set(events) == {"handoff_active": True, "ticket_reference": "T-1003", "next_step": None}


# --- ActionWithdrawHandoff ---------------------------------------------------------------------


def test_a_typed_never_mind_goes_to_the_agent_and_is_confirmed_first(action_services, domain):
    conversation_id = escalated_conversation(domain)
    dispatcher = CollectingDispatcher()
    events = run(ActionWithdrawHandoff(), dispatcher,
                 make_tracker(domain, "never mind", "cancel", slots={"handoff_active": True},
                              sender_id=conversation_id), domain)
    assert responses(dispatcher) == ["utter_ask_withdraw"]
    assert events == []
    status, _, last_line = ticket_of(action_services, conversation_id)
    assert (status, last_line) == ("waiting", "never mind")


@pytest.mark.parametrize("channel, markers", [("socketio", [{"data": {"handoff": "ended"}}]), ("telegram", [])])
def test_the_button_withdraws_at_once_and_the_bot_takes_over(action_services, domain, channel, markers):
    conversation_id = escalated_conversation(domain)
    dispatcher = CollectingDispatcher()
    events = run(ActionWithdrawHandoff(), dispatcher,
                 make_tracker(domain, "/withdraw_request", "withdraw_request", slots={"handoff_active": True},
                              sender_id=conversation_id, channel=channel), domain)
    status, reference, _ = ticket_of(action_services, conversation_id)
    assert status == "withdrawn"
    assert responses(dispatcher)[0] == "utter_request_withdrawn"
    assert dispatcher.messages[0]["ticket_reference"] == reference
    assert [m["custom"] for m in dispatcher.messages[1:]] == markers
    assert slots_set(events) == {"handoff_active": False, "ticket_reference": reference, "next_step": None}


def test_a_second_press_after_the_withdrawal_says_it_again_and_nothing_more(domain):
    conversation_id = escalated_conversation(domain)
    tracker = make_tracker(domain, "/withdraw_request", "withdraw_request", slots={"handoff_active": True},
                           sender_id=conversation_id)
    run(ActionWithdrawHandoff(), CollectingDispatcher(), tracker, domain)
    dispatcher = CollectingDispatcher()
    run(ActionWithdrawHandoff(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_request_withdrawn"]


@pytest.mark.parametrize("text, in_handoff, expected", [
    ("/withdraw_request", True, "utter_handoff_ended"),  # the agent resolved it meanwhile
    ("/withdraw_request", False, "utter_withdraw_nothing_pending"),
    ("i solved it", False, "utter_withdraw_nothing_pending"),
])
def test_with_nothing_to_withdraw_the_bot_says_so(domain, dispatcher, text, in_handoff, expected):
    events = run(ActionWithdrawHandoff(), dispatcher,
                 make_tracker(domain, text, "withdraw_request", slots={"handoff_active": in_handoff}), domain)
    assert responses(dispatcher) == [expected]
    assert slots_set(events).get("handoff_active", False) is False


def test_a_question_read_as_withdrawing_is_answered_from_the_kb_when_nothing_is_pending(domain, dispatcher):
    # "withdraw cookie consent" reads like "withdraw my request"; with no request waiting it is a question.
    tracker = make_tracker(domain, "how to cancel subscription", "withdraw_request", slots={"handoff_active": False})

    events = run(ActionWithdrawHandoff(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_answer", "utter_ask_kb_helped"]
    slots = slots_set(events)
    assert slots["kb_article_id"] == "cancel-subscription"
    assert slots["awaiting_feedback"] is True
    assert "handoff_active" not in slots


SURE_ANSWER = SearchResult("answer", [Candidate("cancel-subscription", "Cancel your subscription", 0.97)], "test", "en", 0.97)


@pytest.mark.parametrize(("text", "history", "reason"), [
    ("Please close my account and withdraw my consent", [], "sensitive_topic"),
    ("withdraw this useless subscription!!!", [user_event("my refund never came!!!", "complain")], "frustration"),
])
def test_a_question_read_as_withdrawing_on_a_topic_for_a_person_is_offered_a_person_not_the_article(
        domain, dispatcher, kb_decides, text, history, reason):
    kb_decides(SURE_ANSWER)  # the KB would answer and overrule the intent, as for "withdraw cookie consent"
    tracker = make_tracker(domain, text, "withdraw_request", slots={"handoff_active": False}, history=history)

    events = run(ActionWithdrawHandoff(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human_instead"]
    slots = slots_after(tracker, events)
    assert (slots["escalation_reason"], slots["kb_question"], slots["awaiting_feedback"]) == (reason, text, False)
    assert "kb_article_id" not in slots_set(events)

    offered = {"event": "bot", "text": dispatcher.messages[0].get("text"), "metadata": {"utter_action": "utter_offer_human_instead"}}
    said_yes = make_tracker(domain, "yes", "affirm", slots=slots, history=[offered])
    assert slots_set(run(ActionKbFeedback(), CollectingDispatcher(), said_yes, domain)) == {"next_step": "escalate"}


NO_ANSWER = SearchResult("abstain", [], "test", "cs", 0.0)


def test_a_frustrated_customer_read_as_withdrawing_is_offered_a_person_not_told_it_is_sorted(domain, dispatcher, kb_decides):
    # "vrácení" (a refund) reads like withdrawing; until 4 December: "Glad it's sorted! …"
    kb_decides(NO_ANSWER)
    text = "na vrácení peněz čekám už tři týdny, to je nepřijatelné"
    tracker = make_tracker(domain, text, "withdraw_request", slots={"handoff_active": False, "language": "cs"})

    events = run(ActionWithdrawHandoff(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human_instead"]
    assert slots_after(tracker, events)["escalation_reason"] == "frustration"


def test_during_a_handoff_a_typed_question_read_as_withdrawing_still_goes_to_the_agent(action_services, domain):
    conversation_id = escalated_conversation(domain)
    dispatcher = CollectingDispatcher()

    events = run(ActionWithdrawHandoff(), dispatcher, make_tracker(domain, "how to cancel subscription", "withdraw_request",
                 sender_id=conversation_id, slots={"handoff_active": True}), domain)

    assert responses(dispatcher) == ["utter_ask_withdraw"]
    assert events == []
    status, _, last_line = ticket_of(action_services, conversation_id)
    assert (status, last_line) == ("waiting", "how to cancel subscription")

"""Answering from the knowledge base: answer, admit not knowing, offer a person, and record it all."""

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.knowledge_base import ActionAnswerQuestion, ActionKbFeedback, ActionRejectSuggestions, ActionShowArticle
from bot.db import session_scope
from bot.kb.replies import ASK_WHAT_ABOUT, DID_YOU_MEAN, NONE_OF_THESE_PAYLOAD, REPHRASE
from bot.kb.search import Candidate, SearchResult
from bot.models import KbQuery, Resolution
from tests.actions.conftest import make_tracker, responses, run, slots_after, slots_set, user_event

# Questions whose outcome on the demo KB (tests/bot/kb/kb_articles.py) is clear-cut.
ANSWERED = "how do I reset my password"
NOT_IN_THE_KB = "tell me a joke about penguins"


@pytest.fixture(autouse=True)
def _services(action_services):
    return action_services


def kb_queries(action_services, conversation_id):
    assert action_services.query_log.flush(timeout_s=10)  # written after the answer, in the writer's thread
    with session_scope(action_services.sessions) as session:
        return session.scalars(select(KbQuery).where(KbQuery.conversation_id == conversation_id)
                               .order_by(KbQuery.id)).all()


# --- ActionAnswerQuestion ----------------------------------------------------------------------


def test_a_known_question_is_answered_and_the_customer_asked_if_it_helped(action_services, dispatcher, domain):
    tracker = make_tracker(domain, ANSWERED, "ask_question", channel="socketio")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_answer", "utter_ask_kb_helped"]
    answer = dispatcher.messages[0]
    assert "Forgot password" in answer["answer"]
    assert answer["url"] == "https://help.example.com/reset-password"
    slots = slots_after(tracker, events)
    assert slots["kb_article_id"] == "reset-password"
    assert slots["kb_tried"] == ["reset-password"]
    assert slots["awaiting_feedback"] is True
    assert slots["next_step"] is None
    assert slots["kb_question"] == ANSWERED
    [query] = kb_queries(action_services, tracker.sender_id)
    assert query.query_key == slots["kb_query_id"]
    assert (query.article_id, query.outcome, query.channel, query.language) == ("reset-password", "answer", "socketio", "en")
    assert 0.0 <= query.score <= 1.0


@pytest.mark.parametrize("question, language, article", [
    ("שכחתי את הסיסמה", "he", "reset-password-he"),
    ("نسيت كلمة المرور", "ar", "reset-password-ar"),
    ("zapomněl jsem heslo", "cs", "reset-password-cs"),
])
def test_questions_are_answered_from_the_articles_in_the_customers_language(dispatcher, domain, question, language, article):
    tracker = make_tracker(domain, question, "ask_question", slots={"language": language})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert slots_set(events)["kb_article_id"] == article
    assert responses(dispatcher)[-1] == "utter_ask_kb_helped"


def test_an_article_not_yet_translated_is_shown_saying_which_language_it_is_in(dispatcher, domain):
    tracker = make_tracker(domain, "můžu platit přes PayPal nebo Apple Pay?", "ask_question", slots={"language": "cs"})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_article_in_other_language", "utter_kb_answer", "utter_ask_kb_helped"]
    assert dispatcher.messages[0]["in_article_language"] == "v angličtině"
    assert slots_set(events)["kb_article_id"] == "payment-methods"


@pytest.mark.parametrize("question", [
    "I'm going to sue you over this",
    "Please close my account",
    "אני רוצה לסגור את החשבון",
    "أريد تقديم شكوى على موظف",
    "Můj právník vám napíše",
])
def test_an_always_human_topic_goes_to_a_person_without_searching(action_services, dispatcher, domain, question):
    tracker = make_tracker(domain, question, "ask_question")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert slots_set(events) == {"next_step": "escalate", "escalation_reason": "sensitive_topic", "kb_question": question}
    assert dispatcher.messages == []  # the escalation rule speaks next
    assert kb_queries(action_services, tracker.sender_id) == []


@pytest.mark.parametrize("question", ["This is fucking useless", "WHY DOES NOTHING WORK HERE", "זה חסר תועלת"])
def test_a_frustrated_customer_goes_to_a_person(dispatcher, domain, question):
    events = run(ActionAnswerQuestion(), dispatcher, make_tracker(domain, question, "complain"), domain)

    assert slots_set(events)["next_step"] == "escalate"
    assert slots_set(events)["escalation_reason"] == "frustration"


@pytest.mark.parametrize("question", ["I need to speak to someone about my refund", "אפשר נציג בבקשה, החבילה לא הגיעה",
                                      "potřebuju živého člověka kvůli faktuře"])
def test_a_question_that_asks_for_a_person_outright_goes_to_one(action_services, dispatcher, domain, question):
    """Read as a refund question, it got the refund article until 5 December."""
    tracker = make_tracker(domain, question, "ask_question")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert slots_set(events) == {"next_step": "escalate", "escalation_reason": "customer_request", "kb_question": question}
    assert dispatcher.messages == []  # the escalation rule speaks next


def test_a_second_mild_complaint_goes_to_a_person(dispatcher, domain):
    mild = "still no reset email?!?!"
    first = run(ActionAnswerQuestion(), CollectingDispatcher(), make_tracker(domain, mild, "complain"), domain)
    assert slots_set(first).get("next_step") is None

    history = [user_event("my password reset never arrives!!!", "complain")]
    events = run(ActionAnswerQuestion(), dispatcher, make_tracker(domain, mild, "complain", history=history), domain)

    assert slots_set(events)["escalation_reason"] == "frustration"


def abstention(coverage: str) -> SearchResult:
    return SearchResult("abstain", [Candidate("track-order", "Where is my order?", 0.2)], "test", "en", 0.1,
                        coverage=coverage)


CANCEL_OPTIONS = [Candidate("cancel-order", "Cancel an order", 0.45), Candidate("cancel-subscription", "Cancel your subscription", 0.4)]
UNSURE = SearchResult("clarify", CANCEL_OPTIONS, "two close candidates", "en", 0.8)


def test_a_question_the_kb_cannot_answer_is_admitted_not_guessed(action_services, dispatcher, domain, kb_decides):
    kb_decides(abstention("not_covered"))
    tracker = make_tracker(domain, NOT_IN_THE_KB, "ask_question")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_no_article"]
    slots = slots_after(tracker, events)
    assert slots["kb_misses"] == 1
    assert slots["awaiting_feedback"] is False
    assert slots["escalation_reason"] is None
    [query] = kb_queries(action_services, tracker.sender_id)
    assert (query.outcome, query.article_id, query.question) == ("abstain", None, NOT_IN_THE_KB)


def test_a_question_about_another_companys_product_says_whose_it_is_without_counting_a_miss(
    action_services, dispatcher, domain
):
    tracker = make_tracker(domain, "how do I cancel my netflix subscription", "ask_question", slots={"kb_misses": 1})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    [message] = dispatcher.messages
    assert (message["response"], message["other_company"]) == ("utter_kb_other_company", "Netflix")
    assert "kb_misses" not in slots_set(events) and "escalation_reason" not in slots_set(events)
    [query] = kb_queries(action_services, tracker.sender_id)
    assert (query.outcome, query.article_id) == ("abstain", None)


def test_a_question_that_is_not_for_this_support_says_so_without_counting_a_miss(action_services, dispatcher, domain,
                                                                                 kb_decides):
    kb_decides(abstention("out_of_domain"))
    tracker = make_tracker(domain, "what's the weather like in london today", "nlu_fallback", slots={"kb_misses": 1})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_out_of_scope"]
    assert "kb_misses" not in slots_set(events) and "escalation_reason" not in slots_set(events)
    [query] = kb_queries(action_services, tracker.sender_id)
    assert query.outcome == "abstain"


@pytest.mark.parametrize("question", [
    "how do i switch to yearly billing",
    "i put the wrong password in like 5 times and now it wont let me in at all",
    "why was I charged twice for one order",
    "can i get my order gift wrapped",
])
def test_a_question_about_account_or_billing_is_never_called_outside_what_the_bot_helps_with(dispatcher, domain, question):
    run(ActionAnswerQuestion(), dispatcher, make_tracker(domain, question, "nlu_fallback"), domain)

    assert responses(dispatcher)
    assert "utter_out_of_scope" not in responses(dispatcher)


def test_a_second_miss_in_a_row_offers_a_person(dispatcher, domain, kb_decides):
    kb_decides(abstention("not_covered"))
    tracker = make_tracker(domain, NOT_IN_THE_KB, "ask_question", slots={"kb_misses": 1})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["kb_misses"] == 2
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


@pytest.mark.parametrize(("question", "language"), [
    ("help", "en"), ("I have a problem", "en"), ("יש לי בעיה", "he"), ("عندي سؤال", "ar"), ("potřebuju pomoct", "cs"),
])
def test_a_request_for_help_that_says_nothing_of_what_about_is_asked_what_it_is_about(action_services, dispatcher,
                                                                                      domain, question, language):
    tracker = make_tracker(domain, question, "ask_question", slots={"language": language})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]
    slots = slots_after(tracker, events)
    assert (slots["next_step"], slots["escalation_reason"]) == (None, None)
    # Nothing was looked up, so nothing is missing from the KB: no miss counted, no query for the KB-gap report.
    assert "kb_misses" not in slots_set(events)
    assert kb_queries(action_services, tracker.sender_id) == []


ASKED_WHAT_ABOUT = {"event": "bot", "text": "I'm here to help. What do you need help with?",
                    "metadata": {"utter_action": ASK_WHAT_ABOUT}}
ASKED_IF_IT_HELPED = {"event": "bot", "text": "Did that answer your question?",
                      "metadata": {"utter_action": "utter_ask_kb_helped"}}
GREETED = {"event": "bot", "text": "Hi! I'm the Acme support assistant.", "metadata": {"utter_action": "utter_greet"}}


def test_a_second_request_for_help_that_says_nothing_more_offers_a_person(dispatcher, domain):
    tracker = make_tracker(domain, "I'm stuck", "ask_question", history=[ASKED_WHAT_ABOUT])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    # "The bot did not understand": no question reached the KB, so the KB-gap report does not count it.
    assert slots_set(events)["escalation_reason"] == "fallback"


def test_a_request_for_help_between_questions_does_not_bring_the_offer_of_a_person_closer(domain):
    """"help", a question answered, then "no": the next best article, as without the "help" (until a review of
    6 December the "help" counted as a miss, and that "no" offered a person at once)."""
    helped = make_tracker(domain, "help", "ask_question")
    slots = slots_after(helped, run(ActionAnswerQuestion(), CollectingDispatcher(), helped, domain))
    sender, slots = answered(domain, question="can I cancel", **{k: v for k, v in slots.items() if v is not None})
    no = CollectingDispatcher()

    run(ActionKbFeedback(), no, make_tracker(domain, "/deny", "deny", slots=slots, sender_id=sender), domain)

    assert responses(no) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]


def test_a_request_for_help_right_after_did_that_help_is_a_no(action_services, dispatcher, domain):
    """"I need more help", "mám ještě problém" (I still have a problem) after an answer: it did not help."""
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "mám ještě problém", "ask_question", slots=slots, sender_id=sender,
                           history=[ASKED_IF_IT_HELPED])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]
    assert slots_set(events)["kb_misses"] == 1
    assert kb_queries(action_services, sender)[0].helped is False


@pytest.mark.parametrize(("said_last", "text"), [
    ("utter_ask_kb_helped", "still not working"), ("utter_guide_step", "ועדיין לא עובד"),
    ("utter_guide_choose", "لسه مش شغال"), ("utter_ask_kb_helped", "pořád to nefunguje"),
])
def test_still_not_working_after_an_answer_or_its_steps_is_a_no(action_services, dispatcher, domain, said_last, text):
    """Until 6 December it was searched for: "Did you mean …?" with articles that had nothing to do with it."""
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, text, "ask_question", slots=slots, sender_id=sender,
                           history=[{"event": "bot", "metadata": {"utter_action": said_last}}])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]
    assert slots_set(events)["kb_misses"] == 1
    assert kb_queries(action_services, sender)[0].helped is False


def test_still_not_working_under_did_you_mean_is_none_of_these(action_services, dispatcher, domain):
    sender, slots = clarified(domain)
    tracker = make_tracker(domain, "still not working", "ask_question", slots=slots, sender_id=sender,
                           history=[ASKED_DID_YOU_MEAN])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]
    assert slots_set(events)["kb_misses"] == 1


def test_still_not_working_when_asked_to_put_it_in_other_words_offers_a_person(dispatcher, domain):
    asked_to_rephrase = {"event": "bot", "metadata": {"utter_action": "utter_kb_rephrase"}}
    tracker = make_tracker(domain, "same problem", "ask_question", slots={"kb_misses": 1}, history=[asked_to_rephrase])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


def test_still_not_working_with_nothing_tried_asks_what_about(action_services, dispatcher, domain):
    tracker = make_tracker(domain, "still not working", "ask_question", history=[GREETED])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]
    assert "kb_misses" not in slots_set(events)
    assert kb_queries(action_services, tracker.sender_id) == []


@pytest.mark.parametrize("text", ["I have another question", "one more question", "עוד שאלה", "سؤال آخر",
                                  "ještě jeden dotaz"])
def test_another_question_announced_after_an_answer_is_no_no_to_it(action_services, dispatcher, domain, text):
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, text, "ask_question", slots=slots, sender_id=sender, history=[ASKED_IF_IT_HELPED])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]
    assert "kb_misses" not in slots_set(events)
    assert kb_queries(action_services, sender)[0].helped is None


def test_a_request_for_help_after_the_bot_said_something_else_is_no_no_to_an_older_answer(dispatcher, domain):
    """The answer's "Did that help?" stays open in the slots after "thanks" or a greeting: "I have a problem"
    then is a new problem."""
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "I have a problem", "ask_question", slots=slots, sender_id=sender, history=[GREETED])

    run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]


def test_a_request_for_help_while_a_person_is_offered_takes_the_offer(dispatcher, domain):
    """"help me", "עזרו לי" to "Would you like me to connect you with a person?"."""
    tracker = make_tracker(domain, "עזרו לי", "ask_question", slots={"escalation_reason": "kb_missed_twice"},
                           history=[{"event": "bot", "metadata": {"utter_action": "utter_offer_human"}}])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert slots_set(events)["next_step"] == "escalate"


@pytest.mark.parametrize("said_last", ["utter_escalation_cancelled", "utter_anything_else", "utter_ask_kb_helped"])
def test_a_reason_left_from_an_earlier_escalation_or_offer_does_not_make_help_a_yes(dispatcher, domain, said_last):
    """A cancelled escalation, or an offer the customer let pass, leaves its reason in the slots: "I have a
    question" later is asked what it is about, not escalated (a review found it opened an empty ticket)."""
    tracker = make_tracker(domain, "I have a question", "ask_question", slots={"escalation_reason": "customer_request"},
                           history=[{"event": "bot", "metadata": {"utter_action": said_last}}])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]
    assert slots_after(tracker, events)["next_step"] is None


def test_a_request_for_help_in_a_new_session_is_no_no_to_yesterdays_answer(action_services, dispatcher, domain):
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "I have a problem", "ask_question", slots=slots, sender_id=sender,
                           history=[ASKED_IF_IT_HELPED, {"event": "session_started"}])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]
    assert "kb_misses" not in slots_set(events)
    assert kb_queries(action_services, sender)[0].helped is None


def test_a_frustrated_cry_for_help_still_goes_to_a_person(dispatcher, domain):
    tracker = make_tracker(domain, "I NEED HELP!!!!", "ask_question")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert slots_after(tracker, events)["next_step"] == "escalate"


@pytest.mark.parametrize("question", ["", "   ", "??", "...", "😀😀😀", "🤷", "\x00\x01\x02"])
def test_a_message_without_a_word_is_asked_what_it_is_about_and_looked_up_nowhere(action_services, dispatcher, domain,
                                                                                  question):
    """Until 7 December it was looked up: "Sorry, that's outside what I can help with here"."""
    tracker = make_tracker(domain, question, "nlu_fallback", history=[GREETED])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]
    assert slots_after(tracker, events)["next_step"] is None
    assert kb_queries(action_services, tracker.sender_id) == []


@pytest.mark.parametrize("offer", ["utter_offer_email_verification", "utter_offer_address_verification"])
@pytest.mark.parametrize("question", ["??", "🤷", "..."])
def test_a_message_without_a_word_under_the_offer_of_a_code_asks_again_and_keeps_it_open(action_services, dispatcher,
                                                                                         domain, offer, question):
    """Until 7 December "??" under "Shall I send a code?" was asked what it was about, and the offer was gone."""
    offered = {"event": "bot", "text": "… Shall I?", "metadata": {"utter_action": offer}}
    tracker = make_tracker(domain, question, "nlu_fallback", history=[offered],
                           slots={"next_step": "verify_email", "verification_email": "dana@example.com"})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == [offer]
    assert (slots_after(tracker, events)["next_step"], slots_after(tracker, events)["verification_email"]) == (
        "verify_email", "dana@example.com")
    assert kb_queries(action_services, tracker.sender_id) == []


@pytest.mark.parametrize("offer", ["utter_offer_human", "utter_offer_human_instead", "utter_low_effort_followup",
                                   "utter_cannot_verify_email"])
@pytest.mark.parametrize("question", ["??", "🤷", "؟؟"])
def test_a_message_without_a_word_under_the_offer_of_a_person_asks_again_and_opens_no_ticket(action_services,
                                                                                            dispatcher, domain,
                                                                                            offer, question):
    """Until 7 December "??" under "Would you like me to connect you with a person?" was a yes: outside hours it
    opened a ticket (found live, in English and Arabic)."""
    offered = {"event": "bot", "text": "… Would you like me to connect you?", "metadata": {"utter_action": offer}}
    tracker = make_tracker(domain, question, "nlu_fallback", history=[offered],
                           slots={"escalation_reason": "kb_missed_twice"})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == [offer]
    assert events == []  # the offer and its reason stay as they were, for the yes or no that follows
    assert kb_queries(action_services, tracker.sender_id) == []


def test_a_message_without_a_word_after_an_aside_asks_the_open_offer_again(dispatcher, domain):
    """The offer, "are you a bot?", "I'm a virtual assistant", then "??": the offer, not the aside, is repeated."""
    said = [OFFERED_A_PERSON, user_event("are you a bot?", "bot_challenge"),
            {"event": "bot", "metadata": {"utter_action": "utter_iamabot"}}]
    tracker = make_tracker(domain, "??", "nlu_fallback", slots={"escalation_reason": "kb_missed_twice"}, history=said)

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert events == []


@pytest.mark.parametrize("question", ["<script>alert(1)</script>", "'; DROP TABLE kb_queries;--", "password " * 12_000])
def test_odd_messages_get_an_answer_and_are_logged_safely(action_services, dispatcher, domain, question):
    tracker = make_tracker(domain, question, "ask_question")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher)  # the customer always hears something
    assert slots_after(tracker, events)["next_step"] is None
    queries = kb_queries(action_services, tracker.sender_id)
    assert len(queries) == 1
    assert len(queries[0].question) <= 10_000


def test_a_broken_topic_file_does_not_stop_the_bot_answering(dispatcher, domain, topics_file):
    shipped = topics_file.read_text(encoding="utf-8")
    topics_file.write_text("topics: [this is not\n", encoding="utf-8")
    try:
        events = run(ActionAnswerQuestion(), dispatcher, make_tracker(domain, ANSWERED, "ask_question"), domain)
    finally:
        topics_file.write_text(shipped, encoding="utf-8")

    assert slots_set(events)["kb_article_id"] == "reset-password"


def test_a_vague_question_offers_articles_to_choose_from_and_none_of_these(action_services, dispatcher, domain):
    tracker = make_tracker(domain, "I want to cancel", "ask_question")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_did_you_mean"]
    buttons = dispatcher.messages[0]["buttons"]
    assert 3 <= len(buttons) <= 4
    assert {b["payload"] for b in buttons} >= {'/choose_article{"article_id": "cancel-order"}',
                                               '/choose_article{"article_id": "cancel-subscription"}'}
    assert buttons[-1] == {"title": "None of these", "payload": NONE_OF_THESE_PAYLOAD}
    assert slots_after(tracker, events)["awaiting_feedback"] is False
    [query] = kb_queries(action_services, tracker.sender_id)
    assert (query.outcome, query.query_key) == ("clarify", slots_set(events)["kb_query_id"])


@pytest.mark.parametrize("language, title", [("en", "None of these"), ("he", "אף אחד מאלה"), ("ar", "لا شيء مما سبق"),
                                              ("cs", "Nic z toho")])
def test_none_of_these_is_offered_in_the_customers_language(dispatcher, domain, kb_decides, language, title):
    kb_decides(UNSURE)

    run(ActionAnswerQuestion(), dispatcher, make_tracker(domain, "cancel?", "nlu_fallback", slots={"language": language}),
        domain)

    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "Cancel an order", "Cancel your subscription", title]


# --- ActionRejectSuggestions ("None of these") ---------------------------------------------------


def clarified(domain, **slots):
    """The sender and slots after the bot asked "Did you mean …?" (a real first turn, its own dispatcher)."""
    first = make_tracker(domain, "I want to cancel", "ask_question", slots=slots)
    events = run(ActionAnswerQuestion(), CollectingDispatcher(), first, domain)
    return first.sender_id, {**slots, **slots_set(events)}


def test_none_of_these_asks_to_rephrase_and_logs_a_miss_for_the_kb_gap_report(action_services, dispatcher, domain):
    sender, slots = clarified(domain)
    tracker = make_tracker(domain, NONE_OF_THESE_PAYLOAD, "reject_suggestions", slots=slots, sender_id=sender)

    events = run(ActionRejectSuggestions(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]
    assert slots_set(events) == {"kb_misses": 1, "awaiting_feedback": False}
    [query] = kb_queries(action_services, sender)
    assert (query.outcome, query.helped, query.question) == ("miss", False, "I want to cancel")


def test_none_of_these_after_an_earlier_miss_offers_a_person(dispatcher, domain):
    sender, slots = clarified(domain, kb_misses=1)
    tracker = make_tracker(domain, NONE_OF_THESE_PAYLOAD, "reject_suggestions", slots=slots, sender_id=sender)

    events = run(ActionRejectSuggestions(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["kb_misses"] == 2
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


def test_none_of_these_twice_in_a_conversation_offers_a_person(action_services, domain):
    sender, slots = clarified(domain)
    replies = []
    for _ in range(2):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(domain, NONE_OF_THESE_PAYLOAD, "reject_suggestions", slots=slots, sender_id=sender)
        slots = {**slots, **slots_set(run(ActionRejectSuggestions(), dispatcher, tracker, domain))}
        replies += responses(dispatcher)

    assert replies == ["utter_kb_rephrase", "utter_offer_human"]


ASKED_DID_YOU_MEAN = {"event": "bot", "text": "Did you mean one of these?", "metadata": {"utter_action": DID_YOU_MEAN}}


def test_no_to_did_you_mean_is_none_of_these(action_services, dispatcher, domain):
    sender, slots = clarified(domain)
    tracker = make_tracker(domain, "no", "deny", slots=slots, sender_id=sender, history=[ASKED_DID_YOU_MEAN])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]  # until 3 December: "Okay. Anything else?"
    assert slots_set(events) == {"kb_misses": 1}
    [query] = kb_queries(action_services, sender)
    assert (query.outcome, query.helped) == ("miss", False)


def test_no_to_did_you_mean_after_an_earlier_miss_offers_a_person(dispatcher, domain):
    sender, slots = clarified(domain, kb_misses=1)
    tracker = make_tracker(domain, "no", "deny", slots=slots, sender_id=sender, history=[ASKED_DID_YOU_MEAN])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_after(tracker, events)["escalation_reason"] == "kb_missed_twice"


@pytest.mark.parametrize("no", ["no", "לא", "لا", "ne"])
def test_no_to_describe_it_in_other_words_offers_a_person(dispatcher, domain, no):
    """The customer cannot put it another way: until 6 December the bot said "Okay. Anything else?" and left
    them with their problem."""
    asked_to_rephrase = {"event": "bot", "text": "Could you describe the problem in other words?",
                         "metadata": {"utter_action": "utter_kb_rephrase"}}
    tracker = make_tracker(domain, no, "deny", slots={"kb_misses": 1, "kb_question": "my parcel never arrived"},
                           history=[asked_to_rephrase])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_after(tracker, events)["escalation_reason"] == "kb_missed_twice"


def test_yes_to_did_you_mean_is_not_a_miss(dispatcher, domain):
    sender, slots = clarified(domain)
    tracker = make_tracker(domain, "yes", "affirm", slots=slots, sender_id=sender, history=[ASKED_DID_YOU_MEAN])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_anything_else"]
    assert "kb_misses" not in slots_set(events)


ASKED_ANYTHING_ELSE = {"event": "bot", "text": "Okay. Is there anything else I can help with?",
                      "metadata": {"utter_action": "utter_anything_else"}}


@pytest.mark.parametrize("asked", ["utter_anything_else", "utter_you_are_welcome"])
@pytest.mark.parametrize("text, intent, reply", [("no thats all thanks", "deny", "utter_goodbye"),
                                                 ("yes", "affirm", "utter_what_else"),
                                                 ("thanks", "thank", "utter_goodbye"),
                                                 ("👍", "affirm", "utter_goodbye"), ("🙏", "affirm", "utter_goodbye")])
def test_yes_or_no_after_anything_else_answers_that_not_the_earlier_did_that_help(action_services, domain,
                                                                                   text, intent, reply, asked):
    """ "can i pay with apple pay" → "Did that help?" → "7" → "Okay. Anything else?" → "no" was read as "the
    answer did not help" ("Could you describe the problem in other words?") until 5 December; after "thanks" →
    "You're welcome! Anything else I can help with?" until a review of 6 December."""
    sender = f"rest:anything-else-{asked}"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(domain, text, intent, sender_id=sender,
                           history=[{**ASKED_ANYTHING_ELSE, "metadata": {"utter_action": asked}}],
                           slots={"awaiting_feedback": True, "kb_article_id": "payment-methods", "kb_query_id": "q-1"})

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == [reply]
    assert slots_set(events) == {"awaiting_feedback": False}
    assert kb_queries(action_services, sender) == []  # the answer is neither marked helped nor missed


def test_none_of_these_without_a_logged_clarification_still_counts_a_miss(dispatcher, domain):
    events = run(ActionRejectSuggestions(), dispatcher, make_tracker(domain, "none of these", "reject_suggestions"), domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]
    assert slots_set(events)["kb_misses"] == 1


# --- ActionShowArticle -------------------------------------------------------------------------


def test_a_chosen_article_is_shown(action_services, dispatcher, domain):
    entities = [{"entity": "article_id", "value": "cancel-subscription"}]
    tracker = make_tracker(domain, '/choose_article{"article_id": "cancel-subscription"}', "choose_article",
                           entities=entities, slots={"kb_question": "I want to cancel"})

    events = run(ActionShowArticle(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_answer", "utter_ask_kb_helped"]
    assert slots_set(events)["kb_article_id"] == "cancel-subscription"
    [query] = kb_queries(action_services, tracker.sender_id)
    assert (query.question, query.outcome) == ("I want to cancel", "answer")


@pytest.mark.parametrize("article_id", ["no-such-article", "../../etc/passwd", ""])
def test_an_unknown_chosen_article_asks_to_rephrase(dispatcher, domain, article_id):
    entities = [{"entity": "article_id", "value": article_id}] if article_id else []
    tracker = make_tracker(domain, "/choose_article", "choose_article", entities=entities)

    events = run(ActionShowArticle(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]
    assert slots_set(events) == {"awaiting_feedback": False}


# --- ActionKbFeedback --------------------------------------------------------------------------


def answered(domain, question=ANSWERED, **slots):
    """The sender and slots after the bot answered ``question`` (a real first turn, its own dispatcher)."""
    first = make_tracker(domain, question, "ask_question", channel="socketio", **({"slots": slots} if slots else {}))
    events = run(ActionAnswerQuestion(), CollectingDispatcher(), first, domain)
    return first.sender_id, {**slots, **slots_set(events)}


def test_yes_records_a_bot_resolution_and_asks_for_the_effort_score(action_services, dispatcher, domain):
    sender, slots = answered(domain)
    tracker = make_tracker(domain, "/affirm", "affirm", slots=slots, sender_id=sender, channel="socketio")

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_glad_it_helped"]
    new_slots = slots_after(tracker, events)
    assert new_slots["next_step"] == "ask_effort"
    assert new_slots["awaiting_feedback"] is False
    assert new_slots["kb_misses"] == 0
    with session_scope(action_services.sessions) as session:
        resolution = session.get(Resolution, int(new_slots["resolution_id"]))
        assert (resolution.conversation_id, resolution.resolved_by, resolution.article_id, resolution.channel) == (
            sender, "bot", "reset-password", "socketio")
    [query] = kb_queries(action_services, sender)
    assert query.helped is True


ASKED_THE_SURVEY = {"event": "action", "name": "action_ask_effort_score"}


@pytest.mark.parametrize("history, asked", [
    ([ASKED_THE_SURVEY], False),  # a second question resolved in the same chat: not asked again
    ([ASKED_THE_SURVEY, {"event": "session_started"}], True),  # a new session, after an hour's silence
])
def test_the_survey_is_asked_once_per_conversation_session(dispatcher, domain, history, asked):
    sender, slots = answered(domain)
    tracker = make_tracker(domain, "/affirm", "affirm", slots=slots, sender_id=sender, history=history)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert slots_after(tracker, events)["next_step"] == ("ask_effort" if asked else None)
    assert responses(dispatcher) == ["utter_glad_it_helped"] + ([] if asked else ["utter_anything_else"])


def test_yes_twice_records_one_resolution(action_services, dispatcher, domain):
    sender, slots = answered(domain)
    tracker = make_tracker(domain, "/affirm", "affirm", slots=slots, sender_id=sender)

    first = slots_set(run(ActionKbFeedback(), dispatcher, tracker, domain))["resolution_id"]
    second = slots_set(run(ActionKbFeedback(), dispatcher, tracker, domain))["resolution_id"]

    assert first == second
    with session_scope(action_services.sessions) as session:
        assert len(session.scalars(select(Resolution).where(Resolution.conversation_id == sender)).all()) == 1


def test_no_tries_the_next_best_article(action_services, dispatcher, domain):
    sender, slots = answered(domain, question="can I cancel")
    first_article = slots["kb_article_id"]
    tracker = make_tracker(domain, "/deny", "deny", slots=slots, sender_id=sender)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]
    new_slots = slots_set(events)
    assert new_slots["kb_article_id"] != first_article
    assert new_slots["kb_tried"] == [first_article, new_slots["kb_article_id"]]
    assert new_slots["kb_misses"] == 1
    queries = kb_queries(action_services, sender)
    assert [q.outcome for q in queries] == ["miss", "answer"]
    assert queries[0].helped is False


UNCONFIRMED_CANCEL_ORDER = {"kb_tried": ["cancel-order"], "kb_article_id": "cancel-order", "awaiting_feedback": True}
CANCEL_ORDER_FIRST = SearchResult("answer", [Candidate("cancel-order", "Cancel an order", 0.9),
                                             Candidate("cancel-subscription", "Cancel your subscription", 0.5)],
                                  "confident", "en", 0.9)


def test_no_written_out_finds_the_article_just_shown_and_gets_the_next_best_instead(action_services, dispatcher,
                                                                                   domain, kb_decides):
    """"no, both amounts were actually taken from my card" reads as a question, whose answer is the article
    the customer has just been shown: until 5 December they got that article again."""
    kb_decides(CANCEL_ORDER_FIRST)
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "no, it was already shipped", "ask_question", sender_id=sender,
                           slots={**slots, **UNCONFIRMED_CANCEL_ORDER})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]
    new_slots = slots_set(events)
    assert new_slots["kb_article_id"] == "cancel-subscription"
    assert new_slots["kb_tried"] == ["cancel-order", "cancel-subscription"]
    assert new_slots["kb_misses"] == 1
    assert kb_queries(action_services, sender)[0].helped is False  # the first answer is a miss now


def test_still_not_working_in_another_language_skips_the_translation_of_the_article_that_did_not_help(
        action_services, dispatcher, domain, kb_decides):
    """English answer, then "ועדיין לא עובד" (and still not working): the Hebrew copy of the same article was
    the next best until 7 December."""
    kb_decides(SearchResult("answer", [Candidate("reset-password-he", "איך לאפס את הסיסמה", 0.9),
                                       Candidate("track-order-he", "מעקב אחר הזמנה", 0.5)], "confident", "he", 0.9))
    tracker = make_tracker(domain, "ועדיין לא עובד", "ask_question",
                           slots={"kb_tried": ["reset-password"], "kb_article_id": "reset-password",
                                  "awaiting_feedback": True, "kb_question": ANSWERED, "language": "he"},
                           history=[{"event": "bot", "metadata": {"utter_action": "utter_ask_kb_helped"}}])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]
    assert slots_set(events)["kb_article_id"] == "track-order-he"


def test_a_question_whose_answer_is_a_translation_of_the_article_just_shown_is_a_no(dispatcher, domain, kb_decides):
    kb_decides(SearchResult("answer", [Candidate("reset-password-he", "איך לאפס את הסיסמה", 0.9),
                                       Candidate("track-order-he", "מעקב אחר הזמנה", 0.5)], "confident", "he", 0.9))
    tracker = make_tracker(domain, "לא, עדיין לא מצליח להיכנס לחשבון", "ask_question",
                           slots={"kb_tried": ["reset-password"], "kb_article_id": "reset-password",
                                  "awaiting_feedback": True, "language": "he"})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_try_next", "utter_kb_answer", "utter_ask_kb_helped"]
    assert slots_set(events)["kb_article_id"] == "track-order-he"


def test_a_follow_up_the_same_article_answers_gets_it_again(dispatcher, domain, kb_decides):
    """"and can I pay with paypal" after the payment methods: a question, not a no."""
    kb_decides(CANCEL_ORDER_FIRST)
    tracker = make_tracker(domain, "and can I cancel it online?", "ask_question", slots=UNCONFIRMED_CANCEL_ORDER)

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_kb_answer"
    assert slots_after(tracker, events)["kb_article_id"] == "cancel-order"


def test_a_did_you_mean_of_only_the_article_just_shown_is_a_no_not_that_article_again(dispatcher, domain, kb_decides):
    kb_decides(SearchResult("clarify", CANCEL_OPTIONS[:1], "one candidate", "en", 0.5))
    tracker = make_tracker(domain, "no, both amounts were taken", "ask_question", slots=UNCONFIRMED_CANCEL_ORDER)

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]  # nothing else fits; a second miss would offer a person
    assert slots_set(events)["kb_misses"] == 1


def test_a_did_you_mean_after_a_no_leaves_out_the_article_just_shown(dispatcher, domain, kb_decides):
    kb_decides(UNSURE)
    tracker = make_tracker(domain, "No. I meant something else", "ask_question", slots=UNCONFIRMED_CANCEL_ORDER)

    run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_did_you_mean"]
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Cancel your subscription", "None of these"]


def test_the_same_question_after_it_helped_gets_the_same_article(dispatcher, domain):
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "no, can I cancel", "ask_question", sender_id=sender,
                           slots={**slots, "awaiting_feedback": False, "kb_tried": []})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_kb_answer"
    assert slots_after(tracker, events)["kb_article_id"] == slots["kb_article_id"]


def test_no_written_out_again_after_an_earlier_miss_offers_a_person(dispatcher, domain, kb_decides):
    kb_decides(CANCEL_ORDER_FIRST)
    tracker = make_tracker(domain, "nope, still not it", "ask_question", slots={**UNCONFIRMED_CANCEL_ORDER, "kb_misses": 1})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


NEXT_BEST_SHOWN_AFTER_A_NO = {"kb_tried": ["cancel-order", "cancel-subscription"],
                              "kb_article_id": "cancel-subscription", "awaiting_feedback": True, "kb_misses": 1}
""""No" to the cancel-order article, and the next best (cancel-subscription) shown: a run of one miss."""


def test_a_follow_up_that_finds_an_article_already_said_no_to_is_a_second_miss(dispatcher, domain, kb_decides):
    """"no" to the late-parcel article, the next best shown, then "still hasn't arrived, it's been two weeks"
    (found in Hebrew): until 6 December the customer got the late-parcel article again."""
    kb_decides(CANCEL_ORDER_FIRST)
    tracker = make_tracker(domain, "it still isn't cancelled, two weeks now", "ask_question",
                           slots=NEXT_BEST_SHOWN_AFTER_A_NO, history=[ASKED_IF_IT_HELPED])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


def test_a_follow_up_after_a_miss_may_still_be_answered_by_the_article_just_shown(dispatcher, domain, kb_decides):
    kb_decides(SearchResult("answer", CANCEL_ORDER_FIRST.candidates[::-1], "confident", "en", 0.9))
    tracker = make_tracker(domain, "and can I do that in the app?", "ask_question", slots=NEXT_BEST_SHOWN_AFTER_A_NO,
                           history=[ASKED_IF_IT_HELPED])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_kb_answer"
    assert slots_after(tracker, events)["kb_article_id"] == "cancel-subscription"


ASKED_TO_REPHRASE = {"event": "bot", "text": "Sorry. Could you describe the problem in other words?",
                     "metadata": {"utter_action": REPHRASE}}
REJECTED_CANCEL_ORDER = {"kb_tried": ["cancel-order"], "kb_article_id": "cancel-order", "awaiting_feedback": False,
                         "kb_misses": 1}


def test_an_article_turned_down_before_a_rephrasing_stays_turned_down(dispatcher, domain, kb_decides):
    """"No" to the first article, nothing else close, "describe it in other words", the rephrasing answered by
    another article, then a follow-up that finds the first again: a second miss, not the first article again."""
    kb_decides(SearchResult("answer", CANCEL_ORDER_FIRST.candidates[::-1], "confident", "en", 0.9))
    rephrased = make_tracker(domain, "i mean my plan", "ask_question", slots=REJECTED_CANCEL_ORDER,
                             history=[ASKED_TO_REPHRASE])
    slots = slots_after(rephrased, run(ActionAnswerQuestion(), CollectingDispatcher(), rephrased, domain))
    assert slots["kb_tried"] == ["cancel-order", "cancel-subscription"]

    kb_decides(CANCEL_ORDER_FIRST)
    follow_up = make_tracker(domain, "it still isn't cancelled, two weeks now", "ask_question", slots=slots,
                             history=[ASKED_IF_IT_HELPED])
    events = run(ActionAnswerQuestion(), dispatcher, follow_up, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


def test_a_new_question_the_kb_does_not_cover_forgets_the_articles_of_earlier_answers(dispatcher, domain, kb_decides):
    kb_decides(abstention("not_covered"))
    tracker = make_tracker(domain, NOT_IN_THE_KB, "ask_question", slots={"kb_tried": ["cancel-order"]})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert slots_after(tracker, events)["kb_tried"] == []


@pytest.mark.parametrize("said_last", ["utter_guide_choose", "utter_guide_step"])
def test_a_follow_up_under_a_guide_that_finds_an_article_already_said_no_to_is_a_second_miss(dispatcher, domain,
                                                                                              kb_decides, said_last):
    """The next best article was a guide: its "all at once or step by step?" or a step is the bot's last line."""
    kb_decides(CANCEL_ORDER_FIRST)
    tracker = make_tracker(domain, "it still isn't cancelled, two weeks now", "ask_question",
                           slots=NEXT_BEST_SHOWN_AFTER_A_NO, history=[{"event": "bot", "metadata": {"utter_action": said_last}}])

    run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]


def test_an_answered_follow_up_keeps_the_articles_turned_down_before_it(dispatcher, domain, kb_decides):
    """"No" to the first article, the next best shown, a follow-up answered by a third, then a follow-up that
    finds the first: a second miss."""
    kb_decides(SearchResult("answer", [Candidate("payment-methods", "Payment methods we accept", 0.9)], "confident", "en", 0.9))
    follow_up = make_tracker(domain, "and can I pay by card?", "ask_question", slots=NEXT_BEST_SHOWN_AFTER_A_NO,
                             history=[ASKED_IF_IT_HELPED])
    slots = slots_after(follow_up, run(ActionAnswerQuestion(), CollectingDispatcher(), follow_up, domain))
    assert slots["kb_tried"] == ["cancel-order", "cancel-subscription", slots["kb_article_id"]]

    kb_decides(CANCEL_ORDER_FIRST)
    run(ActionAnswerQuestion(), dispatcher,
        make_tracker(domain, "it still isn't cancelled", "ask_question", slots=slots, history=[ASKED_IF_IT_HELPED]), domain)

    assert responses(dispatcher) == ["utter_offer_human"]


def test_after_you_are_welcome_a_new_question_may_find_an_article_turned_down_earlier(dispatcher, domain, kb_decides):
    """"No" to one article, the next best shown, "thanks", then a new question: the "Did that help?" slot is
    still open, but the customer moved on; the article is answered, nothing is marked unhelpful."""
    kb_decides(CANCEL_ORDER_FIRST)
    welcomed = {"event": "bot", "metadata": {"utter_action": "utter_you_are_welcome"}}
    tracker = make_tracker(domain, "how do i cancel an order", "ask_question", slots=NEXT_BEST_SHOWN_AFTER_A_NO,
                           history=[ASKED_IF_IT_HELPED, welcomed])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_kb_answer"
    assert slots_after(tracker, events)["kb_tried"] == ["cancel-order"]  # a new question starts afresh


def test_a_rephrased_question_that_finds_only_the_rejected_article_offers_a_person(action_services, dispatcher,
                                                                                  domain, kb_decides):
    """"not helpful" → "describe it in other words" → "they really took the money twice": the same article,
    word for word, until 5 December (found in a Hebrew trial). It is the second miss in a row."""
    kb_decides(SearchResult("answer", CANCEL_ORDER_FIRST.candidates[:1], "confident", "en", 0.9))
    tracker = make_tracker(domain, "they really did cancel it twice", "ask_question", slots=REJECTED_CANCEL_ORDER,
                           history=[ASKED_TO_REPHRASE])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


def test_a_rephrased_question_gets_a_did_you_mean_without_the_rejected_article(dispatcher, domain, kb_decides):
    kb_decides(UNSURE)
    tracker = make_tracker(domain, "i mean the plan", "ask_question", slots=REJECTED_CANCEL_ORDER,
                           history=[ASKED_TO_REPHRASE])

    run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Cancel your subscription", "None of these"]


def test_after_another_reply_the_article_of_an_earlier_miss_may_answer_again(dispatcher, domain, kb_decides):
    kb_decides(CANCEL_ORDER_FIRST)
    tracker = make_tracker(domain, "how do i cancel an order", "ask_question", slots=REJECTED_CANCEL_ORDER,
                           history=[ASKED_TO_REPHRASE, ASKED_ANYTHING_ELSE])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_kb_answer"
    assert slots_after(tracker, events)["kb_article_id"] == "cancel-order"


def test_no_with_nothing_else_to_offer_asks_to_rephrase(dispatcher, domain):
    # Czech has three unrelated articles: once the password article is ruled out, nothing fits.
    sender, slots = answered(domain, question="zapomněl jsem heslo", language="cs")
    assert slots["kb_article_id"] == "reset-password-cs"
    tracker = make_tracker(domain, "/deny", "deny", slots=slots, sender_id=sender)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_rephrase"]
    assert slots_after(tracker, events)["kb_misses"] == 1
    assert slots_after(tracker, events)["awaiting_feedback"] is False


def test_no_after_an_earlier_miss_offers_a_person(dispatcher, domain):
    sender, slots = answered(domain, kb_misses=1)
    tracker = make_tracker(domain, "/deny", "deny", slots=slots, sender_id=sender)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_offer_human"]
    assert slots_set(events)["escalation_reason"] == "kb_missed_twice"


OFFERED_A_PERSON = {"event": "bot", "text": "Would you like me to connect you with a person?",
                    "metadata": {"utter_action": "utter_offer_human"}}


def test_yes_after_a_person_was_offered_escalates(dispatcher, domain):
    tracker = make_tracker(domain, "/affirm", "affirm", slots={"escalation_reason": "kb_missed_twice", "kb_misses": 2},
                           history=[OFFERED_A_PERSON])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert events == [{"event": "slot", "timestamp": None, "name": "next_step", "value": "escalate"}]
    assert dispatcher.messages == []


def test_no_after_a_person_was_offered_moves_on(dispatcher, domain):
    tracker = make_tracker(domain, "/deny", "deny", slots={"escalation_reason": "kb_missed_twice", "kb_misses": 2},
                           history=[OFFERED_A_PERSON])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_anything_else"]
    assert slots_set(events) == {"escalation_reason": None, "kb_misses": 0}  # next_step was already None


@pytest.mark.parametrize("aside", ["utter_language_switched", "utter_iamabot"])
def test_a_yes_after_an_aside_still_takes_up_the_offer_of_a_person(dispatcher, domain, aside):
    """The offer, "עברית בבקשה" (Hebrew please) or "are you a bot?", then "כן": the offer is still open."""
    said = [OFFERED_A_PERSON, user_event("עברית בבקשה", "switch_language"), {"event": "bot", "metadata": {"utter_action": aside}}]
    tracker = make_tracker(domain, "כן", "affirm", slots={"escalation_reason": "kb_missed_twice"}, history=said)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert slots_set(events) == {"next_step": "escalate"}


def test_an_okay_after_an_aside_acknowledges_the_aside_and_takes_up_no_offer(dispatcher, domain):
    said = [OFFERED_A_PERSON, user_event("עברית בבקשה", "switch_language"),
            {"event": "bot", "metadata": {"utter_action": "utter_language_switched"}}]
    tracker = make_tracker(domain, "סבבה", "affirm", slots={"escalation_reason": "kb_missed_twice"}, history=said)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert "next_step" not in slots_set(events)  # no escalation, no ticket


def test_a_yes_the_day_after_an_offer_of_a_person_takes_up_nothing(dispatcher, domain):
    said = [OFFERED_A_PERSON, {"event": "session_started"}]
    tracker = make_tracker(domain, "yes", "affirm", slots={"escalation_reason": "kb_missed_twice"}, history=said)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_anything_else"]
    assert slots_set(events) == {"escalation_reason": None}


def test_a_yes_after_an_offer_of_a_person_was_let_pass_takes_up_nothing(dispatcher, domain):
    """The offer, then another question answered and rated: until 6 December a later "ok" with nothing
    open opened a ticket with the offer's reason, which had stayed in the slots."""
    let_pass = [OFFERED_A_PERSON, user_event("how do I reset my password?", "ask_question"),
                {"event": "bot", "text": "Thanks for the feedback!", "metadata": {"utter_action": "utter_effort_thanks"}}]
    tracker = make_tracker(domain, "ok", "affirm", slots={"escalation_reason": "kb_missed_twice"}, history=let_pass)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_anything_else"]
    assert slots_set(events) == {"escalation_reason": None}  # forgotten, not escalated


def test_help_me_read_as_a_yes_with_nothing_open_asks_what_about(dispatcher, domain):
    """"ساعدني" is "help me" and "it helped me": DIET reads a yes. At the start of a chat it got "Okay. Is there
    anything else I can help with?" until 6 December."""
    tracker = make_tracker(domain, "ساعدني", "affirm", slots={"language": "ar"}, history=[GREETED])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]


@pytest.mark.parametrize(("text", "intent"), [("😡😡😡", "deny"), ("👍", "affirm"), ("🙏", "affirm")])
def test_a_reaction_that_answers_nothing_asks_what_about(dispatcher, domain, text, intent):
    """"😡" as a first message got "Okay. Is there anything else I can help with?" until 7 December."""
    tracker = make_tracker(domain, text, intent, history=[GREETED])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_ask_what_about"]


def test_a_thumbs_up_right_after_did_that_help_is_that_it_helped(action_services, dispatcher, domain):
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "👍🏽", "affirm", slots=slots, sender_id=sender, history=[ASKED_IF_IT_HELPED])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_glad_it_helped"


def test_a_thank_you_right_after_did_that_help_is_that_it_helped(action_services, dispatcher, domain):
    """"You're welcome! Anything else?" left the answer unrated until 7 December (ThanksForAnAnswerPolicy now
    brings a thank-you here)."""
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "תודה רבה!", "thank", slots=slots, sender_id=sender, history=[ASKED_IF_IT_HELPED])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_glad_it_helped"
    assert slots_set(events)["awaiting_feedback"] is False
    assert kb_queries(action_services, sender)[0].helped is True


def test_help_me_right_after_did_that_help_is_that_it_helped(action_services, dispatcher, domain):
    sender, slots = answered(domain, question="can I cancel")
    tracker = make_tracker(domain, "ساعدني", "affirm", slots=slots, sender_id=sender, history=[ASKED_IF_IT_HELPED])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_glad_it_helped"


def test_yes_or_no_out_of_context_just_moves_on(dispatcher, domain):
    events = run(ActionKbFeedback(), dispatcher, make_tracker(domain, "yes", "affirm"), domain)

    assert responses(dispatcher) == ["utter_anything_else"]
    assert events == []  # next_step was already None: no SlotSet that changes nothing


def test_feedback_for_a_query_from_before_a_database_reset_still_works(dispatcher, domain):
    slots = {"awaiting_feedback": True, "kb_query_id": "987654321", "kb_article_id": "reset-password",
             "kb_question": ANSWERED}
    tracker = make_tracker(domain, "/affirm", "affirm", slots=slots)

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_glad_it_helped"]
    assert slots_set(events)["resolution_id"]

"""Through the real trained model: questions that read as intents with a fixed reply reach the knowledge base,
short control messages stay controls (bot.engine.nlu.ControlIntentArbiter), and "None of these" is a miss."""
import uuid

import pytest
import requests

from bot.kb.replies import last_bot_response
from tests.e2e.test_surveys import ratings, resolved_by_the_bot

KB_INTENTS = {"ask_question", "nlu_fallback", "out_of_scope"}  # all answered by action_answer_question


def parse(stack, text):
    response = requests.post(f"{stack.rasa_url}/model/parse", params={"token": stack.rasa_token}, json={"text": text},
                             timeout=30)
    response.raise_for_status()
    return response.json()


def texts(replies):
    return [reply.get("text", "") for reply in replies]


@pytest.fixture(scope="module")
def kb_built(stack):
    """One question through the whole stack first, so the tests below never wait on first-call set-up
    (the KB index itself is built before the action server reports healthy)."""
    requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "warm-up", "message": "where is my order"},
                  timeout=600).raise_for_status()


@pytest.mark.parametrize("question", [
    "i sent the jacket back last week when do i see the money",
    "how do i switch to yearly billing",
    "chci zrušit předplatné",
    "zrušit předplatné prosím",
    "מה הסטטוס של ההחזר על הנעליים שהחזרתי",
    "האם אתה בוט שיכול לעזור לי לשנות כתובת משלוח",
    "אני רוצה לבטל את המנוי",  # "I want to cancel the subscription": not a request for a person
    "ما حالة استرداد المبلغ للحذاء الذي أعدته",
    "إلغاء الطلب الذي قدمته أمس",
    # A problem said in a few words with "no" or "not" (until 3 December ticket status or deny)
    "המייל לא מגיע", "הכסף לא חזר", "הכסף עוד לא חזר אליי", "עדיין מחכה למייל מכם", "no email yet",
    "i never got the email", "still no email", "the code doesn't work", "الكود لا يعمل",
    # Questions of the shipped KB that got a greeting, a score, a goodbye or a fresh start (until 3 December evening)
    "Dobrý den, je možné u vás platit na dobírku?", "the box was empty", "gdpr erasure request", "הגדרות התראות",
    "امسحوا معلوماتي من عندكم", "تم التسليم ولم استلم",
    # Questions of the shipped KB read as a complaint: a ticket and a person until 4 December
    "מדיניות החזרות כמה ימים", "שעות פעילות של התמיכה", "באיזה דפדפנים האתר עובד", "faktura na firmu s dic",
    # Questions of the shipped KB read as a request for a person, naming none: the escalation form until 5 December
    "ابي الغي حسابي ما عاد ابي اتسوق عندكم", "بدي بدل اللون", "open an account with acme",
])
def test_a_question_that_reads_as_a_control_intent_goes_to_the_knowledge_base(stack, question):
    # What the customer gets, not the reading: a model trained on another CPU reads some of these otherwise
    # (docs/testing.md, "Readings that depend on the CPU"), and "withdrawing a request" with no request waiting
    # is answered from the knowledge base too when it is sure. Every knowledge-base lookup keeps the question;
    # one that sends the customer to a person (a complaint, a request for one) starts an escalation instead.
    sender = f"rest:kb-{uuid.uuid4().hex[:12]}"
    stack.say(sender, question)
    slots = stack.tracker(sender)["slots"]
    reading = parse(stack, question)["intent_ranking"][:3]
    assert slots["kb_question"] == question, reading
    assert (slots["escalation_id"], slots["handoff_active"]) == (None, False), reading


@pytest.mark.parametrize("text, intent", [
    ("cancel", "cancel"), ("zrušit", "cancel"), ("no", "deny"), ("ne", "deny"), ("לא", "deny"), ("لا", "deny"),
    ("ticket status", "check_ticket_status"), ("are you a bot", "bot_challenge"),
    ("what's the weather like in london today", "out_of_scope"), ("hi, good day to you", "greet"),
    ("thank you so much for your help", "thank"), ("tak zatím, hezký den", "goodbye"), ("שלום", "greet"),
    ("אני רוצה לדבר עם נציג", "request_human"), ("i want to talk to a person", "request_human"),
    ("ابي اكلم موظف", "request_human"),
    # A request for a person that names a topic too stays one (it names a person)
    ("אני רוצה לדבר עם נציג לגבי ההחזר", "request_human"), ("speak to agent about exchange", "request_human"),
    ("this is useless", "complain"), ("שירות גרוע", "complain"), ("خدمة زفت", "complain"),
    ("to je k ničemu", "complain"),
])
def test_short_control_messages_stay_controls(stack, text, intent):
    assert parse(stack, text)["intent"]["name"] == intent


def test_cancelling_a_subscription_in_czech_is_answered_not_swallowed_by_cancel(stack, kb_built, sender):
    replies = texts(stack.say(sender, "chci zrušit předplatné"))
    assert replies and "Můžu vám pomoci ještě s něčím?" not in " ".join(replies), replies


def test_a_returned_jackets_refund_is_not_a_ticket_status_check(stack, kb_built, sender):
    replies = texts(stack.say(sender, "i sent the jacket back last week when do i see the money"))
    assert replies and not any("find a ticket" in text for text in replies), replies


def test_a_czech_question_that_opens_with_a_greeting_is_answered_not_greeted(stack, kb_built, sender):
    replies = " ".join(texts(stack.say(sender, "Dobrý den, je možné u vás platit na dobírku?")))
    assert "Jsem asistent podpory" not in replies and "dobírk" in replies.lower(), replies


def test_a_score_given_in_words_with_the_effort_question_open_is_still_the_score(stack, kb_built, sender):
    asked = resolved_by_the_bot(stack, sender, "how much does shipping cost")
    assert any("made it easy for me" in reply.get("text", "") for reply in asked), asked

    stack.say(sender, "quite hard to be honest, 2")  # two topic words: nlu_fallback, which the survey takes

    assert stack.tracker(sender)["slots"]["effort_score"] == 2


def test_none_of_these_asks_to_rephrase_then_offers_a_person(stack, sender):
    first = texts(stack.say(sender, "/reject_suggestions"))
    second = stack.say(sender, "/reject_suggestions")

    assert any("other words" in text for text in first), first
    assert any("connect you with a person" in text for text in texts(second)), second
    assert "/request_human" in [b["payload"] for reply in second for b in reply.get("buttons", [])]


@pytest.mark.parametrize("question, no", [
    ("the reset email never arrives in my inbox", "no"),
    # "I get no e-mail from you": e-mail not received or change of address (0.44 and 0.33), far from an
    # answer; "מייל האיפוס לא מגיע לתיבה", here until 5 December, came to 0.80 for the reset guide, which the
    # stack answered once the KB's other Hebrew questions changed its fit.
    ("לא מגיע לי מייל מכם", "לא"),
    ("رسالة إعادة التعيين لا تصل", "لا"),
])
def test_no_to_did_you_mean_is_none_of_these(stack, kb_built, sender, question, no):
    asked = stack.say(sender, question)
    assert "/reject_suggestions" in [b["payload"] for reply in asked for b in reply.get("buttons", [])], asked

    stack.say(sender, no)

    # Until 3 December the bot said "Okay. Anything else?" and the customer was dropped.
    assert last_bot_response(stack.tracker(sender)["events"]) == "utter_kb_rephrase"


@pytest.mark.parametrize("typed, position", [("1", 1), ("the second one", 2)])
def test_a_number_or_position_typed_after_did_you_mean_shows_that_article(stack, kb_built, sender, typed, position):
    asked = stack.say(sender, "the reset email never arrives in my inbox")
    [offer] = [reply for reply in asked if reply.get("buttons")]
    chosen = offer["buttons"][position - 1]

    replies = stack.say(sender, typed)  # as a WhatsApp customer answers the numbered list

    # Until 5 December "1" was read as an effort score with no survey open: "Okay. Anything else?"
    assert not any("anything else" in text.lower() for text in texts(replies)), replies
    events = stack.tracker(sender)["events"]
    assert [event.get("text") for event in events if event.get("event") == "user"][-1] == chosen["payload"]
    assert last_bot_response(events) != "utter_anything_else", replies


def test_a_payment_question_nlu_calls_out_of_scope_is_answered_from_the_kb(stack, kb_built, sender):
    replies = " ".join(texts(stack.say(sender, "can I pay with bitcoin")))
    assert "outside what I can help with" not in replies and "payment-methods" in replies, replies


def test_the_weather_is_still_outside_what_the_bot_helps_with(stack, kb_built, sender):
    replies = " ".join(texts(stack.say(sender, "what's the weather like in london today")))
    assert "outside what I can help with" in replies, replies


def test_a_question_instead_of_the_effort_score_is_answered(stack, kb_built, sender):
    asked = resolved_by_the_bot(stack, sender, "how much does shipping cost")
    assert any("made it easy for me" in reply.get("text", "") for reply in asked), asked

    replies = stack.say(sender, "how do I download my invoice")

    # Until 3 December: "Sorry, I didn't catch a score", and the question was lost.
    assert "Invoices are available as PDF" in " ".join(texts(replies)), replies
    assert stack.tracker(sender)["active_loop"] == {}, "the survey is left"


def test_a_score_in_a_sentence_is_stored_before_the_comment_question(stack, kb_built, sender):
    resolved_by_the_bot(stack, sender, "how much does shipping cost")

    replies = texts(stack.say(sender, "honestly pretty hard, i had to explain everything twice"))

    # Until 5 December: "Sorry, that's outside what I can help with here", the survey ended, and even a score
    # the form took was stored only after the comment, so a customer who left there was lost.
    assert any("Anything we could have done better" in text for text in replies), replies
    assert ratings(stack, sender) == [("ces", 2, True)]


@pytest.mark.parametrize(("question", "reaction"), [("how much does shipping cost", "thanks!"),
                                                     ("how much does shipping cost", "👍🏽")])
def test_a_thank_you_or_a_thumbs_up_under_did_that_help_is_that_it_helped(stack, kb_built, sender, question, reaction):
    answer = stack.say(sender, question)
    assert last_bot_response(stack.tracker(sender)["events"]) == "utter_ask_kb_helped", answer

    replies = texts(stack.say(sender, reaction))

    # Until 7 December: "You're welcome! Anything else?" (the answer left unrated), and for "👍" the "No" (a miss).
    assert any("glad that helped" in text for text in replies), replies
    assert any("made it easy for me" in text for text in replies), replies
    assert stack.tracker(sender)["active_loop"].get("name") == "ces_form"


def test_no_after_anything_else_is_goodbye_not_a_miss(stack, kb_built, sender):
    stack.say(sender, "can i pay with apple pay")
    assert any("anything else" in text for text in texts(stack.say(sender, "7"))), "a score with no survey open"

    replies = texts(stack.say(sender, "no"))

    # Until 5 December: "Could you describe the problem in other words?" (the answer's "did that help?" was open).
    assert last_bot_response(stack.tracker(sender)["events"]) == "utter_goodbye", replies


def test_a_question_a_person_always_handles_instead_of_the_effort_score_goes_to_a_person(stack, kb_built, sender):
    resolved_by_the_bot(stack, sender, "how much does shipping cost")

    replies = texts(stack.say(sender, "my lawyer will contact you about this refund"))

    # Until 3 December: "Sorry, I didn't get that", and the customer stayed with the bot.
    assert not any("didn't get that" in text for text in replies), replies
    assert stack.tracker(sender)["active_loop"].get("name") == "escalation_form", replies


def test_a_status_question_without_a_ticket_also_gets_the_article_the_kb_is_sure_of(stack, kb_built, sender):
    """"The return's status" reads as a ticket status question; until 5 December only "no ticket" came back."""
    replies = " ".join(texts(stack.say(sender, "סטטוס ההחזרה")))

    assert "לא מצאתי פנייה" in replies, replies
    assert stack.tracker(sender)["slots"]["kb_article_id"] == "refund-after-return-he", replies


def test_support_hours_asked_in_hebrew_get_the_article_not_a_ticket(stack, kb_built, sender):
    replies = " ".join(texts(stack.say(sender, "שעות פעילות של התמיכה")))

    assert "09:00" in replies, replies
    assert stack.tracker(sender)["active_loop"] == {}, "no escalation form"


@pytest.mark.parametrize("asking", ["I need to speak to someone about my refund", "potřebuju živou osobu, balík nedorazil"])
def test_a_question_that_asks_for_a_person_outright_starts_the_escalation(stack, kb_built, sender, asking):
    """Read as a question (the refund, the parcel), it got the article until 5 December."""
    replies = stack.say(sender, asking)

    assert stack.tracker(sender)["active_loop"].get("name") == "escalation_form", replies


@pytest.mark.parametrize("complaint", [
    "my refund took three weeks and nobody answers my emails, this is not acceptable",
    "אני מחכה כבר שלושה שבועות להחזר ואף אחד לא עונה, זה לא מקובל",
    "طلب الإرجاع معلق من أسبوعين، مهزلة",
    "na vrácení peněz čekám už tři týdny, to je nepřijatelné",
])
def test_a_complaint_that_names_a_topic_reaches_a_person_not_an_article(stack, kb_built, sender, complaint):
    """Read as a complaint, or as a question from a frustrated customer: either way the escalation starts
    (or, read as withdrawing a request, a person is offered); never the article alone."""
    replies = stack.say(sender, complaint)

    escalating = stack.tracker(sender)["active_loop"].get("name") == "escalation_form"
    offered = any(button.get("payload") == "/request_human" for reply in replies for button in reply.get("buttons") or [])
    assert escalating or offered, replies

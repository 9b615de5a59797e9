"""What the bot collects before a ticket: the customer's details, checked, and the transcript."""
import pytest

from bot.escalation.details import (
    MAX_DESCRIPTION_CHARS,
    asks_something,
    clean_description,
    clean_email,
    clean_name,
    customer_has_left,
    customer_spoke_since,
    declined_detail,
    declines_to_give,
    earlier_complaints,
    last_customer_words,
    last_unanswered_question,
    says_the_name,
    set_since_customer_wrote,
    tells_more_of_the_problem,
    ticket_reference_in,
    transcript_from_events,
)

HUGE = "a" * 100_000


def user(text, intent=None, timestamp=1_767_603_600.0, **extra):
    event = {"event": "user", "text": text, "timestamp": timestamp, **extra}
    if intent is not None:
        event["parse_data"] = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return event


def bot(text, timestamp=1_767_603_601.0, data=None):
    return {"event": "bot", "text": text, "timestamp": timestamp, "data": data}


def external(intent, timestamp=1_767_603_700.0):
    """An intent the helpdesk triggered (agent joined, agent message, ...), as Rasa stores it."""
    return user(f"EXTERNAL: {intent}", intent, timestamp=timestamp, metadata={"is_external": True})


# --- email ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, email", [
    ("dana@example.com", "dana@example.com"),
    ("  dana@example.com  ", "dana@example.com"),
    ("my email is dana@example.com, thanks", "dana@example.com"),
    ("<dana@example.com>", "dana@example.com"),
    ("(dana.o'neil+support@mail.example.co.uk)", "dana.o'neil+support@mail.example.co.uk"),
    ("DANA@EXAMPLE.COM", "DANA@EXAMPLE.COM"),
    ("האימייל שלי dana@example.com", "dana@example.com"),
    ("بريدي dana@example.com", "dana@example.com"),
    ("dana@example.com'; DROP TABLE tickets;--", "dana@example.com"),
    ("\u200fdana@example.com\u200f", "dana@example.com"),  # a right-to-left mark from a Hebrew keyboard
])
def test_a_valid_email_is_found_among_other_words(text, email):
    assert clean_email(text) == email


@pytest.mark.parametrize("text", [
    None, "", "   ", "dana", "dana@", "@example.com", "dana@example", "dana@@example.com", "dana@exa_mple.com",
    "dana@example..com", "dana@-example.com", "dana@example.com.", "a@b.com and c@d.com",
    "<script>alert(1)</script>@example.com", "דנה@example.com", "dana@例え.jp", "😀@example.com",
    "x" * 250 + "@example.com", HUGE + "@example.com", "\x00dana@example.com", "mailto:dana@example.com",
])
def test_anything_but_exactly_one_valid_email_is_refused(text):
    assert clean_email(text) is None


# --- name ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, name", [
    ("Dana", "Dana"),
    ("  Dana \n  Cohen\t", "Dana Cohen"),
    ("דנה כהן", "דנה כהן"),
    ("دانة الأحمد", "دانة الأحمد"),
    ("Jiří Novák", "Jiří Novák"),
    ("Dana 😀", "Dana 😀"),
    ("O'Brien-Smith Jr.", "O'Brien-Smith Jr."),
    ("<b>Dana</b>", "<b>Dana</b>"),  # kept as text; every page renders it as text, never as HTML
    ("Robert'); DROP TABLE students;--", "Robert'); DROP TABLE students;--"),  # stored as a parameter, harmless
    ("Da\x00na\x07", "Dana"),  # control characters are not part of a name
    ("x" * 100, "X" + "x" * 99),  # the longest name; typed all in lower case, so capitalised
    ("Noa\u202e moc.knab", "Noa moc.knab"),  # bidi controls would reorder the console's text around it
    ("\u2067נועה\u2069 \u200fכהן", "נועה כהן"),
    ("Jo", "Jo"), ("Ano", "Ano"), ("Dobrá", "Dobrá"),  # a Czech yes or okay, and a name too
])
def test_a_usable_name_is_tidied(text, name):
    assert clean_name(text) == name


@pytest.mark.parametrize(("text", "name"), [
    ("its sarah", "Sarah"),
    ("my name is Mike O'Brien", "Mike O'Brien"),
    ("Hi, I'm Dana Cohen, thanks", "Dana Cohen"),
    ("im dana", "Dana"),
    ("Im Yoon-ah", "Im Yoon-ah"),  # "Im" typed with a capital is a surname, not "I'm"
    ("jiří novák", "Jiří Novák"),
    ("קוראים לי נועה כהן", "נועה כהן"),
    ("שלום, שמי דנה", "דנה"),
    ("اسمي أحمد", "أحمد"),
    ("مرحبا، اسمي سارة", "سارة"),
    ("jmenuju se Petr Novák", "Petr Novák"),
    ("Dobrý den, jmenuji se Jana Nováková", "Jana Nováková"),
    ("Dana its me", "Dana its me"),  # only an introduction at the start is taken off
    # The greetings and thanks the bot's own introduction reading knows (bot.engine.introductions).
    ("good evening, my name is Jan Novák, děkuji", "Jan Novák"),
    ("السلام عليكم اسمي أحمد شكرا", "أحمد"),
    ("Dana, nice to meet you", "Dana"),
    ("Salam Ahmad", "Salam Ahmad"),  # a greeting word is a name unless an introduction follows it
    # And its ways of saying the name.
    ("please call me jim", "Jim"),
    ("Good afternoon. Please address me as Mrs. Patel.", "Mrs. Patel."),
    ("שמי הוא דן", "דן"),
    ("اهلا انا اسمى محمود", "محمود"),
    ("تحية طيبة، اسمي الكامل عبد الله الحربي", "عبد الله الحربي"),
    ("Oslovujte mě prosím paní Horáková", "paní Horáková"),
])
def test_the_introduction_around_a_name_is_not_part_of_it(text, name):
    assert clean_name(text) == name


@pytest.mark.parametrize("text", [
    None, "", "   \n\t ", "/affirm", "/request_human", "dana@example.com", "12345", "😀😀", "!!!", "\x00\x01",
    "x" * 101, HUGE, "\u202e\u200f\u2066", "help", "I need help", "יש לי בעיה", "مساعدة", "pomoc",
    "okay", "yes sure", "בסדר", "تمام", "Jasně", "got it", "ok got it", "הבנתי", "Okay?", "ok ok ok ok",  # a yes, okay or "got it"
    "why do you need my name?", "Dana?", "למה?", "لماذا؟", "Dana？",  # a question
])
def test_an_unusable_name_is_refused(text):
    assert clean_name(text) is None


@pytest.mark.parametrize("text", [
    "my parcel never arrived and I want my money back",
    "it was supposed to arrive last Monday, the order number is 88812",
    "I was charged twice for one order",
    "the app doesn't work",
    "ההזמנה שלי לא הגיעה עד היום",
    "الطلب ما وصلني لحد الآن",
    "balík mi nedorazil",
    "objednávka mi pořád nedorazila, číslo 4411",
    # short, or "and" written onto the negation
    "לא הגיע", "ما وصل", "لم يصل", "never arrived", "balík nedorazil", "הזמנתי לפני שבוע ולא הגיע", "طلبت من اسبوع وما وصل",
    # about the name, but what is wrong with it
    "my name is wrong on the invoice", "השם שלי לא נכון בחשבונית", "اسمي غلط في الفاتورة", "moje jméno je na faktuře špatně",
    "they say my parcel was delivered but I never got it",
    # not knowing something, which is not declining a name
    "I still don't know where my stuff is, I ordered it two weeks ago and nobody answers", "nevím, kde je můj balík",
    "לא יודעת למה לא קיבלתי כלום", "ما ادري وين الشحنة", "I know it was sent but I never got it",
])
def test_the_problem_typed_as_the_name_tells_more_of_it(text):
    assert tells_more_of_the_problem(text)


@pytest.mark.parametrize("text", [
    # names, some of whose words are sentence words elsewhere
    "Dana Levi", "לי כהן", "מתי כספי", "עובד כהן", "שלי לוי", "Petr Balík", "Václav Je", "Eva Se", "Can Yılmaz",
    "John I. Smith", "Nguyen The Anh", "Andrew Still", "Tran Thi My", "على حسن", "Maria de la Cruz",
    "محمد بن عبد الله بن عبد العزيز آل سعود", "Robert'); DROP TABLE students;--", "Dana its me",
    # about the name, an address, a question, or help without a topic: not more of the problem
    "my name is Dana Cohen", "my full name is Dana Cohen", "já se jmenuju Petr", "I'd rather not say",
    "קוראים לי נועה כהן", "my email is dana@example.com", "why do you need my name?", "I need help", "still not working",
    "", "😀 😀 😀",
    # declining to give it
    "I prefer not to", "not telling you", "I don't want to give it", "לא רוצה להגיד", "לא יודע", "ما ابي اقول اسمي",
    "nechci říct", "nevím", "לא משנה", "لا يهم", "doesn't matter", "my name is not important",
    # a negation in a name, or a "no" answering the bot before the name
    "Brian Cant", "my name is Brian Cant", "Wont Lee", "Jan Nejedlý", "لا، اسمي أحمد",
])
def test_a_name_or_an_answer_about_it_tells_nothing_of_the_problem(text):
    assert not tells_more_of_the_problem(text)


# --- description -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, description", [
    ("My parcel never arrived", "My parcel never arrived"),
    ("  several\n\nlines\tof   text ", "several lines of text"),
    ("לא קיבלתי את החבילה", "לא קיבלתי את החבילה"),
    ("لم يصل طلبي", "لم يصل طلبي"),
    ("😡 still waiting", "😡 still waiting"),
    ("<script>alert('x')</script>", "<script>alert('x')</script>"),
    ("a'; DROP TABLE tickets;--", "a'; DROP TABLE tickets;--"),
    ("null\x00byte", "nullbyte"),
])
def test_a_description_is_one_tidy_line(text, description):
    assert clean_description(text) == description


def test_a_long_description_is_cut_on_a_word_boundary_with_a_marker():
    text = " ".join(f"word{i}" for i in range(200))

    description = clean_description(text)

    assert len(description) <= MAX_DESCRIPTION_CHARS
    assert description.endswith("…")
    assert text.startswith(description[:-1])
    assert description[:-1].split()[-1] in text.split()  # no half word before the marker


@pytest.mark.parametrize("text", [HUGE, "ש" * 5000, "😀" * 1000])
def test_a_huge_description_without_spaces_is_still_bounded(text):
    description = clean_description(text)
    assert len(description) == MAX_DESCRIPTION_CHARS
    assert description.endswith("…")


@pytest.mark.parametrize("text", [None, "", "  \n ", "/affirm", "/deny"])
def test_no_description_from_empty_text_or_a_button(text):
    assert clean_description(text) is None


# --- ticket references -----------------------------------------------------------------------


@pytest.mark.parametrize("text, reference", [
    ("what's the status of T-123?", "T-123"),
    ("ticket t42 please", "T-42"),
    ("מה המצב של T-7", "T-7"),
    ("T-1 and T-2", "T-1"),
    ("#T-1007", "T-1007"), ("\u200fפנייה T-1042", "T-1042"),
    ("تذكرة T-١٠٤٢", "T-1042"),  # Arabic-Indic digits, as an Arabic keyboard types them
    ("T-0042", "T-0042"),
])
def test_a_ticket_reference_is_found_in_the_helpdesks_form(text, reference):
    assert ticket_reference_in(text) == reference


@pytest.mark.parametrize("text", [None, "", "my ticket", "T-", "AT-12", "T-1234567890", "order 12345"])
def test_no_ticket_reference(text):
    assert ticket_reference_in(text) is None


# --- transcript --------------------------------------------------------------------------


def test_the_transcript_has_customer_bot_and_agent_turns_oldest_first():
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1_767_603_599.0},
        user("How do I reset my password?", "ask_question", timestamp=1_767_603_600.0),
        bot("Go to the sign-in page...", timestamp=1_767_603_601.0, data={"buttons": None}),
        {"event": "slot", "name": "kb_misses", "value": 1, "timestamp": 1_767_603_601.5},
        user("/deny", "deny", timestamp=1_767_603_610.0),
        bot("Dana: I can help", timestamp=1_767_603_620.0,
            data={"custom": {"text": "I can help", "from": "agent", "agent_name": "Dana"}}),
        bot("Anything else?", timestamp=1_767_603_630.0, data=None),
    ]

    transcript = transcript_from_events(events)

    assert [(line["author"], line["text"]) for line in transcript] == [
        ("customer", "How do I reset my password?"),
        ("bot", "Go to the sign-in page..."),
        ("customer", "[deny]"),
        ("agent", "Dana: I can help"),
        ("bot", "Anything else?"),
    ]
    assert transcript[0]["timestamp"] == "2026-01-05T09:00:00+00:00"


def test_a_button_payload_is_shown_as_its_intent_even_without_nlu_data():
    events = [
        user("/choose_article", "choose_article"),
        user("/affirm"),  # no parse data at all
        user("/request_human", parse_data={"intent": None}),
        user("/deny", parse_data={"intent": {"name": None}}),
    ]

    assert [line["text"] for line in transcript_from_events(events)] == [
        "[choose_article]", "[affirm]", "[request_human]", "[deny]"]


def test_the_agent_sees_the_buttons_offered_and_the_one_clicked():
    events = [
        bot("I'm not sure I got that. Did you mean:", data={"buttons": [
            {"title": "How long do I have to return an item?", "payload": '/choose_article{"article_id": "return-window"}'},
            {"title": "None of these", "payload": "/reject_suggestions"}]}),
        user('/choose_article{"article_id": "return-window"}', "choose_article"),
        bot("Did that answer your question?", data={"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
        user("/deny", "deny"),  # not one of the buttons offered: its intent
    ]

    assert [line["text"] for line in transcript_from_events(events)] == [
        "I'm not sure I got that. Did you mean: [How long do I have to return an item?] [None of these]",
        "[How long do I have to return an item?]",
        "Did that answer your question? [Yes]",
        "[deny]",
    ]


def test_events_without_text_or_timestamp_are_handled():
    events = [
        {"event": "user", "text": None},
        {"event": "bot", "text": "", "data": None},
        {"event": "bot", "text": "image only?", "data": {"custom": None}},
        {"event": "user", "text": "hello"},  # no timestamp
        {"event": "reminder"},
    ]

    transcript = transcript_from_events(events)

    assert [(line["author"], line["text"]) for line in transcript] == [("bot", "image only?"), ("customer", "hello")]
    assert transcript[1]["timestamp"] == "1970-01-01T00:00:00+00:00"


def test_events_the_helpdesk_triggered_are_not_customer_lines():
    events = [user("my card was charged twice", "ask_question"), external("EXTERNAL_agent_joined"),
              external("EXTERNAL_agent_message"), bot("Avi: refunded", data={"custom": {"from": "agent"}}),
              external("EXTERNAL_ticket_resolved")]

    assert [(line["author"], line["text"]) for line in transcript_from_events(events)] == [
        ("customer", "my card was charged twice"), ("agent", "Avi: refunded")]
    assert last_unanswered_question(events) == "my card was charged twice"


def test_an_empty_conversation_has_an_empty_transcript():
    assert transcript_from_events([]) == []


# --- the question the KB could not answer ------------------------------------------------------


def test_the_last_unanswered_question_is_the_latest_free_text_question():
    events = [
        user("hi", "greet"),
        user("How do I export my data?", "ask_question"),
        bot("I'm not sure..."),
        user("/deny", "deny"),
        user("is there a way to export everything as CSV?", "nlu_fallback"),
        user("yes", "affirm"),
        user("/request_human", "request_human"),
    ]

    assert last_unanswered_question(events) == "is there a way to export everything as CSV?"


def test_complaints_and_messages_without_nlu_data_count_as_questions():
    assert last_unanswered_question([user("the app crashes on start", "complain")]) == "the app crashes on start"
    assert last_unanswered_question([user("the app crashes on start")]) == "the app crashes on start"


def test_a_complaint_about_an_answer_comes_with_the_question_it_answered():
    events = [user("where is my parcel?", "ask_question"), bot("Track your order..."),
              user("i already did all that. get me a human", "complain")]

    assert last_unanswered_question(events) == "where is my parcel? — i already did all that. get me a human"
    # A complaint after something else stands alone.
    assert last_unanswered_question([user("hi", "greet"), user("my refund never came, this is a joke", "complain")]) == (
        "my refund never came, this is a joke")


def test_a_request_for_help_that_names_no_problem_is_not_offered_as_the_description():
    events = [user("my parcel never arrived", "ask_question"), bot("Most late parcels..."), user("help", "ask_question")]

    assert last_unanswered_question(events) == "my parcel never arrived"
    assert last_unanswered_question([user("I have a problem", "ask_question")]) is None
    assert last_unanswered_question([user("help", "ask_question"), user("my refund never came, this is a joke", "complain")]) == (
        "my refund never came, this is a joke")


def test_an_answer_did_not_work_names_no_problem_either():
    """"my parcel is late", "same problem", "still not working", yes to a person: a review found the ticket
    opened with "still not working" as its description."""
    events = [user("my parcel is late", "ask_question"), user("same problem", "ask_question"),
              user("still not working", "ask_question")]

    assert last_unanswered_question(events) == "my parcel is late"
    assert last_unanswered_question([user("ועדיין לא עובד", "ask_question")]) is None


def test_no_unanswered_question_in_small_talk():
    events = [user("hi", "greet"), user("thanks", "thank"), user("/affirm", "affirm")]
    assert last_unanswered_question(events) is None


def test_the_unanswered_question_is_tidied_and_bounded():
    question = last_unanswered_question([user("  where\n is   " + "my order " * 100, "ask_question")])
    assert question.startswith("where is my order")
    assert len(question) <= MAX_DESCRIPTION_CHARS


# --- has the customer left? --------------------------------------------------------------------


def test_a_customer_who_said_goodbye_has_left():
    assert customer_has_left([user("thanks, bye", "goodbye", timestamp=1000.0)], now=1001.0)


def test_a_customer_who_just_wrote_is_still_there():
    assert not customer_has_left([user("still here", "ask_question", timestamp=1000.0)], now=1060.0)


def test_a_customer_silent_for_longer_than_the_limit_has_left():
    events = [user("hello", "greet", timestamp=1000.0), bot("Hi!", timestamp=1001.0)]
    assert customer_has_left(events, now=1000.0 + 3601)
    assert not customer_has_left(events, now=1000.0 + 3599)
    assert customer_has_left(events, now=1000.0 + 61, idle_seconds=60)


def test_only_the_latest_customer_message_counts():
    events = [user("bye", "goodbye", timestamp=1000.0), user("oh wait, one more thing", "ask_question", timestamp=1010.0)]
    assert not customer_has_left(events, now=1020.0)


def test_helpdesk_events_do_not_count_as_the_customer_being_there():
    events = [user("bye", "goodbye", timestamp=1000.0), external("EXTERNAL_ticket_resolved", timestamp=1500.0)]
    assert customer_has_left(events, now=1501.0)

    quiet = [user("thanks", "thank", timestamp=1000.0), external("EXTERNAL_agent_message", timestamp=1000.0 + 3600)]
    assert customer_has_left(quiet, now=1000.0 + 3700)


def test_a_conversation_without_customer_messages_has_no_one_to_ask():
    assert customer_has_left([], now=1000.0)
    assert customer_has_left([bot("Hi!")], now=1000.0)


def test_a_customer_message_with_broken_nlu_data_is_still_judged_by_time():
    assert not customer_has_left([user("hi", parse_data={"intent": None}, timestamp=1000.0)], now=1001.0)


def test_earlier_complaints_count_the_customers_complaints_before_the_latest_message():
    def said(intent, external=False):
        return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}},
                "metadata": {"is_external": True} if external else {}}

    events = [said("complain"), said("ask_question"), said("EXTERNAL_agent_message", external=True),
              said("complain"), said("complain")]
    assert earlier_complaints(events) == 2  # the latest message is not "earlier"
    assert earlier_complaints([said("complain")]) == 0
    assert earlier_complaints([]) == 0


def test_the_customers_last_words_are_their_latest_typed_message_on_one_line():
    events = [user("hi", "greet"), user("my parcel\nnever came", "request_human"), bot("Sure"), user("/affirm", "affirm")]

    assert last_customer_words(events) == "my parcel never came"
    assert last_customer_words([user("/request_human", "request_human"), bot("Sure")]) is None
    assert last_customer_words([]) is None


# --- what the customer said since an action ------------------------------------------------------


def action(name):
    return {"event": "action", "name": name}


def test_the_customer_spoke_since_an_action_only_with_a_message_of_their_own_after_it():
    asked = [user("I want a person"), action("action_start_escalation"), action("utter_ask_customer_name")]
    assert not customer_spoke_since(asked, "action_start_escalation")
    assert customer_spoke_since([*asked, user("Noa")], "action_start_escalation")
    # A line the helpdesk triggered is not the customer's.
    assert not customer_spoke_since([*asked, external("EXTERNAL_agent_joined")], "action_start_escalation")
    # A second escalation starts counting again.
    assert not customer_spoke_since([*asked, user("Noa"), action("action_start_escalation")], "action_start_escalation")


def test_the_customer_spoke_since_an_action_that_never_ran():
    assert customer_spoke_since([user("hello")], "action_start_escalation")


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def test_a_slot_is_set_since_the_customer_wrote_only_by_this_turns_actions():
    offered = [user("my parcel is late"), slot("escalation_reason", "kb_missed_twice")]
    assert set_since_customer_wrote(offered, "escalation_reason")
    assert not set_since_customer_wrote([*offered, user("what about returns?")], "escalation_reason")
    assert not set_since_customer_wrote([*offered, slot("escalation_reason", None)], "escalation_reason")  # cleared
    assert not set_since_customer_wrote(offered, "next_step")
    # A line the helpdesk triggered is not the customer's: the slot its turn set still counts.
    assert set_since_customer_wrote([*offered, external("EXTERNAL_agent_joined")], "escalation_reason")


@pytest.mark.parametrize(("text", "expected"), [
    ("is my order 88812 going to arrive today?", True), ("هل سيصل طلبي اليوم؟", True), ("Dana?", False),
    ("my parcel never arrived", False), ("why do you need my name?", False), ("can I skip this?", False),
])
def test_a_question_of_a_few_words_asks_something(text, expected):
    assert asks_something(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("my name is Noa Cohen", True), ("קוראים לי נועה", True), ("اسمي أحمد", True), ("jmenuju se Petr", True),
    ("call me around noon", False), ("please call me Jim", False),
])
def test_saying_the_name_is_told_from_saying_how_to_be_called(text, expected):
    assert says_the_name(text) is expected


@pytest.mark.parametrize("text", [
    "I'd rather not say", "I don't want to give my name", "no", "skip", "rather not", "not now", "I don't have an email",
    "לא רוצה להגיד", "מעדיפה שלא", "אין לי מייל",
    "لا أريد", "ما ابي اقول اسمي", "ما عندي ايميل",
    "nechci", "radši ne", "nemám e-mail", "nevím",
    # skipping the question, which DIET reads as cancel
    "skip this", "skip it", "skip the name", "דלג על זה", "přeskoč to", "vynechat", "سكيب", "none",
    # with the words each language needs around the refusal
    "אני לא רוצה להגיד", "אני מעדיפה שלא", "לא רוצה לתת לך את השם", "אין לי דוא\"ל", "لا أريد أن أقول اسمي",
    "انا ما ابي اقول", "ليس لدي بريد إلكتروني", "nechci to říkat", "nechci uvést jméno", "nemám žádný e-mail",
    "my name doesn't matter", "בלי שם", "بدون اسم", "bez jména", "no comment", "anonymous", "to neřeknu",
    "jméno není důležité", "לא רוצה לומר את שמי", "ما ابغى اعطيك اسمي",
    # as the answer to its question, "it doesn't matter" declines the detail
    "it doesn't matter", "not important", "לא חשוב", "זה לא משנה לי", "مش مهم", "لا يهم",
])
def test_declining_to_give_a_name_or_an_address(text):
    assert declines_to_give(text)


@pytest.mark.parametrize("text", [
    "לא משנה", "not needed", "it doesn't matter", "مش مهم", "לא צריך",  # never mind
    "I don't want to do this", "I don't want this", "no please", "אני לא רוצה", "לא בבקשה", "ما ابي هذا", "انا ما ابي",
    "nechci ho", "ne prosím", "لا ارغب",
])
def test_read_as_cancelling_a_refusal_that_says_not_what_it_refuses_cancels(text):
    assert not declines_to_give(text, read_as_cancelling=True)
    assert declines_to_give(text)  # as the answer to the question it declines: else it became the name


@pytest.mark.parametrize("text", ["my name doesn't matter", "I'd rather not say", "skip this", "לא רוצה להגיד",
                                  "ما ابي اقول اسمي", "nechci uvést jméno", "no comment", "nechci", "skip"])
def test_read_as_cancelling_a_refusal_of_the_detail_still_declines(text):
    assert declines_to_give(text, read_as_cancelling=True)


@pytest.mark.parametrize("text", [
    "Noa", "my name", "my name is Noa", "no, it's Noa", "never mind", "cancel", "I don't want to wait", "dana@example.com",
    "לא הגיע", "אני לא רוצה לחכות", "لا أريد الانتظار", "nechci čekat", "", "😀", "/cancel",
    # names that are refusal words elsewhere
    "Rather", "أفضل",
])
def test_a_name_a_cancel_or_a_complaint_is_no_refusal(text):
    assert not declines_to_give(text)


def asked(slot):
    return {"event": "slot", "name": "requested_slot", "value": slot}


def test_the_detail_declined_is_the_one_the_form_asked_last():
    events = [asked("customer_name"), user("Dana"), asked("customer_email"), user("I'd rather not give my email"),
              asked(None)]  # the cancel rule stopped the form
    assert declined_detail(events, "I'd rather not give my email") == "customer_email"


@pytest.mark.parametrize(("slot", "text"), [
    ("issue_description", "I'd rather not say"),  # the problem is what the ticket is for
    ("customer_name", "never mind"), ("customer_name", "אני לא רוצה"), (None, "I'd rather not say"),
])
def test_nothing_is_declined_by_a_cancel_the_problem_or_outside_the_form(slot, text):
    assert declined_detail([asked(slot), user(text)], text) is None

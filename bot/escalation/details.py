"""What the bot collects before a ticket: validation of customer details, the transcript."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from bot.engine.arbitration import OKAY_WORDS, YES_WORDS, asks_for_help_only, only_says_yes, words
from bot.engine.channels.trust import from_customer, shown_buttons
from bot.engine.feedback_words import AND_PREFIXES, OPENING_NO, UNDERSTOOD_WORDS, says_it_did_not_help
from bot.engine.introductions import GREETING, SAYS_THE_NAME, THANKS_WORDS
from bot.helpdesk.text import without_bidi_controls

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 300
MAX_EMAIL_CHARS = 254
TICKET_REFERENCE = re.compile(r"\bT-?(\d{1,9})\b", re.IGNORECASE)


def _one_line(text: str) -> str:
    """Whitespace collapsed to single spaces; control characters (NUL, escapes) and bidi controls
    (which would reorder the agent console's text around a name) dropped."""
    text = without_bidi_controls(text)
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch.isspace()).split())


def clean_email(text: str | None) -> str | None:
    """The address in ``text`` if it is one valid email (surrounding words allowed), else None."""
    if not text:
        return None
    # Hebrew and Arabic keyboards may put a right-to-left mark next to a pasted address.
    candidates = [token.strip("<>()[],;:\"'") for token in without_bidi_controls(text).split()]
    emails = [c for c in candidates if "@" in c]
    if len(emails) != 1 or len(emails[0]) > MAX_EMAIL_CHARS or not EMAIL_PATTERN.match(emails[0]):
        return None
    return emails[0]


# How customers introduce themselves when asked their name ("my name is Mike", "קוראים לי נועה", "اسمي أحمد",
# "jmenuju se Petr"), after greetings: the introduction is not part of the name. Wider than
# bot.engine.introductions on purpose ("I am", "אני", "أنا", "jsem" are safe only as the answer to "What's your
# name?"); "im" only in lower case, as typed in a hurry ("Im" is also a surname).
_ANSWERS_WHAT_IS_YOUR_NAME = (r"the\s+name\s+is|name\s*:|i\s+am|i'm|i’m|it's|it’s|its|it\s+is|this\s+is|אני|أنا|انا|معك|معاك"
                              r"|jm[ée]no\s*:|jsem")
_INTRODUCTION = re.compile(rf"^{GREETING}(?:{SAYS_THE_NAME}|{_ANSWERS_WHAT_IS_YOUR_NAME}|(?-i:im))\s+", re.IGNORECASE)
# Thanks after the name ("Dana, thanks"), in the four languages.
_TRAILING_THANKS = re.compile(rf"[\s,،.!]+(?:{THANKS_WORDS})[\s.!]*$", re.IGNORECASE)


def names_no_problem(text: str | None) -> bool:
    """Whether the message asks for help, says an answer did not work or only says okay, and names no problem
    ("help", "I have a problem", "still not working", "בסדר"): no description of a ticket."""
    return asks_for_help_only(text) or says_it_did_not_help(text) or only_says_yes(text)


# Answers to "What's your name?" that are no name: yes, okay and "got it" words, except the Czech yes and okay that
# are names too (Jo, Ano, Dobrá).
_NO_NAME_WORDS = (YES_WORDS | OKAY_WORDS | UNDERSTOOD_WORDS) - {"jo", "ano", "dobra"}


QUESTION_MARKS = ("?", "؟", "？")
MAX_NAME_WORDS = 10
"""The most words a name has, with room ("محمد بن عبد الله بن عبد العزيز آل سعود" has eight)."""
MIN_SENTENCE_WORDS = 3
TOPIC_WORDS = frozenset({
    "order", "parcel", "package", "refund", "problem", "account", "password", "arrived", "working", "invoice",
    "charged", "wrong", "error", "delivered", "tracking",
    "ההזמנה", "הזמנה", "החבילה", "חבילה", "הגיע", "הגיעה", "עובדת", "בעיה", "החשבון", "הסיסמה", "החשבונית",
    "חשבונית", "בחשבונית", "ההחזר", "החזר", "נכון",
    "طلبي", "الطلب", "الطرد", "وصل", "وصلني", "وصلت", "مشكلة", "يشتغل", "حسابي", "الفاتورة", "فاتورة", "غلط",
    "المبلغ", "الاسترداد",
    "objednavka", "objednavku", "objednavky", "heslo", "ucet", "zasilka", "faktura", "fakture", "fakturu",
    "spatne", "penize", "vraceni",
})
"""What a problem is about, folded as :func:`bot.engine.arbitration.words` folds them; no name has them."""
SENTENCE_WORDS = TOPIC_WORDS | frozenset({
    "my", "is", "are", "was", "were", "this", "that", "have", "has", "had", "want", "need", "why", "how", "what",
    "when", "where", "because", "supposed",
    "זה", "יש", "רוצה", "צריך", "צריכה", "למה", "איך", "איפה", "אפשר", "אבל",
    "في", "هذا", "هذه", "اريد", "ابي", "ابغى", "بدي", "عندي", "لماذا", "كيف", "متى", "وين", "ليش", "ليه", "لكن",
    "mam", "moje", "muj", "neni", "chci", "potrebuji", "potrebuju", "protoze", "proc", "kde", "uz", "jeste",
})
"""Words of a sentence ("my parcel never arrived", "ההזמנה שלי לא הגיעה", "الطلب ما وصلني", "objednávka mi pořád
nedorazila"), two of which are needed. Not the short words that are names too ("I", "the", "can", "לי", "שלי",
"מתי", "עובד", "على", "je", "na", "balík", "ale")."""
NEGATING_WORDS = frozenset({
    "not", "never", "dont", "didnt", "doesnt", "cant", "cannot", "wont", "isnt", "hasnt", "havent", "wasnt",
    "לא", "אין", "ما", "لا", "لم", "مش", "ليس",
})
"""Negations: with what should have happened ("לא הגיע", "ما وصل", "never arrived"), or in a sentence."""
NEGATED_VERBS = frozenset({"nejde", "nefunguje", "nedorazil", "nedorazila", "nedorazilo", "nedoslo", "neprislo",
                           "nemuzu", "nemohu"})
"""Czech says "not" inside the verb: "balík nedorazil"."""
EXPECTED_WORDS = frozenset({
    "arrived", "arrive", "came", "come", "work", "works", "working", "הגיע", "הגיעה", "הגיעו", "עובד", "עובדת",
    "وصل", "وصلت", "وصلني", "يصل", "يوصل", "يشتغل", "اشتغل", "dorazil", "dorazila", "funguje",
})
"""What should have happened, which a negation beside it makes a problem in two words ("Brian Cant" is a name)."""
NAME_WORDS = frozenset({"name", "named", "שם", "שמי", "השם", "קוראים", "اسم", "اسمي", "اسمى", "سميتي", "الاسم", "jmeno",
                        "jmena", "jmenuju", "jmenuji"})
"""An answer about the name itself ("my full name is Dana Cohen"), unless it says what is wrong with it ("my name
is wrong on the invoice")."""
DECLINING_WORDS = frozenset({
    "i", "id", "d", "dont", "do", "not", "no", "want", "wanna", "to", "it", "that", "my", "name", "you", "rather",
    "prefer", "would", "say", "give", "tell", "telling", "share", "know", "needed", "now", "matter", "doesnt", "is",
    "important", "thanks", "sorry", "have", "a", "an", "any", "this", "please", "question", "the",
    "לא", "רוצה", "לי", "לתת", "אני", "לך", "אותו", "על", "בבקשה", "השאלה", "שלא", "מעדיף", "מעדיפה", "להגיד", "לומר", "לשתף", "יודע", "יודעת", "את", "זה", "השם", "שלי", "תודה",
    "משנה", "חשוב", "צריך", "אין", "צורך",
    "ما", "ابي", "ابغى", "بدي", "اريد", "اقول", "اعطي", "اسمي", "افضل", "اعرف", "ادري", "مش", "عايز", "لا", "شكرا", "مهم",
    "يهم", "عندي", "انا", "ان", "ليس", "لدي", "هذا", "السؤال", "بريد",
    "nechci", "nemam", "dat", "rict", "rikat", "uvest", "uvadet", "nevim", "radsi", "ne", "jmeno", "sve", "svuj", "diky",
    "je", "dulezite", "ho", "vam", "zadny", "prosim", "neni", "מעוניין", "מעוניינת", "ارغب",
})
"""Every word of declining to give a name or dismissing the question ("I'd rather not say", "לא רוצה להגיד",
"لا يهم", "nevím"): no problem told, however it negates."""
EMAIL_WORDS = frozenset({"email", "e", "mail", "address", "מייל", "המייל", "אימייל", "האימייל", "כתובת", "ايميل",
                         "الايميل", "بريدي", "البريد", "الالكتروني", "الكتروني", "דוא", "ל", "emailu", "adresu"})
"""What the e-mail question is about, in a refusal to answer it ("I'd rather not give my email", "אין לי דוא"ל")."""
REFUSING_WORDS = frozenset({"no", "not", "dont", "doesnt", "rather", "prefer", "without", "לא", "מעדיף", "מעדיפה", "אין",
                            "בלי", "ما", "ليس", "مش", "لا", "افضل", "بدون", "nechci", "nemam", "ne", "radsi", "nevim",
                            "nereknu", "neni", "bez"})
"""The words that make a message of :data:`DECLINING_WORDS` a refusal ("my name" alone is none)."""
TELLING_WORDS = frozenset({"say", "give", "tell", "telling", "share", "know", "comment", "להגיד", "לומר", "לשתף", "לתת",
                           "אגיד", "יודע", "יודעת", "اقول", "قول", "اعطي", "اعطيك", "اعرف", "ادري", "rict", "rikat", "uvest",
                           "uvadet", "dat", "nereknu"})
PREFERRING_WORDS = frozenset({"rather", "prefer", "מעדיף", "מעדיפה", "افضل", "radsi"})
"""A refusal says what it refuses: the detail (:data:`NAME_WORDS`, :data:`EMAIL_WORDS`), telling it
(:data:`TELLING_WORDS`), a preference or skipping; "I don't want this" or "אני לא רוצה" is cancelling."""
SKIPPING_WORDS = frozenset({"skip", "pass", "none", "דלג", "תדלג", "לדלג", "تخطي", "تخطى", "تجاوز", "سكيب", "preskoc",
                            "preskocit", "vynech", "vynechat"})
"""Skipping the question, also with "this" or "please" ("skip this", "דלג על זה", "přeskoč to"): DIET reads them as
``cancel``."""
REFUSING_ALONE = frozenset({"nechci", "nevim", "nemam", "anonymous", "anonymne"})
"""The one-word refusals besides :data:`SKIPPING_WORDS`, also read as cancelling (DIET reads "nechci" so at 1.0);
"Rather" or "أفضل" alone may be a name."""
SKIP_ANSWERS = frozenset({
    "no", "no thanks", "no thank you", "nope", "rather not", "id rather not",
    "לא", "לא תודה", "אין", "בלי", "מעדיף שלא", "מעדיפה שלא",
    "لا", "لا شكرا", "لا اريد", "بدون",
    "ne", "ne diky", "nechci", "radsi ne",
})
"""Whole answers that leave a detail out as the answer to its question ("no thanks", "לא תודה", "لا أريد", "nechci"),
compared without case, accents or punctuation (DIET reads most of them as deny)."""
DECLINABLE_DETAILS = ("customer_name", "customer_email")
"""The details a customer may keep to themselves; the problem's description is what the ticket is for."""


def _is_a_skip_answer(text: str) -> bool:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and (ch.isalnum() or ch.isspace()))
    return " ".join(letters.split()) in SKIP_ANSWERS


def tells_more_of_the_problem(text: str) -> bool:
    """Whether the answer to "What's your name?" is a sentence about the problem rather than a name: a negation
    with what should have happened or a Czech negated verb ("לא הגיע", "balík nedorazil"), a negation in three
    words or more, three words two of which are :data:`SENTENCE_WORDS`, or more than :data:`MAX_NAME_WORDS`
    words; judged without the introduction ("my name is Brian Cant" is a name), and never a question, an
    e-mail address, a cry for help without a topic, only declining (:data:`DECLINING_WORDS`), or an answer
    about the name that names no topic (:data:`NAME_WORDS`, :data:`TOPIC_WORDS`). Outside hours the customer's problem typed there became their name
    on the ticket."""
    if "@" in text or _is_asked(text) or names_no_problem(text):
        return False
    found = words(text.replace("'", "").replace("’", ""))  # "don't" is "dont"
    if all(word in DECLINING_WORDS for word in found):
        return False
    if not any(word in TOPIC_WORDS for word in found) and any(word in NAME_WORDS for word in found):
        return False
    # Judged without the introduction, and without a "no" answering the bot ("لا، اسمي أحمد").
    rest = _INTRODUCTION.sub("", OPENING_NO.sub("", _one_line(text), count=1), count=1)
    found = words(rest.replace("'", "").replace("’", ""))
    typed = len(rest.split())  # numbers count here ("order 88812"), though they are no words
    negations = [index for index, word in enumerate(found)
                 if word in NEGATING_WORDS or (word.startswith(AND_PREFIXES) and word[1:] in NEGATING_WORDS)]
    expected_negated = any(found[index + 1:index + 2] and found[index + 1] in EXPECTED_WORDS for index in negations)
    return (typed > MAX_NAME_WORDS or expected_negated or any(word in NEGATED_VERBS for word in found)
            or (bool(negations) and typed >= MIN_SENTENCE_WORDS)
            or (typed >= MIN_SENTENCE_WORDS and sum(word in SENTENCE_WORDS for word in found) >= 2))


def declines_to_give(text: str, read_as_cancelling: bool = False) -> bool:
    """Whether the answer to "What's your name?" or "Which e-mail address…?" declines to give it ("skip", "I'd rather
    not say", "לא רוצה להגיד", "لا أريد أقول", "nechci", "it doesn't matter"): the detail is skipped.

    DIET reads many of these as ``cancel``, which used to cancel the whole escalation while a person was waiting
    to help. Read so (``read_as_cancelling``), a refusal must say what it refuses, the detail, telling it, a
    preference or skipping: "I don't want this", "אני לא רוצה" or "לא משנה" (Hebrew's never mind) cancel. Read
    otherwise, any refusal is one: "לא רוצה" or "not now" would else become the customer's name."""
    if not read_as_cancelling and _is_a_skip_answer(text):
        return True
    found = words(text.replace("'", "").replace("’", ""))  # "don't" is "dont"
    if len(found) == 1:
        return found[0] in SKIPPING_WORDS or found[0] in REFUSING_ALONE
    allowed = DECLINING_WORDS | REFUSING_WORDS | NAME_WORDS | EMAIL_WORDS | SKIPPING_WORDS | TELLING_WORDS | PREFERRING_WORDS
    refuses = (any(word in REFUSING_WORDS or word in SKIPPING_WORDS for word in found)
               and all(word in allowed for word in found))
    if not read_as_cancelling:
        return refuses
    return refuses and any(word in NAME_WORDS or word in EMAIL_WORDS or word in SKIPPING_WORDS or word in TELLING_WORDS
                           or word in PREFERRING_WORDS for word in found)


def declined_detail(events: Iterable[dict[str, Any]], text: str) -> str | None:
    """The detail the form had asked for (the last ``requested_slot`` set) when ``text``, read as cancelling,
    declines to give it ("I'd rather not say", "skip this"): the form goes on without it instead; else None."""
    asked = next((event.get("value") for event in reversed(list(events))
                  if event.get("event") == "slot" and event.get("name") == "requested_slot" and event.get("value")), None)
    return asked if asked in DECLINABLE_DETAILS and declines_to_give(text, read_as_cancelling=True) else None


def says_the_name(text: str) -> bool:
    """Whether the message says it is giving a name ("my name is Noa Cohen", "קוראים לי נועה", "اسمي أحمد",
    "jmenuju se Petr"), not only how to be called ("call me around noon")."""
    return any(word in NAME_WORDS for word in words(text))


def asks_something(text: str) -> bool:
    """Whether the answer to "What's your name?" is a question about the problem ("is my order 88812 going to
    arrive today?"): a question with a topic word or a number, not about the name ("why do you need my name?")."""
    return (_is_asked(text) and len(text.split()) >= MIN_SENTENCE_WORDS
            and (any(ch.isdigit() for ch in text) or any(word in TOPIC_WORDS for word in words(text))))


def _is_asked(text: str) -> bool:
    return any(mark in text for mark in QUESTION_MARKS)


def _no_name(name: str) -> bool:
    """Whether what was typed as a name asks for help, says an answer did not work, or is only a yes, an okay
    or a "got it" (a name that is a yes word too aside)."""
    found = words(name)
    return (asks_for_help_only(name) or says_it_did_not_help(name)
            or (bool(found) and all(word in _NO_NAME_WORDS for word in found)))


def clean_name(text: str | None) -> str | None:
    """A display name: printable, 1..100 characters, not a command, an email, a cry for help or a question;
    without the introduction around it ("my name is Mike O'Brien, thanks" is Mike O'Brien), and capitalised
    when typed all in lower case ("its sarah" is Sarah)."""
    if not text:
        return None
    name = _one_line(text)
    if not name or len(name) > MAX_NAME_CHARS or name.startswith("/") or "@" in name:
        return None
    name = _TRAILING_THANKS.sub("", _INTRODUCTION.sub("", name, count=1)).rstrip(",!").strip()
    if not any(ch.isalpha() for ch in name) or _no_name(name) or _is_asked(name):
        return None
    return name.title() if name == name.lower() and name != name.upper() else name


def clean_description(text: str | None) -> str | None:
    """A one-line issue description, cut to 300 characters on a word boundary."""
    if not text:
        return None
    line = _one_line(text)
    if not line or line.startswith("/"):
        return None
    if len(line) > MAX_DESCRIPTION_CHARS:
        line = line[: MAX_DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return line


def ticket_reference_in(text: str | None) -> str | None:
    """The first ticket reference in ``text`` as the helpdesk writes it (``T-1042``): any case, with or
    without the hyphen, and in any script's digits (an Arabic keyboard types ``T-١٠٤٢``); else ``None``."""
    match = TICKET_REFERENCE.search(text or "")
    if match is None:
        return None
    return "T-" + "".join(str(unicodedata.digit(ch)) for ch in match.group(1))


def _intent_name(user_event: dict[str, Any]) -> str | None:
    return ((user_event.get("parse_data") or {}).get("intent") or {}).get("name")


def _timestamp(event: dict[str, Any]) -> str:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc).isoformat()


def transcript_from_events(events: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Customer and bot turns of a Rasa tracker, oldest first, for the agent's context.

    A bot line shows its buttons after its text ("Did you mean: [Return window] [None of these]"), and a
    click (a ``/payload``) shows the title of the button clicked, else the intent, so the agent sees
    what was offered and what the customer chose.
    """
    transcript = []
    offered: dict[str, str] = {}  # the latest bot line's buttons, payload -> title
    for event in events:
        kind = event.get("event")
        text = event.get("text")
        if from_customer(event) and text:
            if text.startswith("/"):
                text = f"[{offered.get(text) or _intent_name(event) or text[1:]}]"
            transcript.append({"author": "customer", "text": text, "timestamp": _timestamp(event)})
        elif kind == "bot" and text:
            data = event.get("data") or {}
            author = "agent" if (data.get("custom") or {}).get("from") == "agent" else "bot"
            buttons = [button for button in shown_buttons(event) if button.get("title")]
            offered = {str(button["payload"]): str(button["title"]) for button in buttons}
            if buttons:
                text = f"{text} " + " ".join(f"[{button['title']}]" for button in buttons)
            transcript.append({"author": author, "text": text, "timestamp": _timestamp(event)})
    return transcript


def _typed_by_customer(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The customer's own typed messages (not button payloads), oldest first."""
    return [event for event in events
            if from_customer(event) and event.get("text") and not event["text"].startswith("/")]


_QUESTION_INTENTS = ("ask_question", "nlu_fallback", None)


def last_unanswered_question(events: Iterable[dict[str, Any]]) -> str | None:
    """The customer's latest free-text message that the KB could not answer well, if any.

    A complaint right after a question is about that question's answer ("where is my parcel?", then
    "i already did all that. get me a human"): both, the question first, since it names the problem."""
    typed = _typed_by_customer(events)
    candidates = [index for index, event in enumerate(typed)  # "help" alone names no problem
                  if _intent_name(event) in (*_QUESTION_INTENTS, "complain") and not names_no_problem(event.get("text"))]
    if not candidates:
        return None
    latest = candidates[-1]
    text = typed[latest]["text"]
    before = typed[latest - 1] if latest > 0 else None
    if (before is not None and _intent_name(typed[latest]) == "complain" and _intent_name(before) in _QUESTION_INTENTS
            and not names_no_problem(before.get("text"))):
        text = f"{before['text']} — {text}"
    return clean_description(text)


def last_customer_words(events: Iterable[dict[str, Any]]) -> str | None:
    """The customer's latest typed message (not a button), one line: what an inbox shows of a conversation."""
    typed = _typed_by_customer(events)
    return clean_description(typed[-1]["text"]) if typed else None


def earlier_complaints(events: Iterable[dict[str, Any]]) -> int:
    """How often the customer complained before their latest message (for repeated-complaint frustration)."""
    earlier = [event for event in events if from_customer(event)][:-1]
    return sum(1 for event in earlier if _intent_name(event) == "complain")


def customer_spoke_since(events: Iterable[dict[str, Any]], action_name: str) -> bool:
    """Whether the customer wrote after the last run of ``action_name`` (true when it never ran): a form
    whose every slot was known when it started asked nothing, and has nothing to thank them for."""
    spoke = True
    for event in events:
        if event.get("event") == "action" and event.get("name") == action_name:
            spoke = False
        elif from_customer(event):
            spoke = True
    return spoke


def set_since_customer_wrote(events: Iterable[dict[str, Any]], slot: str) -> bool:
    """Whether ``slot`` got a value after the customer's last message: set by this turn's actions, not
    left from an earlier turn."""
    set_now = False
    for event in events:
        if from_customer(event):
            set_now = False
        elif event.get("event") == "slot" and event.get("name") == slot:
            set_now = event.get("value") is not None
    return set_now


def customer_has_left(events: Iterable[dict[str, Any]], now: float, idle_seconds: float = 3600) -> bool:
    """True when the customer said goodbye last or has been silent for ``idle_seconds``.

    Used to avoid asking questions (the effort score) of someone who is no longer there.
    """
    last_user = None
    for event in events:
        if from_customer(event):
            last_user = event
    if last_user is None:
        return True
    return _intent_name(last_user) == "goodbye" or now - float(last_user.get("timestamp") or 0) > idle_seconds

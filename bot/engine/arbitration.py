"""Arbitration between intents with a fixed reply and knowledge-base questions (pure functions, standard library only).

An intent with a fixed reply (``cancel``, ``deny``, ``greet``, ``goodbye``, ``check_ticket_status``, a score
``rate_effort``, ...) answers without reading the message, so when DIET picks one for a real question the
customer gets "Okay, anything else?", a greeting, "I can't find a ticket" or even a fresh start instead of an
article: "the box was empty" read as a score, "Dobrý den, je možné u vás platit na dobírku?" as a greeting,
"امسحوا معلوماتي من عندكم" (delete my data) as starting over, "הגדרות התראות" (notification settings) as goodbye.
(``out_of_scope`` needs no arbitration: its rule sends it to the knowledge base, whose domain model decides
whether "outside what I can help with" is the honest reply.) DIET's confidence does not tell these apart: it
gives 0.99 and more to questions that share one word with an intent's examples ("zrušit", "התראות" next to
"להתראות"). What does tell them apart is the vocabulary: such messages are short and made of the words their
intent is trained on ("cancel that", "no thanks", "ticket status", "hi there"), while a question brings
words of its own ("dobírku", "box", "empty"). So the picked intent is overruled, and the message goes to the
knowledge base, when it carries at least ``min_topic_words`` **topic words**: words that neither that
intent's training examples use nor the examples of ``COMMON_WORD_INTENTS`` or more intents (those are the
language's glue, "to", "you", "je", "של", "في", which say nothing about a topic).

Measured with ``python -m bot bench-routing`` on the shipped KB's example questions, which customers ask
and none of which is a control message (4,170 in four languages, tuned on half and read on the other): the
share DIET sends to a fixed reply fell from 4.9 % to 0.8 %, while none of 338 control messages from the
conversation tests and a hand-written set was overruled, except two free-text answers to the effort
question, which the open survey takes as its answer all the same (docs/knowledge-base.md, "Questions that
look like control intents").

A second check covers every intent with a fixed reply: a short message (at most
``MAX_UNKNOWN_MESSAGE_WORDS`` words) none of whose words that intent's training examples use, even
misspelt by one letter, is not that intent. DIET's character n-grams otherwise give a confident intent to
words it has never seen: the name "Dana Levi" read as ``goodbye``, "banana" as ``request_human``, the
Arabic names "عمر" as ``cancel`` and "خالد العتيبي" as ``switch_language``, which would cancel the form or
switch the language instead of taking the answer. Such a message becomes ``nlu_fallback`` too: inside a
form it is the answer to the question asked, outside one it goes to the knowledge base.

A complaint (``complain``) is arbitrated too, but it keeps the message whenever the message uses a word that
only complaints use (``OWN_WORD_INTENTS``): DIET reads some KB questions as a complaint at 1.0 ("מדיניות
החזרות כמה ימים", returns policy how many days; "faktura na firmu s dic"), and the customer got a ticket and
a person instead of the article, while "the refund took three weeks, unacceptable" names a topic too but
says a complaint's word. A complaint without such a word that reaches the knowledge base still meets the
frustration check there (``bot.escalation.triggers``), which starts the escalation instead of answering.

Asking for a person (``request_human``) is arbitrated the same way, and keeps every message that names a
person or a way to reach one (``PERSON_WORDS``: "someone", "agent", "נציג", "موظف", "člověk", "talk", "اكلم").
DIET read dialect Arabic "I want …" as a request for a person ("ابي الغي حسابي", I want to close my account;
"بدي بدل اللون", I want another colour), and the customer got the escalation form instead of the article; "I
need to speak to someone about my refund" names a topic too, but a person as well, and still reaches one.

The Rasa component that applies this is ``bot.engine.nlu.ControlIntentArbiter``.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.engine.feedback_words import UNDERSTOOD_PHRASES, UNDERSTOOD_WORDS
from bot.language import ARABIC_ATTACHED_PREFIX, HEBREW_ATTACHED_PREFIX

ARBITRATED_INTENTS = (
    "cancel", "deny", "check_ticket_status", "bot_challenge", "switch_language", "restart",
    "greet", "goodbye", "thank", "rate_effort", "reject_suggestions", "complain", "request_human",
)
"""Intents whose reply ignores what the message says, and ``complain`` and ``request_human`` (a ticket and a
person, see ``OWN_WORD_INTENTS`` and ``PERSON_WORD_INTENTS``). Not ``affirm`` ("yes, that fixed my password"
is a yes), nor ``withdraw_request``, whose action answers from the knowledge base when nothing is waiting."""
IRREVERSIBLE_INTENTS = ("restart",)
"""Arbitrated intents whose reply cannot be undone (a restart wipes the conversation): one topic word is
enough to overrule them. "i tried again from the start", "ניסיתי שוב מההתחלה", "zkusil jsem to znovu od
začátku" say what the customer did, with one word of their own, and DIET read them as restart at 1.0; a
customer who wants to start over says only that ("start over please", "خلينا نبدأ من جديد")."""
OWN_WORD_INTENTS = ("complain",)
"""Arbitrated intents that keep a message using a word no other intent's examples use ("unacceptable",
"נמאס", "مهزلة", "naštvaná"): a complaint that names a topic is still a complaint."""
PERSON_WORD_INTENTS = ("request_human",)
"""Arbitrated intents that keep a message naming a person or a way to reach one (:data:`PERSON_WORDS`):
"I need to speak to someone about my refund" names a topic and is still a request for a person. A list rather
than the words only their examples use: those are few ("representative") and miss the common ones ("someone",
"person", "talk"), which other intents' examples use too ("am I talking to a person?")."""
PERSON_NOUNS = frozenset({
    "human", "person", "agent", "representative", "rep", "operator", "someone", "somebody", "staff", "manager",
    "supervisor", "employee",
    "נציג", "נציגה", "בנאדם", "מישהו", "מישהי", "מנהל", "מנהלת",
    "موظف", "موظفة", "انسان", "شخص", "بنادم", "مدير", "مسوول", "ممثل", "مندوب",
    "osoba", "osobu", "nekdo", "nekoho", "zamestnance", "pracovnika", "vedouciho", "manazera",
})
"""What a customer types alone to get a person, as to a phone menu ("ČLOVĚK!!!", "נציג!", "موظف"), folded
as :func:`words` folds them; with :data:`PERSON_NOUN_STEMS` ("člověka", "operátorku"). Not "אדם" nor "آدم"
(a person, and the name Adam: the answer to "What's your name?")."""
PERSON_NOUN_STEMS = ("clovek", "operator")
PERSON_WORDS = PERSON_NOUNS | frozenset({
    # English
    "humans", "agents", "anyone", "anybody", "advisor", "adviser", "talk", "talking", "speak", "speaking", "call",
    "callback", "connect", "transfer", "through", "escalate", "live",
    # Hebrew
    "נציגים", "נציגת", "אדם", "אנושי", "אנושית", "אחראי", "לדבר", "ידבר", "תדבר", "להתקשר", "יתקשר", "יתקשרו",
    "תתקשרו", "תעביר", "תעבירו", "תעבירי", "צוות",
    # Arabic (hamza folded: "مسؤول" is "مسوول"). "حد" and "احد" (someone) are also "limit" and "Sunday" ("الحد",
    # "الاحد"): a question read as a request for a person that says them stays one, as before this check
    "موظفين", "بشري", "حد", "حدا", "حدن", "احد", "اتحدث", "التحدث", "اتواصل", "حولني", "حولوني", "تحولني", "وصلوني",
    "فريق",
    # Czech (diacritics folded)
    "osobou", "osobe", "nekym", "nekomu", "mluvit", "promluvit", "hovorit", "zavolat", "spojte", "spojit", "zivy",
    "ziva", "zivou", "zivym", "ziveho",
})
"""Words that name a person (:data:`PERSON_NOUNS`) or the way to reach one, as :func:`words` folds them, also
behind Hebrew and Arabic attached prefixes ("לנציג", "שמישהו", "بموظف", "الموظف"). Not "phone" ("lost my
phone") nor "תחבר" (connect me), which is also "להתחבר", to log in."""
PERSON_STEMS = PERSON_NOUN_STEMS + (
    "اكلم", "يكلم", "تكلم", "اتكلم", "احكي", "يتصل", "اتصلو", "كلموني",
    "zamestnan", "pracovnik", "pracovnic", "vedouci", "manazer", "zavolej", "prepoj",
)
"""Beginnings of words that name a person or the way to reach one, whatever follows ("اكلمه", talk to him;
"člověkem", "operátorku"); not "كلم", which begins "كلمة" (word, as in password)."""
_PREFIXED = re.compile(f"{HEBREW_ATTACHED_PREFIX}|{ARABIC_ATTACHED_PREFIX}")
_TO_OR_THE = re.compile("ל|ה|ال|ل|لل")
"""The attached prefixes a person demanded alone may have ("לנציג!", to an agent; "الموظف", the employee); not
"from", "as", "with" or "and" ("ממנהל", from a manager; "كشخص", as a person)."""
DEMAND_WORDS = frozenset({
    "a", "an", "the", "real", "live", "actual", "please", "pls", "plz", "now", "asap", "i", "want", "need",
    "בן", "אמיתי", "אנושי", "בבקשה", "עכשיו", "רוצה", "צריך", "צריכה",
    "بني", "حقيقي", "بشري", "لو", "سمحت", "الان", "ابغى", "اريد", "بدي", "عايز", "ابغي",
    "zivy", "ziveho", "zivou", "skutecny", "skutecneho", "opravdoveho", "nejakeho", "prosim", "ted", "hned", "chci",
    "potrebuju", "potrebuji",
})
"""Words that may stand next to the person demanded and add no question ("a real person please", "chci
člověka", "اريد موظف"). Not "I" in Hebrew, Arabic or Czech, which have no "am" ("אני מנהל", "انا موظف": I am
a manager, an employee), nor "من" (please, but also who) and "ابي" (I want, but also my father)."""
MAX_DEMAND_WORDS = 4
QUESTION_WORDS = frozenset({
    "question", "questions", "שאלה", "שאלות", "سوال", "اسيلة", "استفسار", "dotaz", "dotazy", "dotazu", "otazku",
})
"""A question announced before it is asked ("I have a question", "עוד שאלה", "ještě jeden dotaz"), folded as
:func:`words` folds them: a new question, never a no to the last answer."""
HELP_WORDS = QUESTION_WORDS | frozenset({
    "help", "problem", "problems", "issue", "issues", "stuck", "trouble", "assistance",
    "עזרה", "בעיה", "בעייה", "בעיות", "תקוע", "תקועה", "נתקעתי", "לעזור", "תעזור", "תעזרי", "תעזרו", "עזרו",
    "مساعدة", "مساعده", "المساعدة", "مساعدتك", "مشكلة", "مشكله", "مشاكل", "ساعدوني", "تساعدني", "عالق", "عالقة",
    "pomoc", "pomoct", "pomoci", "pomozte", "pomuzete", "poradit", "problemu", "problemy", "zaseknuty", "zasekl",
    "zasekla",
})
"""What a customer says to ask for help before saying with what ("help", "I'm stuck", "יש לי בעיה", "عندي سؤال",
"mám problém"), folded as :func:`words` folds them. Not "ساعدني", which is "help me" and also "it helped me" (a yes
to "Did that help?")."""
HELP_FILLER_WORDS = frozenset({
    "i", "im", "m", "ive", "ve", "s", "am", "a", "an", "have", "having", "got", "need", "with", "something", "please",
    "pls", "plz", "can", "could", "you", "your", "me", "there", "is", "hi", "hello", "hey", "some", "small", "quick",
    "little", "want", "would", "like", "yes", "another", "one", "more", "so",
    "אני", "יש", "לי", "צריך", "צריכה", "רוצה", "בבקשה", "היי", "שלום", "אפשר", "קצת", "משהו", "כן", "עוד", "אחת", "כמה",
    "קטנה",
    "انا", "عندي", "عندى", "لدي", "محتاج", "محتاجة", "احتاج", "الى", "ابغى", "ابي", "اريد", "بدي", "ممكن", "من", "فضلك",
    "لو", "سمحت", "مرحبا", "اهلا", "السلام", "عليكم", "لي", "نعم", "كمان", "اخر", "عندنا", "صغيرة", "ارجوك", "رجاء",
    "بليز",
    "mam", "potrebuju", "potrebuji", "chci", "prosim", "o", "dobry", "den", "ahoj", "muzete", "mi", "jsem", "se",
    "nejaky", "nejakou", "jeden", "jednu", "maly", "malou", "ano", "jeste", "dalsi", "par",
})
"""Words that may stand around :data:`HELP_WORDS` and name no topic ("I need some help please", "أحتاج مساعدة
من فضلك"). Not "no", "still" or "not" ("no problem", "still stuck": an answer to the bot, or a miss)."""
MAX_HELP_WORDS = 8
YES_WORDS = frozenset({
    "yes", "yeah", "yep", "yup", "sure", "כן", "בטח", "בטוח", "نعم", "ايوه", "ايوا", "اه", "اكيد", "ano", "jo",
    "jasne", "urcite",
})
"""A yes, as :func:`words` folds it: "yes, I have another question" answers "Anything else?"."""
OKAY_WORDS = frozenset({
    "ok", "okay", "okey", "alright", "fine", "אוקיי", "אוקי", "בסדר", "סבבה", "اوكي", "تمام", "طيب", "ماشي",
    "dobre", "dobra",
})
"""An okay: a yes to a question, or only an acknowledgement ("סבבה" to "Sure, I'll continue in Hebrew")."""
MAX_YES_WORDS = 3
HELP_ME = frozenset({"ساعدني", "ساعدنى"})
""""Help me", which is also "it helped me" (a yes to "Did that help?"): a request for help only beside a word
that asks (:data:`ASKING_WORDS`), or with nothing open to answer."""
ASKING_WORDS = frozenset({"فضلك", "سمحت", "ممكن", "ارجوك", "رجاء", "بليز"})
KNOWN_WORD_INTENTS = (
    "greet", "goodbye", "thank", "bot_challenge", "affirm", "deny", "cancel", "restart", "request_human",
    "complain", "check_ticket_status", "reject_suggestions", "switch_language", "rate_effort",
)
"""Intents with a fixed reply, checked for a known word; questions (``ask_question``, ``out_of_scope``)
go to the knowledge base anyway."""
MAX_UNKNOWN_MESSAGE_WORDS = 3
"""Longer messages carry enough context for DIET; names and stray words are short."""
MIN_TOPIC_WORDS = 2
"""One topic word is tolerated ("ok cancel", "zrušit objednávku", "السلام عليكم يا جماعة"): a stray word does
not make a question."""
COMMON_WORD_INTENTS = 3
"""A word the examples of this many intents use is the language's glue, not a topic."""

_WORD = re.compile(r"\w+")
_EMAIL_ADDRESS = re.compile(r"\S+@\S+")
EMAIL_WORD = "emailaddress"
"""What an e-mail address counts as: one word, no topic (its parts are not four topics), and no intent's."""


def words(text: str) -> list[str]:
    """Lower-cased words without diacritics ("Zrušit" and "zrusit" are one word); numbers are not words
    (a ticket reference like T-1042 is not a topic), and an e-mail address is one (so "status of my
    tickets for jana.novakova@seznam.cz" stays a status question, and a bare address stays no intent's)."""
    decomposed = unicodedata.normalize("NFKD", _EMAIL_ADDRESS.sub(f" {EMAIL_WORD} ", (text or "").casefold()))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return [word for word in _WORD.findall(plain) if any(ch.isalpha() for ch in word)]


def topic_words(text: str, known: frozenset[str]) -> list[str]:
    """The words of ``text`` not in ``known`` (see :func:`known_words`): what the message is about, if
    anything (an e-mail address says whose, not what about)."""
    return [word for word in words(text) if word not in known and word != EMAIL_WORD]


def intent_vocabularies(examples: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Every word each intent's training examples use, from ``(intent, text)`` pairs."""
    found: dict[str, set[str]] = {}
    for intent, text in examples:
        found.setdefault(intent, set()).update(words(text))
    return {intent: frozenset(vocabulary) for intent, vocabulary in found.items()}


def _intents_using(vocabularies: Mapping[str, frozenset[str]]) -> Counter[str]:
    """Per word, how many intents' examples use it."""
    return Counter(word for vocabulary in vocabularies.values() for word in vocabulary)


def common_words(vocabularies: Mapping[str, frozenset[str]], min_intents: int = COMMON_WORD_INTENTS) -> frozenset[str]:
    """The words the examples of at least ``min_intents`` intents use ("to", "you", "je", "של", "في")."""
    return frozenset(word for word, count in _intents_using(vocabularies).items() if count >= min_intents)


def known_words(vocabularies: Mapping[str, frozenset[str]], intents: Iterable[str]) -> dict[str, frozenset[str]]:
    """Per intent in ``intents``: the words that are no topic for it, its own examples' words and the common
    ones; ``vocabularies`` covers every intent of the training data, as :func:`intent_vocabularies` gives it."""
    common = common_words(vocabularies)
    return {intent: vocabularies.get(intent, frozenset()) | common for intent in intents}


def own_words(vocabularies: Mapping[str, frozenset[str]], intents: Iterable[str]) -> dict[str, frozenset[str]]:
    """Per intent in ``intents``: the words its examples use and no other intent's do (a complaint's
    "ridiculous", "מגוחך"); ``vocabularies`` as for :func:`known_words`."""
    intents_using = _intents_using(vocabularies)
    return {intent: frozenset(word for word in vocabularies.get(intent, frozenset()) if intents_using[word] == 1)
            for intent in intents}


def demands_a_person(text: str | None) -> bool:
    """Whether the message only names a person (:data:`PERSON_NOUNS`, with :data:`DEMAND_WORDS`): a request
    for one. DIET read the Czech "ČLOVĚK!!!" (a person!) as asking whether the bot is human, whose examples
    say "člověk" too; a question ("human?", "člověk?", "مين معي؟") is left to DIET, which tells those apart, and
    so is a message with a number ("agent 2", "employee 4471": a menu's choice, someone's id)."""
    text = text or ""
    if any(mark in text for mark in "?؟") or any(ch.isdigit() for ch in text):
        return False
    found = words(text)
    if not 0 < len(found) <= MAX_DEMAND_WORDS or not any(_is_person_noun(word) for word in found):
        return False
    return all(word in DEMAND_WORDS or _is_person_noun(word) for word in found)


def asks_for_help_only(text: str | None) -> bool:
    """Whether the message asks for help without saying with what ("help", "I have a problem", "im stuck",
    "אני צריך עזרה", "عندي مشكلة", "potřebuju pomoct"): the bot should ask what it is about. DIET read these as
    a complaint (a ticket at once), a goodbye or "never mind, it's sorted"."""
    if any(ch.isdigit() for ch in text or ""):
        return False  # an order or ticket number is a topic ("problem with 4471")
    found = words(text or "")
    asking = any(word in ASKING_WORDS for word in found)
    help_words = HELP_WORDS | HELP_ME if asking else HELP_WORDS  # "ساعدني من فضلك": help me, please
    return _only_asks_with(found, help_words)


def says_help_me(text: str | None) -> bool:
    """Whether the message is "help me" (:data:`HELP_ME`) with nothing more, which with no question open is a
    request for help, not the yes DIET reads."""
    return _only_asks_with(words(text or ""), HELP_ME)


def _only_asks_with(found: list[str], help_words: frozenset[str]) -> bool:
    """Whether the words are a few of ``help_words`` among :data:`HELP_FILLER_WORDS` and nothing else."""
    return (0 < len(found) <= MAX_HELP_WORDS and any(word in help_words for word in found)
            and all(word in help_words or word in HELP_FILLER_WORDS for word in found))


def only_says_yes(text: str | None) -> bool:
    """Whether the message is only a yes, an okay or a "got it" ("okay", "אוקיי", "تمام", "dobře", "ok got it",
    "הבנתי"), not asked ("בטוח?", are you sure?): DIET read "okay" and "אוקיי" as nothing it knew (the KB then
    said it was out of scope, also in the middle of a guide's steps), "בסדר" as a rating, "fine" as withdrawing
    the request."""
    if "?" in (text or "") or "؟" in (text or ""):
        return False
    found = words(text or "")
    understood = any(tuple(found[start:start + len(phrase)]) == phrase
                     for phrase in UNDERSTOOD_PHRASES for start in range(len(found)))
    return (0 < len(found) <= MAX_YES_WORDS
            and all(word in YES_WORDS or word in OKAY_WORDS or word in UNDERSTOOD_WORDS for word in found)
            and (understood or any(word in YES_WORDS or word in OKAY_WORDS for word in found)))


def says_yes(text: str | None) -> bool:
    """Whether the message has a yes in it (:data:`YES_WORDS`), not only an okay."""
    return any(word in YES_WORDS for word in words(text or ""))


def announces_a_question(text: str | None) -> bool:
    """Whether the message announces a question (:data:`QUESTION_WORDS`) rather than a problem."""
    return any(word in QUESTION_WORDS for word in words(text or ""))


def _is_person_noun(word: str) -> bool:
    return _is_one_of(word, PERSON_NOUNS, PERSON_NOUN_STEMS, prefixes=_TO_OR_THE)


def names_a_person(word: str) -> bool:
    """Whether ``word`` (as :func:`words` gives it) is one of :data:`PERSON_WORDS`, also behind attached
    prefixes, or begins like one of :data:`PERSON_STEMS`."""
    return _is_one_of(word, PERSON_WORDS, PERSON_STEMS)


TALK_WORDS = frozenset({
    "talk", "talking", "speak", "speaking", "לדבר", "ידבר", "תדבר", "اتحدث", "التحدث", "mluvit", "promluvit",
    "hovorit",
})
"""The words of :data:`PERSON_WORDS` that only say talking, with :data:`TALK_STEMS`: "with whom" names a person,
"about what" a topic."""
TALK_STEMS = ("اكلم", "يكلم", "تكلم", "اتكلم", "احكي")
ABOUT_WORDS = frozenset({"about", "על", "عن", "حول", "بخصوص", "بشان", "o", "ohledne"})
"""What follows talking about a topic ("talk about my invoice", "לדבר על", "التحدث عن الفاتورة", "mluvit o
faktuře"), folded as :func:`words` folds them."""
TO_THE_BOT = frozenset({"to", "with", "you", "u", "ya", "guys", "s", "vami", "tebou", "איתך", "אתך", "איתכם", "معك",
                        "معاك", "معكم", "si"})
"""What may stand between talking and "about" and name nobody but the bot ("talk to you about", "mluvit s vámi
o", "promluvit si o"); any other word names someone ("talk to support about my invoice")."""


def names_a_person_in(message_words: list[str]) -> bool:
    """Whether a word of the message names a person or the way to reach one (:func:`names_a_person`), talking
    about something aside: "أريد التحدث عن الفاتورة" (I want to talk about the invoice) and "chci mluvit o
    faktuře" are questions about invoices, which DIET read as requests for a person; in "talk to someone about
    my invoice" the someone still names one."""
    return any(names_a_person(word) and not _talks_about(message_words, index)
               for index, word in enumerate(message_words))


def _talks_about(message_words: list[str], index: int) -> bool:
    if not _is_one_of(message_words[index], TALK_WORDS, TALK_STEMS):
        return False
    for word in message_words[index + 1:]:
        if word in ABOUT_WORDS:
            return True
        if word not in TO_THE_BOT:
            return False
    return False


def _is_one_of(word: str, whole: frozenset[str], stems: tuple[str, ...], prefixes: re.Pattern = _PREFIXED) -> bool:
    """Whether ``word``, or what is left of it after one of ``prefixes``, is one of ``whole`` or begins like
    one of ``stems``."""
    return any(form in whole or form.startswith(stems) for form in _unprefixed(word, prefixes))


def _unprefixed(word: str, prefixes: re.Pattern) -> list[str]:
    """``word`` and what is left of it after each attached prefix it may start with (``prefixes``, by default
    :data:`bot.language.HEBREW_ATTACHED_PREFIX` and its Arabic twin), so "למישהו" gives "מישהו" as well as "ישהו"."""
    return [word] + [word[end:] for end in range(1, min(len(word), 5)) if prefixes.fullmatch(word[:end])]


def _one_edit_apart(word: str, known: str) -> bool:
    """Equal after one substitution, insertion, deletion or swap of neighbours ("thnks", "cancle")."""
    if abs(len(word) - len(known)) > 1 or word == known:
        return word == known
    if len(word) == len(known):
        differences = [i for i, (a, b) in enumerate(zip(word, known, strict=True)) if a != b]
        return len(differences) == 1 or (
            len(differences) == 2 and differences[1] == differences[0] + 1
            and word[differences[0]] == known[differences[1]] and word[differences[1]] == known[differences[0]]
        )
    shorter, longer = sorted((word, known), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def knows_a_word(text: str, vocabulary: frozenset[str]) -> bool:
    """Whether a word of ``text`` is in ``vocabulary``, or one letter from a known word of five or more letters (shorter ones collide: "حداد", a surname, and "حدا", "someone")."""
    for word in words(text):
        if word in vocabulary:
            return True
        if len(word) >= 5 and any(_one_edit_apart(word, known) for known in vocabulary if abs(len(known) - len(word)) <= 1):
            return True
    return False


def unknown_to_intent(text: str, intent: str, vocabularies: dict[str, frozenset[str]]) -> bool:
    """True when a short message shares no word with ``intent``'s examples, so cannot be that intent
    (see the module doc). Messages without words (numbers, emoji, button payloads) are left alone."""
    if intent not in KNOWN_WORD_INTENTS or intent not in vocabularies or (text or "").startswith("/"):
        return False
    message_words = words(text)
    if not message_words or len(message_words) > MAX_UNKNOWN_MESSAGE_WORDS:
        return False
    return not knows_a_word(text, vocabularies[intent])


@dataclass(frozen=True)
class Arbitration:
    """When an intent with a fixed reply gives way to the knowledge base (see the module doc)."""

    intents: frozenset[str] = frozenset(ARBITRATED_INTENTS)
    min_topic_words: int = MIN_TOPIC_WORDS
    own_word_intents: frozenset[str] = frozenset(OWN_WORD_INTENTS)
    irreversible_intents: frozenset[str] = frozenset(IRREVERSIBLE_INTENTS)
    person_word_intents: frozenset[str] = frozenset(PERSON_WORD_INTENTS)

    def reads_as_question(self, text: str, intent: str, known: Mapping[str, frozenset[str]],
                          own: Mapping[str, frozenset[str]]) -> bool:
        """True when ``intent`` (DIET's pick) should give way to the knowledge base; ``known`` is
        :func:`known_words` of the arbitrated intents, ``own`` :func:`own_words` of ``own_word_intents``."""
        enough = 1 if intent in self.irreversible_intents else self.min_topic_words
        if intent not in self.intents or len(topic_words(text, known.get(intent, frozenset()))) < enough:
            return False
        message_words = words(text)
        if intent in self.person_word_intents and names_a_person_in(message_words):
            return False
        return intent not in self.own_word_intents or not own.get(intent, frozenset()).intersection(message_words)

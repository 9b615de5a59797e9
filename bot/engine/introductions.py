"""A message that only says who the customer is: "my name is Dana", "please call me Jim", "קוראים לי נועה",
"اسمي أحمد", "jmenuju se Petr".

DIET read "please call me Jim" as a request for a call and opened a ticket. Read here instead, by rule, the
bot greets the customer by name and keeps it, so an escalation later does not ask for it again. Only the whole
message counts, and only the phrases that name a name: "my name is Dana and my order is late" is a question,
and "my name is wrong on the invoice", "call me back. Thanks", "call me this afternoon", "תקראו לי נציג" name
nobody. "I'm Tom", "this is Anna", "Tom here", "אני יוסי", "أنا فهد" are left to DIET: without a list of names
they cannot be told from "I'm Stuck", "It's Great!" or "אני מחכה".

Engine code: ``bot.engine.nlu.ControlIntentArbiter`` sets the intent and the ``customer_name`` entity.
"""
from __future__ import annotations

import functools
import re

from bot.engine.arbitration import words

INTRODUCE_SELF = "introduce_self"
CUSTOMER_NAME = "customer_name"
MAX_NAME_WORDS = 3
MAX_NAME_CHARS = 40

_GREETINGS = (
    r"hi(?:\s+there)?|hello(?:\s+there)?|hey(?:\s+there)?|good\s+(?:morning|afternoon|evening|day)"
    r"|שלום(?:\s+רב)?|היי|הי|בוקר\s+טוב|ערב\s+טוב|צהריים\s+טובים"
    r"|مرحبا|مرحباً|أهلا|أهلاً|أهلًا|اهلا|اهلاً|اهلين|أهلين|هلا(?:\s+والله)?|السلام\s+عليكم|السلام|سلام|صباح\s+الخير|مساء\s+الخير|تحية\s+طيبة"
    r"|ازيك|عسلامة|يعطيك\s+العافية"
    r"|ahoj|[čc]au|zdrav[íi]m|dobr[ýy]\s+den|dobr[ée]\s+r[áa]no|dobr[ée]\s+odpoledne|dobr[ýy]\s+ve[čc]er"
)
# Up to two greetings before an introduction; bot.escalation.details strips them from a name too.
GREETING = rf"(?:(?:{_GREETINGS})[\s,،!.]+){{0,2}}"
_OPENS_WITH_A_GREETING = re.compile(rf"^\W*(?:{_GREETINGS})(?!\w)", re.IGNORECASE)
SAYS_THE_NAME = (
    r"my\s+name\s+is|my\s+name['’]s|(?:you\s+can\s+|please\s+|just\s+)?call\s+me|(?:you\s+can\s+|please\s+)?address\s+me\s+as"
    r"|קוראים\s+לי|השם\s+שלי\s+הוא|השם\s+שלי|שמי\s+הוא|שמי|תפנו\s+אלי(?:י)?\s+בתור"
    r"|(?:أنا\s+|انا\s+)?(?:اسمي|إسمي|اسمى)(?:\s+الكامل)?(?:\s+هو)?|سميتي"
    r"|jmenuji\s+se|jmenuju\s+se|(?:moje|m[ée])\s+jm[ée]no\s+je|[řr][íi]kejte\s+mi|oslovujte\s+m[ěe](?:\s+pros[íi]m)?"
)
# Thanks after the name, in the four languages: never part of it ("my name is Dana thanks").
THANKS_WORDS = (r"thanks|thank\s+you|thx|please|nice\s+to\s+meet\s+you|תודה(?:\s+רבה)?|נעים\s+מאוד|נעים\s+להכיר"
                 r"|בבקשה|شكرا|شكراً|شكرًا|تشرفنا|تشرفت|من\s+فضلك|d[íi]ky|d[ěe]kuji|pros[íi]m|t[ěe][šs][íi]\s+m[ěe]")
_WORD = rf"(?!(?:{THANKS_WORDS})(?!\w))[^\W\d_][\w'’.״-]*"
_NAME = rf"(?P<name>{_WORD}(?:\s+{_WORD}){{0,{MAX_NAME_WORDS - 1}}})"
_THANKS = rf"(?:[\s,،.!-]+(?:{THANKS_WORDS}))?"
_END = r"[\s.!,،:)]*$"
_INTRODUCTION = re.compile(rf"^\s*{GREETING}(?:{SAYS_THE_NAME})[\s,،:]+{_NAME}{_THANKS}{_END}", re.IGNORECASE)

NOT_A_NAME = frozenset({
    # English: what follows "call me" or "my name is" when it is not a name.
    "back", "about", "asap", "pls", "now", "later", "today", "tomorrow", "tonight", "again", "when",
    "if", "on", "at", "soon", "right", "regarding", "re", "urgently", "immediately", "maybe", "sometime",
    "anytime", "instead", "wrong", "misspelled", "incorrect", "not", "spelled", "missing", "different", "changed",
    "shown", "in", "the", "a", "an", "and", "but", "is", "was", "by", "my", "what", "who", "how",
    "anyone", "anybody", "someone", "somebody", "nobody", "everyone", "agent", "human", "person", "still",
    "i", "we", "you", "it", "everything", "nothing", "problem",
    # A form's error pasted: "Name is required", "name is too long", "my name is already taken".
    "required", "invalid", "empty", "blank", "taken", "mandatory", "too", "already", "used", "unavailable",
    "incomplete", "needed",
    # A time to call, and whom to get: "call me this afternoon", "call me plz", "call me a manager".
    "this", "next", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning",
    "afternoon", "evening", "night", "week", "plz", "tmrw", "tmr", "whenever", "once", "after", "before",
    "manager", "supervisor", "representative", "rep", "operator", "staff", "team", "support", "misspelt", "cut",
    "truncated", "fine", "ok", "okay", "correct",
    # Hebrew: "שמי לא מופיע", "השם שלי שגוי", "קוראים לי בחזרה".
    "לא", "שגוי", "נכתב", "מופיע", "השתנה", "מאוית", "בחזרה", "עכשיו", "מחר", "היום", "על", "שונה", "נציג", "מנהל",
    "מישהו",
    # Arabic: "اسمي غلط", "اسمي مكتوب غلط", "اسمي مش ظاهر".
    "غلط", "خطأ", "خطا", "خاطئ", "ناقص", "في", "مو", "صحيح", "مكتوب", "مش", "ما", "لا", "ليس", "غير", "ظاهر", "موجود",
    # Czech (diacritics folded): "moje jméno je špatně", "oslovujte mě zítra".
    "spatne", "chybne", "ne", "neni", "zpet", "zitra", "dnes", "hned", "jine", "na", "v", "ve",
})


def introduced_name(text: str | None) -> tuple[str, int, int] | None:
    """The name the message introduces and where it stands in ``text`` (start, end), or None when the message
    is not only an introduction. A name typed all in lower case is capitalised ("call me jim" is Jim)."""
    text = text or ""
    if len(text) > 200:
        return None
    match = _INTRODUCTION.match(text)
    if match is None:
        return None
    name = match.group("name").rstrip(".-'’")
    # Every word, split at punctuation too: "call me back. Thanks" names nobody.
    if len(name) > MAX_NAME_CHARS or any(word in _not_a_name() for word in words(name)):
        return None
    start = match.start("name")
    shown = name.title() if name == name.lower() and name != name.upper() else name
    return shown, start, start + len(name)


def opens_with_a_greeting(text: str | None) -> bool:
    """Whether the message begins with a greeting ("hi, I need help", "שלום, יש לי שאלה", "dobrý den, mám dotaz")."""
    return _OPENS_WITH_A_GREETING.match(text or "") is not None


@functools.cache
def _not_a_name() -> frozenset[str]:
    """:data:`NOT_A_NAME` folded as the words it is compared with ("خاطئ" loses its hamza)."""
    return frozenset(folded for word in NOT_A_NAME for folded in words(word))

"""A message that only says who the customer is: "my name is Dana", "please call me Jim", "Hi, I'm Tom",
"קוראים לי נועה", "اسمي أحمد", "jmenuju se Petr".

DIET read "please call me Jim" as a request for a call and opened a ticket. Read here instead, by rule, the
bot greets the customer by name and keeps it, so an escalation later does not ask for it again. Only the whole
message counts: "my name is Dana and my order is late" is a question, and "my name is wrong on the invoice",
"call me back" or "I'm waiting" name nobody. A sentence that merely starts like one ("I am" / "this is" /
"jsem") counts only before capitalised words ("I'm Tom", not "I'm stuck"), so Hebrew and Arabic "I am X" ("אני
יוסי", "أنا فهد"), which have no capitals to tell a name from "אני מחכה", are not read (docs/escalation-and-handoff.md
gives the figures).

Engine code: ``bot.engine.nlu.ControlIntentArbiter`` sets the intent and the ``customer_name`` entity.
"""
from __future__ import annotations

import re
import unicodedata

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
_GREETING = rf"(?:(?:{_GREETINGS})[\s,،!.]+){{0,2}}"
_SAYS_THE_NAME = (
    r"my\s+name\s+is|my\s+name['’]s|(?:the\s+)?name\s+is|(?:you\s+can\s+|please\s+|just\s+)?call\s+me"
    r"|(?:you\s+can\s+|please\s+)?address\s+me\s+as"
    r"|קוראים\s+לי|השם\s+שלי\s+הוא|השם\s+שלי|שמי\s+הוא|שמי|(?:אפשר\s+|תוכלו\s+)?לקרוא\s+לי|תקראו\s+לי|תפנו\s+אלי(?:י)?\s+בתור"
    r"|(?:أنا\s+|انا\s+)?(?:اسمي|إسمي|اسمى)(?:\s+الكامل)?(?:\s+هو)?|سميتي|ناديني|معك|معاك"
    r"|jmenuji\s+se|jmenuju\s+se|(?:moje|m[ée])\s+jm[ée]no\s+je|[řr][íi]kejte\s+mi|oslovujte\s+m[ěe](?:\s+pros[íi]m)?"
)
# Only before capitalised words: "I'm Tom", "Tady Martin Svoboda" ("here is"), "píše vám Eva" ("Eva writing to you").
_BEFORE_A_CAPITALISED_NAME = r"i\s+am|i['’]m|it['’]s|this\s+is|(?:j[áa]\s+)?jsem|tady|p[íi][šs]e\s+v[áa]m"
_WORD = r"(?!(?:here|speaking)\b)[^\W\d_][\w'’.״-]*"
_NAME = rf"(?P<name>{_WORD}(?:\s+{_WORD}){{0,{MAX_NAME_WORDS - 1}}})"
# "Tom here", "Maria Garcia speaking".
_SPEAKING = r"(?:here|speaking)"
# Thanks or "nice to meet you" after the name, in the four languages.
_THANKS = (r"(?:[\s,،.!-]+(?:thanks|thank\s+you|thx|please|nice\s+to\s+meet\s+you|תודה(?:\s+רבה)?|נעים\s+מאוד|נעים\s+להכיר"
           r"|בבקשה|شكرا|شكراً|شكرًا|تشرفنا|تشرفت|من\s+فضلك|d[íi]ky|d[ěe]kuji|pros[íi]m|t[ěe][šs][íi]\s+m[ěe]))?")
_END = r"[\s.!,،:)]*$"
_INTRODUCTION = re.compile(rf"^\s*{_GREETING}(?:{_SAYS_THE_NAME})[\s,،:]+{_NAME}{_THANKS}{_END}", re.IGNORECASE)
_CAPITALISED_INTRODUCTIONS = (
    re.compile(rf"^\s*{_GREETING}(?P<intro>{_BEFORE_A_CAPITALISED_NAME})\s+{_NAME}(?:\s+{_SPEAKING})?{_THANKS}{_END}",
               re.IGNORECASE),
    # After a greeting only: "Anyone here", "Still here" are no names.
    re.compile(rf"^\s*(?:(?:{_GREETINGS})[\s,،!.]+){{1,2}}{_NAME}\s+{_SPEAKING}{_THANKS}{_END}", re.IGNORECASE),
)

NOT_A_NAME = frozenset({
    # English: what follows "call me" or "my name is" when it is not a name.
    "back", "about", "asap", "please", "pls", "now", "later", "today", "tomorrow", "tonight", "again", "when",
    "if", "on", "at", "soon", "right", "regarding", "re", "urgently", "immediately", "maybe", "sometime",
    "anytime", "instead", "wrong", "misspelled", "incorrect", "not", "spelled", "missing", "different", "changed",
    "shown", "in", "the", "a", "an", "and", "but", "is", "was", "by", "my", "what", "who", "how",
    "anyone", "anybody", "someone", "somebody", "nobody", "everyone", "agent", "human", "person", "still",
    "i", "we", "you", "it", "everything", "nothing", "problem",
    # A form's error pasted: "Name is required", "name is too long", "my name is already taken".
    "required", "invalid", "empty", "blank", "taken", "mandatory", "too", "already", "used", "unavailable",
    "incomplete", "needed",
    # Hebrew: "שמי לא מופיע", "השם שלי שגוי", "קוראים לי בחזרה".
    "לא", "שגוי", "נכתב", "מופיע", "השתנה", "מאוית", "בחזרה", "עכשיו", "מחר", "היום", "על",
    # Arabic: "اسمي غلط", "اسمي مكتوب غلط", "اسمي مش ظاهر".
    "غلط", "خطأ", "خطا", "مكتوب", "مش", "ما", "لا", "ليس", "غير", "ظاهر", "موجود",
    # Czech (diacritics folded): "moje jméno je špatně", "jsem naštvaný" is caught by the capital rule.
    "spatne", "chybne", "ne", "neni", "zpet", "zitra", "dnes", "hned",
})


def introduced_name(text: str | None) -> tuple[str, int, int] | None:
    """The name the message introduces and where it stands in ``text`` (start, end), or None when the message
    is not only an introduction. A name typed all in lower case is capitalised ("call me jim" is Jim)."""
    text = text or ""
    if len(text) > 200:
        return None
    match = _INTRODUCTION.match(text) or _capitalised_introduction(text)
    if match is None:
        return None
    name = match.group("name").rstrip(".-'’")
    if len(name) > MAX_NAME_CHARS or any(_folded(word) in NOT_A_NAME for word in name.split()):
        return None
    start = match.start("name")
    shown = name.title() if name == name.lower() and name != name.upper() else name
    return shown, start, start + len(name)


def _folded(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _capitalised_introduction(text: str) -> re.Match[str] | None:
    """"I'm Tom", "This is Anna Lee", "Jsem Petr", but not "I'm stuck", "I'm Waiting", shouting ("THIS IS
    RIDICULOUS") nor a message in title case ("This Is Urgent")."""
    match = next(filter(None, (pattern.match(text) for pattern in _CAPITALISED_INTRODUCTIONS)), None)
    if match is None:
        return None
    name, intro = match.group("name"), (match.groupdict().get("intro") or "").split()
    title_case = len(intro) > 1 and intro[-1][:1].isupper()  # "This Is Urgent", "I Am Waiting": every word capitalised
    capitalised = all(word[:1].isupper() for word in name.split()) and name != name.upper()
    return match if capitalised and not title_case and not name.casefold().endswith("ing") else None

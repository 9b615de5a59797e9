"""Whether a customer's "yes" also says the answer helped ("yes thanks, that helped"), or their message says
only that it did not ("still not working"), in the four languages.

A guide's answer ends with "all at once, or step by step?". A bare "yes" there asks to see the steps, but
"yes thanks that helped" says the customer has what they needed; NLU reads both as ``affirm``. These
phrases tell them apart, matched as whole words after the folding every closed word list gets
(:func:`bot.engine.typed_text.fold_typed`), and not right after a negation ("didn't help", "לא עזר", "ما ساعد").
"""
from __future__ import annotations

import re
from itertools import pairwise

from bot.engine.typed_text import fold_typed

HELPED_PHRASES = tuple(tuple(fold_typed(phrase).split()) for phrase in (
    "helped", "helpful", "that helps", "got it", "that's all", "thats all", "that's enough", "all good", "sorted",
    "solved", "it worked", "that worked", "works now", "all set",
    "עזר", "עזרת", "עזרתם", "עוזר", "הסתדרתי", "הבנתי", "זה מספיק", "נפתר", "עובד",
    "ساعد", "ساعدني", "ساعدتني", "مفيد", "فهمت", "انحلت", "اتحلت", "اشتغل", "يكفي", "كفاية",
    "pomohlo", "pomohl", "pomohla", "pomohli", "staci", "vyreseno", "uz to mam", "rozumim", "funguje", "to je vse",
))
NEGATIONS = frozenset(fold_typed(word) for word in {
    "not", "didn't", "didnt", "doesn't", "doesnt", "wasn't", "wasnt", "isn't", "isnt", "never", "hasn't",
    "לא", "ما", "لم", "لا", "مش", "مو", "غير", "ne",
})
_WORD = re.compile(r"[\w']+")


def says_it_helped(text: str | None) -> bool:
    """Whether the message says the answer helped or was enough, not merely yes."""
    words = _WORD.findall(fold_typed(text or "").replace("\u2019", "'"))
    for start in range(len(words)):
        for phrase in HELPED_PHRASES:
            if tuple(words[start:start + len(phrase)]) == phrase and (start == 0 or words[start - 1] not in NEGATIONS):
                return True
    return False


def _folded(*words: str) -> frozenset[str]:
    return frozenset(fold_typed(word) for word in words)


# "Still not working" says what an answer did, nothing of a topic: a word that it failed or persists, and a
# word for what should have happened ("work", "help", "the problem"); nothing else but small words. A topic
# word ("the app still doesn't work") makes it a question for the knowledge base.
_FAILED = NEGATIONS | _folded(
    "don't", "dont", "won't", "wont", "can't", "cant", "cannot", "nothing", "still", "same", "again",
    "עדיין", "ועדיין", "אותה", "אותו", "כלום", "שוב",
    "مازال", "زال", "يزال", "لسه", "لسا", "ولسه", "بعد", "نفس", "لن", "ليس", "ولا",
    "porad", "stale", "furt", "jeste", "zase", "nic", "stejne", "stejny", "stejna",
)
_OUTCOMES = _folded(
    "work", "works", "working", "worked", "help", "helps", "helped", "helping", "helpful", "fix", "fixed", "solve",
    "solved", "resolved", "problem", "problems", "issue", "error", "changed", "change", "happening", "same", "luck",
    "difference",
    "עובד", "עובדת", "עבד", "עבדה", "עוזר", "עזר", "עזרו", "נפתר", "נפתרה", "בעיה", "הבעיה", "מצליח", "מצליחה",
    "הצליח", "השתנה",
    "يعمل", "يشتغل", "شغال", "شغالة", "اشتغل", "اشتغلت", "ساعد", "ساعدني", "ساعدتني", "نفع", "ينفع", "انحلت",
    "اتحلت", "انحل", "مشكلة", "المشكلة", "مشكلتي", "تغير",
    "funguje", "fungovalo", "jde", "pomohlo", "pomohl", "pomohla", "vyresilo", "vyreseno", "problem", "problemu",
    "zmenilo",
)
_PROBLEMS = _folded("problem", "problems", "issue", "בעיה", "הבעיה", "مشكلة", "المشكلة")
# Czech says "not" inside the verb: "nefunguje" alone is the whole message.
_FAILED_OUTCOMES = _folded("nefunguje", "nefungovalo", "nejde", "nepomohlo", "nepomohl", "nepomohla", "nepomohli",
                           "nevyresilo", "nezmenilo")
_SMALL_WORDS = _folded(
    "it", "it's", "its", "that", "that's", "thats", "this", "the", "i", "i'm", "im", "have", "has", "had", "a", "my",
    "me", "for", "but", "unfortunately", "sorry", "yet", "tried", "try", "did", "do", "does", "is", "was", "at", "all",
    "really", "just", "and", "so", "ok", "okay", "well", "there", "any", "to", "already", "twice", "thanks",
    "זה", "את", "לי", "אבל", "ניסיתי", "פעמיים", "כבר", "גם", "אני", "יש", "לצערי", "עשיתי", "באמת", "תודה", "אוקיי",
    "هذا", "هذه", "هاد", "هيك", "ده", "دي", "انا", "عندي", "لي", "بس", "لكن", "جربت", "حاولت", "مرتين", "كمان",
    "برضو", "ايضا", "للاسف", "عملت", "سويت", "شكرا", "الحين", "هلق",
    "to", "mi", "se", "ale", "jsem", "zkusil", "zkusila", "dvakrat", "uz", "bohuzel", "diky", "mam", "i", "a", "tak",
)
MAX_NOT_HELPED_WORDS = 10


def says_it_did_not_help(text: str | None) -> bool:
    """Whether the message only says the answer did not work ("still not working", "ועדיין לא עובד",
    "لسه مش شغال", "pořád to nefunguje"): the customer's "no", though NLU reads a question."""
    folded = fold_typed(text or "").replace("\u2019", "'")
    words = _WORD.findall(folded)
    if not 0 < len(words) <= MAX_NOT_HELPED_WORDS or any(ch.isdigit() for ch in folded):
        return False
    if any(word not in _FAILED | _OUTCOMES | _FAILED_OUTCOMES | _SMALL_WORDS for word in words):
        return False
    without_articles = [word for word in words if word not in ("a", "an")]
    if any(word in _PROBLEMS and before in NEGATIONS for before, word in pairwise(without_articles)):
        return False  # "not a problem", "لا مشكلة": thanks, not a complaint
    failed = any(word in _FAILED for word in words)
    outcome = any(word in _OUTCOMES for word in words)
    return any(word in _FAILED_OUTCOMES for word in words) or (failed and outcome)

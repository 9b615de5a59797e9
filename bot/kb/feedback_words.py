"""Whether a customer's "yes" also says the answer helped ("yes thanks, that helped"), in the four languages.

A guide's answer ends with "all at once, or step by step?". A bare "yes" there asks to see the steps, but
"yes thanks that helped" says the customer has what they needed; NLU reads both as ``affirm``. These
phrases tell them apart, matched as whole words after the folding every closed word list gets
(:func:`bot.engine.typed_text.fold_typed`), and not right after a negation ("didn't help", "לא עזר", "ما ساعد").
"""
from __future__ import annotations

import re

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

"""Typed text folded for matching closed word lists (standard library only: the Rasa process uses it).

Customers type the same word many ways: with or without Czech diacritics, Arabic hamzas and vowel marks,
ى for ي and ة for ه, and right-to-left keyboards add invisible direction marks. The numbered choices
(:mod:`bot.engine.channels.numbered`) and the wait questions (:mod:`bot.engine.wait_questions`) compare
their lists with the message after the same folding.
"""
from __future__ import annotations

import unicodedata

_ARABIC_LOOKALIKES = str.maketrans({"ى": "ي", "ة": "ه", "\u0640": None})  # and tatweel, the stretching stroke


def fold_typed(text: str) -> str:
    """Lower case without diacritics, vowel marks, hamzas or direction marks, the Arabic letters typed for
    one another made one: "První" is "prvni", "الأولى" is "الاولي"."""
    letters = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in letters if unicodedata.category(c) not in ("Mn", "Cf")).translate(_ARABIC_LOOKALIKES)

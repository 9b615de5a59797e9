"""Typed words that mean a guide's buttons (pure functions, standard library only).

A guide in chat offers **Show all steps** (``/show_all_steps``) and **Step by step** / **Next step**
(``/next_guide_step``). Customers type them as often as they press them: "next", "הבא", "all steps",
or the button's own title. DIET read some of these as intents with a fixed reply ("show all steps" and
the Arabic "التالي" as asking for a ticket's status, "all steps" and "كل الخطوات" as withdrawing a request,
"zobrazit všechny kroky" as out of scope), so in the middle of a guide the customer got "I can't find a
ticket for this conversation" or "Glad it's sorted!". The NLU component
:class:`bot.engine.nlu.ControlIntentArbiter` therefore gives a message that is one of these phrases, as a
whole, the button's intent; the guide action says so when no guide is open.

Closed lists matched against the whole message, rather than NLU examples: short examples like these
pulled e-mail addresses and codes into an intent, and a word list cannot misread "what is the next step
after a return?" as "next". Every button title of domain.yml is in them (tests/bot/engine/test_typed_buttons.py).
"""
from __future__ import annotations

import re
import unicodedata

NEXT_GUIDE_STEP = "next_guide_step"
SHOW_ALL_STEPS = "show_all_steps"

NEXT_STEP_WORDS = frozenset({
    "next", "next step", "next please", "ok next", "go on", "continue", "step by step",
    # the question's own words ("…all at once, or go step by step?"), and how people say it
    "go step by step", "step by step please", "one by one", "one at a time", "one step at a time",
    "הבא", "השלב הבא", "לשלב הבא", "הלאה", "המשך", "שלב אחר שלב", "אחד אחד", "אחד אחרי השני", "שלב שלב",
    "التالي", "الخطوة التالية", "استمر", "تابع", "خطوة بخطوة", "خطوة خطوة", "واحدة واحدة",
    "další", "dalsi", "další krok", "dalsi krok", "pokračuj", "pokracuj", "krok za krokem", "krok po kroku",
    "postupně", "postupne", "po krocích", "po krocich",
})
ALL_STEPS_WORDS = frozenset({
    "all steps", "show all steps", "all the steps", "show me all the steps",
    "כל השלבים", "הצג את כל השלבים", "להציג את כל השלבים", "תראה לי את כל השלבים",
    "كل الخطوات", "اعرض كل الخطوات", "عرض كل الخطوات", "جميع الخطوات",
    "všechny kroky", "vsechny kroky", "ukaž všechny kroky", "ukaz vsechny kroky",
    "zobrazit všechny kroky", "zobrazit vsechny kroky", "zobraz všechny kroky", "zobraz vsechny kroky",
    "all at once", "all of them", "show them all", "show me all", "all of them at once",
    "בבת אחת", "את כולם", "את כולם בבת אחת", "הכל בבת אחת", "להציג את כולם",
    "دفعة واحدة", "كلها دفعة واحدة", "اعرضها كلها", "كلها مرة وحدة", "مرة وحدة",
    "všechny najednou", "vsechny najednou", "najednou", "všechno najednou", "vsechno najednou",
})
_NOT_WORD = re.compile(r"[^\w\s]+")


def typed_button_intent(text: str | None) -> str | None:
    """The guide button's intent when the customer's whole message asks for the next step or for all the
    steps, in one of the four languages (case, punctuation and spacing aside); else ``None``."""
    words = " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFC", text or "")).casefold().split())
    if words in NEXT_STEP_WORDS:
        return NEXT_GUIDE_STEP
    return SHOW_ALL_STEPS if words in ALL_STEPS_WORDS else None

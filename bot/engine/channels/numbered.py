"""Buttons on a channel that shows none (WhatsApp through Twilio): the options as numbered lines, and the
number the customer types back as the button it names.

Rasa's fallback prints each button on a message of its own as ``1: Title (/payload)``, showing customers
the payload, and a typed "1" then reached NLU as a number (after "Did you mean …?" it was read as an
effort score). Standard library only (with ``trust`` and ``bot.engine.typed_text``, which are too): the connectors and the guard (engine env) call these,
the app env tests them directly.

Customers also name a button by its position ("the second one", "option 2", "השני", "الأول", "poslední"). Closed
word lists per language, matched word by word, rather than NLU: a message counts only when every other word in it is
a courtesy, an article or "option"/"number", so "the first time I ordered it broke" stays a sentence for NLU.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.engine.channels.trust import from_customer, shown_buttons
from bot.engine.typed_text import fold_typed


def numbered_options(text: str, buttons: Sequence[Mapping[str, Any]]) -> str:
    """``text`` and, one per line under it, each button's title after its number ("1. Return window")."""
    lines = [f"{number}. {button.get('title') or button.get('payload') or ''}"
             for number, button in enumerate(buttons, start=1)]
    return "\n".join([text, *lines]) if text else "\n".join(lines)


def is_number_choice(text: str) -> bool:
    """Whether the message only names a position ("2", "#2", "٢", "the second one", "option 2", "השני", "الأول",
    "druhou"): worth looking at what was offered."""
    return _named_position(text or "") is not None


def latest_buttons(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The buttons of the bot's latest message, when the customer has not written since: a number answers
    only the question just asked (an agent's line after a button, "how many were missing?", has none, so
    a "1" typed for the agent never presses an older button). ``events``: a tracker's, as dicts, oldest first."""
    for event in reversed(list(events)):
        if from_customer(event):
            return []
        if event.get("event") == "bot":
            return shown_buttons(event)
    return []


def numbered_choice(text: str, buttons: Sequence[Mapping[str, Any]]) -> str | None:
    """The payload of the button the customer chose by its number or position; None when the text names none in
    range, or when the buttons are numbers themselves (a survey's scale, where "1" is the score 1 and "the first
    one" is no score at all)."""
    position = _named_position(text or "")
    if position is None or any(_is_number(button.get("payload")) or _is_number(button.get("title"))
                               for button in buttons):
        return None
    index = len(buttons) - 1 if position == _LAST else position - 1
    return str(buttons[index]["payload"]) if 0 <= index < len(buttons) else None


_LAST = -1  # the position "the last one" names, whatever the number of buttons
def _positions(spellings: Mapping[str, Mapping[int, str]]) -> dict[str, int]:
    """{word: position} from each language's {position: its words}."""
    return {word: position for by_position in spellings.values() for position, words in by_position.items()
            for word in fold_typed(words).split()}


def _word_set(spellings: Mapping[str, str]) -> frozenset[str]:
    return frozenset(word for words in spellings.values() for word in fold_typed(words).split())


# Words that name a position wherever they stand: "the second one", "השנייה", "الثاني", "druhou", "dvojku".
_ORDINALS = _positions({
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", _LAST: "last"},
    "he": {1: "ראשון ראשונה הראשון הראשונה", 2: "שני השני השנייה השניה", 3: "שלישי שלישית השלישי השלישית",
           4: "רביעי רביעית הרביעי הרביעית", 5: "חמישי חמישית החמישי החמישית", _LAST: "אחרון אחרונה האחרון האחרונה"},
    "ar": {1: "أول الأول أولى الأولى", 2: "ثاني الثاني الثانية تاني التاني التانية",
           3: "ثالث الثالث ثالثة الثالثة التالت", 4: "رابع الرابع رابعة الرابعة", 5: "خامس الخامس خامسة الخامسة",
           _LAST: "أخير الأخير أخيرة الأخيرة"},
    "cs": {1: "první jednička jedničku", 2: "druhý druhá druhé druhou druhej dvojka dvojku", 3: "třetí trojka trojku",
           4: "čtvrtý čtvrtá čtvrté čtvrtou čtvrtej čtyřka čtyřku", 5: "pátý pátá páté pátou pátej pětka pětku",
           _LAST: "poslední"},
})
# Words that name a position only after a marker ("option two", "אפשרות שנייה", "رقم اثنين", "možnost dvě"):
# alone, "one" may be "one second", and "שנייה" and "ثانية" are "just a second".
_AFTER_MARKER = _positions({
    "en": {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"},
    "he": {1: "אחת אחד", 2: "שתיים שתים שניים שנייה שניה", 3: "שלוש שלושה", 4: "ארבע ארבעה", 5: "חמש חמישה"},
    "ar": {1: "واحد واحدة", 2: "اثنين اثنان اتنين ثانية", 3: "ثلاثة ثلاث", 4: "أربعة أربع", 5: "خمسة خمس"},
    "cs": {1: "jedna jedno jeden", 2: "dva dvě", 3: "tři", 4: "čtyři", 5: "pět"},
})
_MARKERS = _word_set({
    "en": "option choice number no nr num",
    "he": "אפשרות האפשרות אופציה האופציה מספר מס",
    "ar": "خيار الخيار اختيار الاختيار رقم",
    "cs": "možnost číslo varianta variantu volba volbu",
})
# "one" after a position: "the first one", "أول واحد".
_ONE = _word_set({"en": "one", "ar": "واحد واحدة"})
# Articles, courtesies and "I want": with only these around it, a position is still all the message says.
_FILLERS = _word_set({
    "en": "the that this it its s i ll d want like take choose pick go with yes yeah ok okay please pls plz thanks thank you",
    "he": "את זה זאת הזה הזאת אני רוצה אפשר כן בבקשה תודה",
    "ar": "من فضلك لو سمحت أريد بدي أبغى عايز نعم شكرا هذا هذه",
    "cs": "ta ten to tu tou tamta tamten tamtu chci beru dám si ano jo prosím díky děkuji",
})
# A number (an English ordinal ending, "2nd", read as the number), or a run of letters.
_WORD = re.compile(r"(\d+)(?:\s?(?:st|nd|rd|th)(?![^\W\d_]))?|[^\W\d_]+")
# Signs a message naming a button may carry ("#2", "2.", "(2)", "מס' 2", "الأول،"); any other ("+1", "$2", "1/2")
# makes it something else.
_FOREIGN_SIGN = re.compile(r"[^\w\s.,:;!?#()'\"’׳״،؟]")


def _named_position(text: str) -> int | None:
    """The position the message names (1 for the first button, ``_LAST`` for the last) when that is all it says: one
    number or ordinal, and around it only markers ("option"), fillers ("the", "please") and "one"; else None."""
    text = fold_typed(text)
    if _FOREIGN_SIGN.search(text):
        return None
    positions = []
    after_marker = after_position = False
    for word in (match[1] or match[0] for match in _WORD.finditer(text)):
        position = _position_of(word, after_marker)
        if position is not None:
            positions.append(position)
        elif word not in _FILLERS and word not in _MARKERS and not (after_position and word in _ONE):
            return None
        after_marker, after_position = word in _MARKERS, position is not None
    return positions[0] if len(positions) == 1 else None


def _position_of(word: str, after_marker: bool) -> int | None:
    if word.isdecimal():
        return int(word)
    return _ORDINALS.get(word, _AFTER_MARKER.get(word) if after_marker else None)


def _is_number(value: object) -> bool:
    return isinstance(value, str) and value.strip().isdigit()

"""Which of the supported languages a customer's message is written in, and so which to answer in.

Script decides Hebrew and Arabic outright; Latin-script text is Czech when it carries Czech-only
letters or common Czech function words (customers often type Czech without diacritics), else English.
:func:`conversation_language` keeps a conversation's language through short messages ("ok", "6").
"""
from __future__ import annotations

import re
import unicodedata

SUPPORTED_LANGUAGES = ("en", "he", "ar", "cs")

_HEBREW = re.compile(r"[\u0590-\u05FF\uFB1D-\uFB4F]")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_ACCENTED_LATIN = re.compile(r"[\u00C0-\u024F]")
# Letters that occur in Czech but not in English (nor in most other Latin-script languages together).
_CZECH_LETTERS = re.compile(r"[ěščřžůťďňĚŠČŘŽŮŤĎŇ]")
_ACUTE_LETTERS = re.compile(r"[áéíóúýÁÉÍÓÚÝ]")
_CZECH_WORDS = frozenset(
    """
    aby ale bych byl bylo co jak jake jaky je jeste jsem jsme jsou k kde kdy kdyz ktery
    mam mate mi mne moje muj muze muzu na nebo neco nefunguje nejde nemam nemohu nemuzu
    neni nevim o od po pro proc prosim s se si tak u uz v ve vam z za ze zda
    heslo ucet objednavka objednavku platba platbu vratit zrusit zmenit dekuji dobry den
    """.split()
)
_ENGLISH_WORDS = frozenset(
    "the a an is are i my me you your to of and in on for how what why can do does not it with".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Below this many words a Latin-script message ("ok", "yes", "6") says nothing about the
# language, so a Czech conversation must not flip to English because of it — nor an English one
# to Czech because of a word that happens to be Czech too ("pro plan", "u there?"). Czech written
# with its accents ("děkuji", "dobrý den") is evidence enough even in so few words.
MIN_WORDS_TO_SWITCH_LATIN = 3


def normalize_language(language: str | None, default: str = "en") -> str:
    """``"en-US"``/``"CS"`` → ``"en"``/``"cs"``; anything unsupported → ``default``."""
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in SUPPORTED_LANGUAGES else default


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def detect_language(text: str | None, default: str = "en") -> str:
    """Return ``"en"``, ``"he"``, ``"ar"`` or ``"cs"``; ``default`` when the text has no letters (emoji, digits).

    Mixed messages go to the right-to-left language when it makes up at least a quarter of the
    letters, because Hebrew and Arabic speakers often quote English product names, not the reverse.
    """
    if not text:
        return default
    sample = text[:2000]
    hebrew = len(_HEBREW.findall(sample))
    arabic = len(_ARABIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    total = hebrew + arabic + latin
    if total == 0:
        return default
    rtl_language, rtl_count = ("he", hebrew) if hebrew >= arabic else ("ar", arabic)
    if rtl_count and rtl_count * 4 >= total:
        return rtl_language
    if _CZECH_LETTERS.search(sample):
        return "cs"
    words = [_fold(w.lower()) for w in _WORD.findall(sample)]
    czech = sum(w in _CZECH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    if czech > english or (czech and czech == english and _ACUTE_LETTERS.search(sample)):
        return "cs"
    if english or latin:
        return "en"
    return default


def conversation_language(text: str | None, current: str | None, hint: str | None = None) -> str:
    """The language to answer in after ``text``: detected, but sticky for short Latin messages.

    ``hint`` is what the channel says (e.g. the browser's language) and is used when the
    conversation has no language yet.
    """
    known = normalize_language(current or hint, default="")
    fallback = known or "en"
    if not text or text.startswith("/"):
        return fallback
    detected = detect_language(text, default=fallback)
    short = len(text.split()) < MIN_WORDS_TO_SWITCH_LATIN
    accented_czech = detected == "cs" and _ACCENTED_LATIN.search(text)
    if known and detected in ("en", "cs") and short and not accented_czech:
        return known
    return detected

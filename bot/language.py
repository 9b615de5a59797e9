"""Which of the supported languages a customer writes in, and which the bot answers in.

Script decides Hebrew and Arabic outright; Latin-script text is Czech when it carries Czech-only
letters or common Czech function words (customers often type Czech without diacritics), else English.

The conversation language is sticky (:func:`conversation_language`, docs/languages.md): it is set by
the customer's first message with letters (or by the channel's locale until then), and afterwards
changes only on an explicit request (:func:`requested_language`, a language button) or on a *clear
sentence* in another language (:func:`clear_sentence_language`) — never on a name, an e-mail
address, a number, an emoji, a button payload or a one- or two-word reply, and never while the bot is
collecting a detail such as the customer's name.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

SUPPORTED_LANGUAGES = ("en", "he", "ar", "cs")

# Hebrew and Arabic write prepositions, "and" and "the" joined to the next word ("לעורך דין" = to a lawyer,
# "بمحامي" = with a lawyer, "للموظف" = to the employee): what a word may start with before the word itself.
# Up to two of "ו ה ב ל מ ש כ"; up to two of "و ف ب ل ك", then the article "ال" or not ("لل" is ل with ال).
HEBREW_ATTACHED_PREFIX = "[והבלמשכ]{0,2}"
ARABIC_ATTACHED_PREFIX = "[وفبلك]{0,2}(?:ال)?"

_HEBREW = re.compile(r"[\u0590-\u05FF\uFB1D-\uFB4F]")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
# Letters that occur in Czech but not in English (nor in most other Latin-script languages together).
_CZECH_LETTERS = re.compile(r"[ěščřžůťďňĚŠČŘŽŮŤĎŇ]")
_ACUTE_LETTERS = re.compile(r"[áéíóúýÁÉÍÓÚÝ]")
# Words that only say which language a Latin-script sentence is in (compared without diacritics).
# Words both languages use ("a", "i", "to", "do", "on", "no", "me" for "mě") are in neither list.
_CZECH_WORDS = frozenset(
    """
    aby ale bych byl byla bylo co jak jake jaky je jeste jsem jsme jsou jste kde kdy kdyz ktery
    ktera ktere mam mate mi mne moje muj muze muzu na nebo neco nefunguje nejde nemam nemohu nemuzu
    neni nevim od po pro proc prosim se si tak uz vam ve za ze zda chci potrebuji potrebuju
    protoze jestli taky tady moc nic vas vase ahoj dekuji dekuju diky dobry den
    heslo ucet objednavka objednavku platba platbu vratit zrusit zmenit
    kolik stoji doprava dopravu doruceni zasilka zasilku balik balicek faktura fakturu penize vraceni
    reklamace reklamaci predplatne objednat zaplatit kdo kam mohu muzete dobirka dobirku
    """.split()
)
_ENGLISH_WORDS = frozenset(
    """
    the an is are am was were my you your of and in for how what why when where can could does did
    not it with this that there would will have has had we our they she want need
    """.split()
)
# Format characters (RLM/LRM, ALM, bidi embeddings U+202A-E and isolates U+2066-9, zero-width
# joiners) change how text is shown, not what it says; the Arabic tatweel only stretches a word.
_TATWEEL = "\u0640"
_EMAIL = re.compile(r"(?<!\S)\S*@\S*")  # whole tokens: matching from inside each one is quadratic
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WITH_DIGITS = re.compile(r"(?<!\S)\S*\d\S*")
_WORD = re.compile(r"[^\W\d_]+")
# Apostrophes and the Hebrew geresh/gershayim join the letters around them: "that's", "צ׳כית", "צה״ל".
_JOINERS = re.compile("['\u2019\u05F3\u05F4]")
_SAMPLE_CHARS = 2000
# A clear sentence has at least this many words (after names' e-mail addresses, links and numbers
# are dropped): "ok", "תודה", "Noa Cohen" or "dobry den" say nothing about a change of language.
MIN_WORDS_TO_SWITCH = 3
# ... and, in Latin script, this many function words of its language (or one in a longer sentence):
# "ok thank you" stays in the conversation's language, "where is my order" switches it.
MIN_FUNCTION_WORDS_TO_SWITCH = 2
LONG_SENTENCE_WORDS = 4
# An explicit request is short ("English please", "אפשר באנגלית?", "můžeme mluvit česky?").
MAX_REQUEST_WORDS = 6


def normalize_language(language: str | None, default: str = "en") -> str:
    """``"en-US"``/``"CS"`` → ``"en"``/``"cs"``; anything unsupported → ``default``."""
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in SUPPORTED_LANGUAGES else default


def clean_text(text: str) -> str:
    """``text`` as it reads: NFC, without format characters (bidi marks), combining marks
    (Hebrew niqqud, Arabic harakat) or tatweel, so none of them splits or hides a word."""
    composed = unicodedata.normalize("NFC", text[:_SAMPLE_CHARS])
    return "".join(c for c in composed if c != _TATWEEL and unicodedata.category(c) not in ("Cf", "Mn"))


def _fold(word: str) -> str:
    """Lower case without diacritics: "Čeština" → "cestina"."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    """The words of ``text`` that can carry language: e-mail addresses, links and anything with a
    digit (order numbers, phone numbers, "T-42") are dropped; an apostrophe joins ("that's")."""
    text = _WITH_DIGITS.sub(" ", _URL.sub(" ", _EMAIL.sub(" ", text)))
    return _WORD.findall(_JOINERS.sub("", text))


def _is_payload(text: str) -> bool:
    return text.lstrip().startswith("/")


def detect_language(text: str | None, default: str = "en") -> str:
    """Return ``"en"``, ``"he"``, ``"ar"`` or ``"cs"``; ``default`` when the text has no letters (emoji, digits).

    Mixed messages go to the right-to-left language when it makes up at least a quarter of the
    letters, because Hebrew and Arabic speakers often quote English product names, not the reverse.
    """
    if not text:
        return default
    words = _words(clean_text(text))
    sample = " ".join(words)
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
    folded = [_fold(w) for w in words]
    czech = sum(w in _CZECH_WORDS for w in folded)
    english = sum(w in _ENGLISH_WORDS for w in folded)
    if czech > english or (czech and czech == english and _ACUTE_LETTERS.search(sample)):
        return "cs"
    return "en"


def clear_sentence_language(text: str | None) -> str | None:
    """The language ``text`` is unmistakably a sentence in, else ``None``.

    A clear sentence has at least :data:`MIN_WORDS_TO_SWITCH` words once e-mail addresses, links
    and numbers are dropped, and evidence of its language: for Hebrew and Arabic the script itself;
    for English and Czech :data:`MIN_FUNCTION_WORDS_TO_SWITCH` of that language's function words
    (one is enough from :data:`LONG_SENTENCE_WORDS` words on), more than of the other's. A name
    ("Noa Cohen Levi") has none, so it never qualifies.
    """
    if not text or _is_payload(text):
        return None
    words = _words(clean_text(text))
    if len(words) < MIN_WORDS_TO_SWITCH:
        return None
    language = detect_language(" ".join(words), default="")
    if language in ("he", "ar"):
        return language
    folded = [_fold(w) for w in words]
    own, other = (_CZECH_WORDS, _ENGLISH_WORDS) if language == "cs" else (_ENGLISH_WORDS, _CZECH_WORDS)
    evidence = sum(w in own for w in folded)
    needed = 1 if len(words) >= LONG_SENTENCE_WORDS else MIN_FUNCTION_WORDS_TO_SWITCH
    if evidence >= needed and evidence > sum(w in other for w in folded):
        return language
    return None


# --- explicit requests ---------------------------------------------------------------------------

# Each language's name as customers type it in each of the four languages, without diacritics,
# apostrophes or the Hebrew/Arabic prefixes ("ב", "ל", "بال", "ال") that _name_forms strips.
_LANGUAGE_NAMES = {
    "en": """english eng inglish anglictina anglictine anglictinu anglicky
             אנגלית אינגליש انجليزي انجليزيه انكليزي انكليزيه انجلش انقليزي""",
    "he": """hebrew ivrit hebrejstina hebrejstine hebrejstinu hebrejsky
             עברית عبري عبريه""",
    "ar": """arabic arab arabstina arabstine arabstinu arabsky
             ערבית عربي عربيه""",
    "cs": """czech cestina cestine cestinu cesky cz
             צכית تشيكي تشيكيه""",
}
# Words around a language's name in a request: "please", "can we speak", "אפשר", "لو سمحت", "prosím".
_REQUEST_WORDS = frozenset(
    """
    please pls plz in can could we you i speak talk write answer reply respond switch change to use
    language me continue would like lets let us ok okay do does prefer rather want go back only the
    with is it possible may yes sure
    בבקשה אפשר לדבר נדבר תדבר דבר דברו איתי איתנו שפה בשפה רוצה אני לעבור תעבור עבור נא תכתוב
    לכתוב כתוב תענה לענות ענה אתה את מדבר מדברים יש עם אז רק האם תמשיך להמשיך בוא בואו אוקיי
    من فضلك لو سمحت ممكن نتكلم تكلم تكلمني اتكلم نحكي احكي اكتب اكتبلي رد باللغه اللغه لغه اريد
    بدي عايز عاوز بليز هل يمكن يمكنك يمكننا تتكلم معي معايا التحدث نتحدث تحدث ان
    prosim prosimte muzeme muzete muzes mluvit mluvte mluv mluvime mluvite psat piste pis prepnout
    prepni prepnete v ve na jazyk jazyce chci chtel chtela bych rad rada pokracovat pokracujte
    pokracuj odpovidejte dal dale se mnou jde lze dobre klidne radsi radeji mi nam umite umis
    """.split()
)
_HEBREW_PREFIXES = ("ב", "ל", "ה", "ו")
_ARABIC_PREFIXES = ("بال", "لل", "ال", "ب", "و", "ل")
_ARABIC_LETTER_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


@cache
def _language_of_name() -> dict[str, str]:
    return {name: language for language, names in _LANGUAGE_NAMES.items() for name in names.split()}


def _name_forms(word: str) -> Iterable[str]:
    """``word`` and the word without a Hebrew or Arabic prefix ("באנגלית" → "אנגלית")."""
    yield word
    for prefix in _HEBREW_PREFIXES + _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            yield word[len(prefix):]


def requested_language(text: str | None) -> str | None:
    """The language a short message explicitly asks for ("English please", "עברית", "عربي",
    "česky", "in Czech please", "אפשר באנגלית?"), else ``None``.

    Deterministic: the message must consist only of one language's name and request words (at
    most :data:`MAX_REQUEST_WORDS` words), so "do you ship to Czech Republic" asks for nothing.
    """
    if not text or _is_payload(text):
        return None
    words = [_fold(w).translate(_ARABIC_LETTER_FORMS) for w in _words(clean_text(text))]
    if not words or len(words) > MAX_REQUEST_WORDS:
        return None
    names = _language_of_name()
    asked = set()
    for word in words:
        language = next((names[form] for form in _name_forms(word) if form in names), None)
        if language:
            asked.add(language)
        elif word not in _REQUEST_WORDS:
            return None
    return asked.pop() if len(asked) == 1 else None


def language_from_entities(entities: Iterable[Mapping[str, Any]] | None) -> str | None:
    """The supported language a ``language`` entity names (a language button's payload), else ``None``."""
    for entity in entities or ():
        if entity.get("entity") == "language" and isinstance(entity.get("value"), str):
            language = normalize_language(entity["value"], default="")
            if language:
                return language
    return None


def has_written_words(texts: Iterable[str | None]) -> bool:
    """Whether any of the customer's ``texts`` (not button payloads) has letters: the language a
    channel's locale suggested is then the customer's own choice, no longer a guess."""
    return any(text and not _is_payload(text) and _words(clean_text(text)) for text in texts)


def conversation_language(
    text: str | None,
    current: str | None,
    hint: str | None = None,
    *,
    settled: bool = True,
    collecting: bool = False,
    requested: str | None = None,
) -> str | None:
    """The language to answer in after the customer's message ``text``; ``None`` while unknown.

    - ``requested`` (a language button's entity) or an explicit request in ``text`` wins, always;
    - until the customer has written words (``settled`` false), the message's own language when it
      shows one, else the conversation's language, else ``hint`` (the channel's locale), else the
      message's script;
    - afterwards the conversation keeps ``current`` unless ``text`` is a clear sentence in another
      language, and keeps it regardless while the bot is ``collecting`` a detail (a name, an e-mail).
    """
    explicit = requested or requested_language(text)
    if explicit:
        return explicit
    known = normalize_language(current, default="") or normalize_language(hint, default="") or None
    if not text or _is_payload(text):
        return known
    if not settled:  # any evidence counts here, so a clear sentence does too
        return _first_message_language(text) or known or (detect_language(text, default="") or None)
    if known is None:
        return detect_language(text, default="") or None
    if collecting:
        return known
    return clear_sentence_language(text) or known


def _first_message_language(text: str) -> str | None:
    """A first message's language from any evidence at all: one Hebrew or Arabic word ("שלום"),
    Czech letters or words ("děkuji", "dobry den"), or an English function word."""
    words = _words(clean_text(text))
    language = detect_language(" ".join(words), default="")
    if language in ("he", "ar"):
        return language
    folded = [_fold(w) for w in words]
    if language == "cs" or any(w in _ENGLISH_WORDS for w in folded):
        return language
    return None


# "in <language>" as each language says it: an article shown in a language the customer did not use,
# a ticket moved to another language in the console's (English) transcript.
IN_LANGUAGE = {
    "en": {"en": "in English", "he": "in Hebrew", "ar": "in Arabic", "cs": "in Czech"},
    "he": {"en": "באנגלית", "he": "בעברית", "ar": "בערבית", "cs": "בצ'כית"},
    "ar": {"en": "باللغة الإنجليزية", "he": "باللغة العبرية", "ar": "باللغة العربية", "cs": "باللغة التشيكية"},
    "cs": {"en": "v angličtině", "he": "v hebrejštině", "ar": "v arabštině", "cs": "v češtině"},
}


def in_language(language: str, written_in: str | None = "en") -> str:
    """"in Hebrew" written in ``written_in`` ("באנגלית", "v češtině"); English when that is unknown.
    A code outside the four (a ticket created through the API may carry any) is shown as it is."""
    return IN_LANGUAGE.get(written_in or "en", IN_LANGUAGE["en"]).get(language, language)

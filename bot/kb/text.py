"""Text processing for KB search: clean-up, per-language normalisation and tokenisation (spaCy).

Every language gets the same treatment with its own rules, so Hebrew, Arabic and Czech are first-class:
- Hebrew: niqqud and cantillation marks removed, final letter forms (ך ם ן ף ץ) unified, the
  one-letter prefixes (ו ה ב ל מ ש כ) split off as an extra token, and the spoken ת' read as "את ה";
- Arabic: diacritics (tashkeel) and tatweel removed, alef/ya/ta-marbuta/hamza variants unified, the
  article and conjunction prefixes (ال و ب ل ف) split off as an extra token, and the commonest
  dialect function words (Levantine, Egyptian, Gulf) read as their Modern Standard equivalents;
- Czech: diacritics folded (customers often type without them), a light suffix stem added, and the
  commonest colloquial words ("furt", "prachy", "sem" for "jsem") read as their standard forms;
- English: a light plural/verb suffix stem added.
Tokenisation is spaCy's rule-based tokenizer of ``spacy.blank(lang)``: no model download.
"""
from __future__ import annotations

import html
import re
import threading
import unicodedata
from functools import cache, lru_cache

MAX_QUESTION_CHARS = 1000
"""Longer questions are cut here: a 100 KB paste is not a question, and search time must stay bounded."""

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,500}>", re.IGNORECASE | re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")

_HEBREW_MARKS = re.compile(r"[\u0591-\u05C7]")
_HEBREW_FINALS = str.maketrans("ךםןףץ", "כמנפצ")
_HEBREW_PREFIXES = "והבלמשכ"
_ARABIC_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل")
_ARABIC_SPOKEN = {
    # "الطلب تبعي" (Levantine), "الطلب بتاعي" (Egyptian): "my order"; the possessive says nothing of the topic
    **dict.fromkeys("تبعي تبعك تبعه تبعها تبعنا تبعكم تبعهم تبع بتاعي بتاعك بتاعه بتاعها بتاعنا بتاعتي بتاعتك بتاع".split(), ""),
    **dict.fromkeys("يعني عم".split(), ""),  # filler; the progressive of "عم بحاول"
    **dict.fromkeys("ليش ليه".split(), "لماذا"),
    **dict.fromkeys("شو ايش وش".split(), "ماذا"),
    **dict.fromkeys("امتي ايمتي".split(), "متي"),
    **dict.fromkeys("ازاي كيفاش".split(), "كيف"),
    **dict.fromkeys("بدي بدنا ابغي ابي عايز عاوز عايزه عاوزه".split(), "اريد"),
    **dict.fromkeys("هلق هلا هسه دلوقتي الحين".split(), "الان"),
    **dict.fromkeys("عشان علشان مشان منشان".split(), "لان"),
    "كتير": "كثير",
    "هيك": "هكذا",
    "كمان": "ايضا",
    "شي": "شيء",
    "اشي": "شيء",
}
"""Dialect function word → its Modern Standard form, or "" for none.

Customers write dialect, articles Modern Standard Arabic: "كيف بغير كلمة السر تبعي؟" differs from "كيف أغير
كلمة السر" only by such words, which the KB's vocabulary lacks and which made the question look out of scope."""
_CZECH_SPOKEN = {
    "furt": "porad", "prachy": "penize", "kacky": "korun", "zpatky": "zpet", "tedka": "ted", "tejden": "tyden",
    "bejt": "byt", "sem": "jsem", "ste": "jste",  # "zapomněl sem heslo": the colloquial jsem, jste
    # "furt mi nedošla objednávka": dojít for přijít (to arrive)
    "dosla": "prisla", "nedosla": "neprisla", "dosel": "prisel", "nedosel": "neprisel", "doslo": "prislo",
    "nedoslo": "neprislo", "dojde": "prijde", "nedojde": "neprijde",
}
"""Colloquial Czech (obecná čeština) word → its standard form, diacritics folded as :func:`normalize` does."""
_SPOKEN_FORMS = {"ar": _ARABIC_SPOKEN, "cs": _CZECH_SPOKEN}
"""Per language, the words customers write where articles have another (already normalised, see :func:`normalize`)."""
_HEBREW_SPOKEN_ET = ("ת'", "ת׳", "ת`")
"""Spoken Hebrew glues "את ה" to its noun as ת' ("שכחתי ת'סיסמה"): one unknown word where articles have two."""
_CZECH_SUFFIXES = tuple(
    sorted(
        "ami emi ach ech ich ove ovi ova eho emu ymi imi ou em om um am at it et a e i o u y".split(),
        key=len,
        reverse=True,
    )
)
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s")

_tokenizer_lock = threading.Lock()


def clean(text: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """Plain text from whatever a customer or author typed: tags and scripts dropped, entities decoded,
    Markdown links reduced to their text, whitespace collapsed, length bounded."""
    text = text[: max_chars * 4]
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") else c for c in text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


def fold_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def normalize(text: str, language: str) -> str:
    """Lower-case and unify spelling variants that customers mix freely (see module doc)."""
    text = text.casefold()
    if language == "he":
        return _HEBREW_MARKS.sub("", text).translate(_HEBREW_FINALS)
    if language == "ar":
        return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    return fold_diacritics(text)


@cache
def _blank_pipeline(language: str):
    import spacy

    return spacy.blank(language)


def _spacy_words(text: str, language: str) -> list[str]:
    nlp = _blank_pipeline(language)
    with _tokenizer_lock:  # spaCy's tokenizer cache is not documented as thread-safe
        doc = nlp.make_doc(text)
    return [t.text for t in doc if not (t.is_punct or t.is_space)]


def stem(word: str, language: str) -> str:
    """A light, rule-based stem; returns ``word`` when no rule applies (an extra feature, never a replacement)."""
    if language == "he":
        if len(word) >= 4 and word[0] in _HEBREW_PREFIXES:
            return word[1:]
        return word
    if language == "ar":
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                return word[len(prefix):]
        return word
    suffixes = _CZECH_SUFFIXES if language == "cs" else _ENGLISH_SUFFIXES
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=100_000)
def _words(text: str, language: str) -> tuple[str, ...]:
    """Memoised: index builds tokenise every example once per cross-validation fold."""
    tokens = _spacy_words(normalize(text, language), language)
    spoken = _SPOKEN_FORMS.get(language)
    if spoken:
        tokens = [spoken.get(t, t) for t in tokens]
    if language == "he":
        tokens = [w for t in tokens for w in (("את", "ה" + t[2:]) if t.startswith(_HEBREW_SPOKEN_ET) and len(t) > 3 else (t,))]
    return tuple(t for t in tokens if any(ch.isalnum() for ch in t))


def words(text: str, language: str) -> list[str]:
    """Normalised word tokens of already-cleaned text (no punctuation, no emoji)."""
    return list(_words(text, language))


def word_features(text: str, language: str) -> list[str]:
    """Tokens for the word-level index: each word, its stem when different, and adjacent word pairs."""
    tokens = _words(text, language)
    features = list(tokens)
    for token in tokens:
        stemmed = stem(token, language)
        if stemmed != token:
            features.append("~" + stemmed)
    features += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return features


def char_text(text: str, language: str) -> str:
    """Normalised text for character n-grams: words only, single-spaced."""
    return " ".join(_words(text, language))

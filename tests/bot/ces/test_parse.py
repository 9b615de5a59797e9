"""Free-text answers to the CES question, in English, Hebrew, Arabic and Czech."""
from __future__ import annotations

import pytest

from bot.ces.parse import is_skip, parse_ces_score

SCORED = [
    # digits, in any script and common "out of" forms
    ("6", "en", 6),
    ("7", "en", 7),
    ("1", "en", 1),
    ("6/7", "en", 6),
    ("I'd say 6", "en", 6),
    ("6!", "en", 6),
    ("6.0", "en", 6),
    ("I give it 7 out of 7", "en", 7),
    ("٦", "ar", 6),
    ("۶", "ar", 6),
    ("６", "en", 6),
    ("6️⃣", "en", 6),
    ("6 מתוך 7", "he", 6),
    ("6 من 7", "ar", 6),
    ("6 z 7", "cs", 6),
    # number words
    ("six", "en", 6),
    ("Seven!", "en", 7),
    ("I'd say five", "en", 5),
    ("שש", "he", 6),
    ("שבע", "he", 7),
    ("ستة", "ar", 6),
    ("خمسة", "ar", 5),
    ("šest", "cs", 6),
    ("sest", "cs", 6),
    ("dávám pětku", "cs", 5),
    # English phrases
    ("very easy", "en", 7),
    ("Super easy!", "en", 7),
    ("effortless", "en", 7),
    ("piece of cake", "en", 7),
    ("strongly agree", "en", 7),
    ("easy", "en", 6),
    ("agree", "en", 6),
    ("no problem", "en", 6),
    ("ok", "en", 5),
    ("fine", "en", 5),
    ("somewhat agree", "en", 5),
    ("not hard", "en", 5),
    ("it wasn't hard at all", "en", 5),
    ("so-so", "en", 4),
    ("neither agree nor disagree", "en", 4),
    ("easy but slow", "en", 4),
    ("not easy", "en", 3),
    ("not very easy", "en", 3),
    ("a bit hard", "en", 3),
    ("somewhat disagree", "en", 3),
    ("hard", "en", 2),
    ("difficult", "en", 2),
    ("disagree", "en", 2),
    ("very hard", "en", 1),
    ("it was a pain", "en", 1),
    ("nightmare", "en", 1),
    ("strongly disagree", "en", 1),
    ("I don't agree", "en", 2),  # not agreeing with the statement is disagreeing, not "just past the middle"
    ("לא מסכים", "he", 2),
    ("בכלל לא מסכימה", "he", 1),
    ("לא מסכים בכלל", "he", 1),
    ("لا أوافق", "ar", 2),
    ("لا أوافق بشدة", "ar", 1),
    # Hebrew
    ("קל מאוד", "he", 7),
    ("מאוד קל", "he", 7),
    ("מעולה", "he", 7),
    ("קל", "he", 6),
    ("בסדר", "he", 5),
    ("די קל", "he", 5),
    ("לא קשה", "he", 5),
    ("לא קל", "he", 3),
    ("קצת קשה", "he", 3),
    ("קשה", "he", 2),
    ("סיוט", "he", 1),
    ("נורא קשה", "he", 1),
    # Arabic (with and without harakat / tanween)
    ("سهل جدا", "ar", 7),
    ("سهل جداً", "ar", 7),
    ("رائع", "ar", 7),
    ("سهل", "ar", 6),
    ("لا بأس", "ar", 5),
    ("مش صعب", "ar", 5),
    ("عادي", "ar", 4),
    ("ليس سهلا", "ar", 3),
    ("صعب", "ar", 2),
    ("صعب جدا", "ar", 1),
    ("كابوس", "ar", 1),
    # Czech (with and without diacritics)
    ("velmi snadné", "cs", 7),
    ("snadné", "cs", 6),
    ("snadne", "cs", 6),
    ("v pohodě", "cs", 5),
    ("nebylo to těžké", "cs", 5),
    ("nesnadné", "cs", 3),
    ("docela těžké", "cs", 3),
    ("těžké", "cs", 2),
    ("hrozně těžké", "cs", 1),
    ("noční můra", "cs", 1),
]

NOT_SCORES = [
    ("0", "en"),
    ("9", "en"),
    ("100", "en"),
    ("-3", "en"),
    ("6/10", "en"),
    ("10/10", "en"),
    ("6.5", "en"),
    ("5-6", "en"),
    ("5 or 6", "en"),
    ("10:30", "en"),
    ("", "en"),
    ("   ", "en"),
    ("😀", "en"),
    ("👍👍", "en"),
    ("<b>6</b>", "en"),
    ("<script>alert(1)</script>", "en"),
    ("'; DROP TABLE ces_ratings; --", "en"),
    ("thanks", "en"),
    ("yes", "en"),
    ("what do you mean?", "en"),
    ("6" * 600, "en"),
    ("9" * 400, "en"),
    ("6.0001", "en"),
    ("easy " * 20_000, "en"),  # 100 KB
    ("\x00\x01\x02", "en"),
    ("sest", "en"),  # Czech number words only when the conversation is Czech
    ("שלום", "he"),
    ("مرحبا", "ar"),
    ("dobrý den, mám dotaz ohledně faktury a platby", "cs"),
]


@pytest.mark.parametrize("text, language, expected", SCORED)
def test_an_answer_maps_to_its_score(text, language, expected):
    assert parse_ces_score(text, language) == expected


@pytest.mark.parametrize("text, language", NOT_SCORES)
def test_an_answer_without_a_clear_score_gives_none_so_the_bot_re_asks(text, language):
    assert parse_ces_score(text, language) is None


def test_a_non_string_answer_gives_none():
    assert parse_ces_score(None) is None
    assert parse_ces_score(b"6") is None  # type: ignore[arg-type]


def test_words_of_every_language_are_read_whatever_the_detected_language():
    assert parse_ces_score("קל מאוד", "en") == 7
    assert parse_ces_score("very easy", "he") == 7
    assert parse_ces_score("سهل", "cs") == 6
    assert parse_ces_score("six", "en-US") == 6


SKIPS = [
    "skip", "Skip please", "no thanks", "No thank you!", "no thanks, bye", "nope", "not now", "later",
    "přeskočit", "preskocit", "ne díky", "ne",
    "דלג", "לא תודה", "לא",
    "تخطي", "لا شكرا", "لا",
]
NOT_SKIPS = ["6", "easy", "no, it was hard", "not easy", "skip the small talk, it was hard", "", "😀", "<b>skip</b>"]


@pytest.mark.parametrize("text", SKIPS)
def test_declining_to_rate_is_a_skip(text):
    assert is_skip(text, "en") is True


@pytest.mark.parametrize("text", NOT_SKIPS)
def test_an_answer_or_noise_is_not_a_skip(text):
    assert is_skip(text, "en") is False

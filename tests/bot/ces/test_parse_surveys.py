"""Free-text answers to the CSAT (1..5) and NPS (0..10) questions, in English, Hebrew, Arabic and Czech."""
from __future__ import annotations

import pytest

from bot.ces.parse import is_skip, parse_score
from bot.ces.surveys import CSAT, NPS

CSAT_SCORED = [
    ("5", "en", 5), ("1", "en", 1), ("4/5", "en", 4), ("4 out of 5", "en", 4), ("٤", "ar", 4), ("۳", "ar", 3),
    ("４", "en", 4), ("4 מתוך 5", "he", 4), ("4 z 5", "cs", 4),
    ("four", "en", 4), ("חמש", "he", 5), ("خمسة", "ar", 5), ("čtyři", "cs", 4),
    ("very satisfied", "en", 5), ("satisfied", "en", 4), ("not satisfied", "en", 2),
    ("very dissatisfied", "en", 1), ("disappointed", "en", 2), ("neutral", "en", 3),
    ("מרוצה מאוד", "he", 5), ("מרוצה", "he", 4), ("לא מרוצה", "he", 2),
    ("راضٍ جدًا", "ar", 5), ("راضي", "ar", 4), ("غير راضٍ", "ar", 2),
    ("velmi spokojen", "cs", 5), ("spokojená", "cs", 4), ("nespokojen", "cs", 2), ("zklamaný", "cs", 2),
    ("great help", "en", 4), ("terrible", "en", 1),
]
CSAT_NOT_SCORES = [
    ("6", "en"), ("0", "en"), ("7/7", "en"), ("4/10", "en"), ("3.5", "en"), ("-2", "en"), ("٦", "ar"),
    ("eight", "en"), ("<b>5</b>", "en"), ("😀", "en"), ("🙂🙂", "en"), ("", "en"), ("banana", "en"),
    ("satisfied " * 200, "en"),
]

NPS_SCORED = [
    ("0", "en", 0), ("9", "en", 9), ("10", "en", 10), ("10/10", "en", 10), ("7 out of 10", "en", 7),
    ("٩", "ar", 9), ("۱۰", "ar", 10), ("０", "en", 0), ("8 מתוך 10", "he", 8), ("9 z 10", "cs", 9),
    ("zero", "en", 0), ("nine", "en", 9), ("ten!", "en", 10), ("תשע", "he", 9), ("עשר", "he", 10),
    ("عشرة", "ar", 10), ("صفر", "ar", 0), ("deset", "cs", 10), ("devět", "cs", 9), ("nula", "cs", 0),
    ("definitely would recommend", "en", 10), ("I would recommend you", "en", 9), ("maybe", "en", 5),
    ("no way", "en", 0), ("would not recommend", "en", 4), ("very likely", "en", 9),
    ("בהחלט אמליץ", "he", 10), ("אולי", "he", 5), ("لا أنصح", "ar", 4), ("بالتأكيد أنصح", "ar", 10),
    ("ربما", "ar", 5), ("určitě doporučím", "cs", 10), ("nedoporučím", "cs", 4), ("možná", "cs", 5),
]
NPS_NOT_SCORES = [
    ("11", "en"), ("-1", "en"), ("100", "en"), ("9/7", "en"), ("9.5", "en"), ("١١", "ar"),
    ("<i>9</i>", "en"), ("👍", "en"), ("great service", "en"), ("ten", "cs"),  # Czech "ten" is "that"
    ("", "en"), ("seven or eight", "en"),
]


@pytest.mark.parametrize("text, language, expected", CSAT_SCORED)
def test_a_csat_answer_maps_to_its_score(text, language, expected):
    assert parse_score(text, language, CSAT) == expected


@pytest.mark.parametrize("text, language", CSAT_NOT_SCORES)
def test_a_csat_answer_out_of_range_or_unclear_gives_none(text, language):
    assert parse_score(text, language, CSAT) is None


@pytest.mark.parametrize("text, language, expected", NPS_SCORED)
def test_an_nps_answer_maps_to_its_score(text, language, expected):
    assert parse_score(text, language, NPS) == expected


@pytest.mark.parametrize("text, language", NPS_NOT_SCORES)
def test_an_nps_answer_out_of_range_or_unclear_gives_none(text, language):
    assert parse_score(text, language, NPS) is None


@pytest.mark.parametrize("survey", [CSAT, NPS])
@pytest.mark.parametrize("text", ["skip", "no thanks", "דלג", "تخطي", "přeskočit"])
def test_skip_works_for_every_survey(survey, text):
    assert is_skip(text, "en", survey) is True


def test_a_score_is_never_a_skip():
    assert is_skip("no, 9", "en", NPS) is False
    assert is_skip("no way", "en", NPS) is False

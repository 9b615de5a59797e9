"""Language detection for customer messages in en / he / ar / cs."""
import pytest

from bot.kb.language import detect_language, normalize_language


@pytest.mark.parametrize(
    "text, expected",
    [
        ("How do I reset my password?", "en"),
        ("where is my order", "en"),
        ("איך אני מאפס את הסיסמה?", "he"),
        ("שָׁכַחְתִּי אֶת הַסִּיסְמָה", "he"),
        ("كيف أعيد تعيين كلمة المرور؟", "ar"),
        ("نَسِيتُ كَلِمَةَ المُرُور", "ar"),
        ("Jak si změním heslo?", "cs"),
        ("kde je moje objednavka", "cs"),  # Czech typed without diacritics
        ("nemuzu se prihlasit", "cs"),
        ("my iPhone איך מאפסים סיסמה", "he"),  # Hebrew with an English product name
        ("الطلب رقم 123 order", "ar"),
    ],
)
def test_detects_the_customers_language(text: str, expected: str):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", None, "😀🙏🔥", "12345 !!!", "   "])
def test_text_without_letters_falls_back_to_the_default(text):
    assert detect_language(text, default="cs") == "cs"


def test_a_huge_message_is_detected_quickly_from_its_start():
    assert detect_language("שלום " * 50_000) == "he"


@pytest.mark.parametrize("code, expected", [("en-US", "en"), ("CS", "cs"), ("he_IL", "he"), ("fr", "en"), (None, "en")])
def test_language_codes_are_normalised(code, expected):
    assert normalize_language(code) == expected

"""Language detection for customer messages in en / he / ar / cs, and the language the bot answers in:
detected from each message, but not flipped by "ok" or "6"."""
import pytest

from bot.language import conversation_language, detect_language, normalize_language


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


@pytest.mark.parametrize("text", ["ok", "yes", "6", "no thanks", "👍", "ok!!", "T-42"])
@pytest.mark.parametrize("current", ["cs", "he", "ar", "en"])
def test_short_latin_or_letterless_messages_keep_the_conversation_language(text, current):
    assert conversation_language(text, current) == current


@pytest.mark.parametrize("text", ["pro plan", "u there?", "ale why", "café ok"])
def test_a_short_english_message_with_a_czech_looking_word_stays_english(text):
    assert conversation_language(text, "en") == "en"


def test_short_czech_without_accents_keeps_the_conversation_language():
    assert conversation_language("dobry den", "ar") == "ar"


@pytest.mark.parametrize("text, current, expected", [
    ("שכחתי את הסיסמה", "en", "he"),
    ("כן", "cs", "he"),  # one Hebrew word is enough: the script says it all
    ("نسيت كلمة المرور", "en", "ar"),
    ("نعم", "he", "ar"),
    ("Zapomněl jsem heslo", "en", "cs"),
    ("děkuji", "en", "cs"),  # short, but written with Czech accents
    ("dobrý den", "ar", "cs"),
    ("zapomnel jsem heslo", "en", "cs"),  # Czech typed without diacritics, long enough to tell
    ("How do I reset my password?", "cs", "en"),
    ("I forgot my password", "he", "en"),
])
def test_a_message_in_another_language_switches_the_conversation(text, current, expected):
    assert conversation_language(text, current) == expected


def test_a_mostly_hebrew_message_quoting_an_english_product_is_hebrew():
    assert conversation_language("האפליקציה של Acme Plus קורסת כל הזמן", "en") == "he"


@pytest.mark.parametrize("payload", ["/affirm", '/choose_article{"article_id": "reset-password"}', "/request_human"])
def test_button_payloads_never_change_the_language(payload):
    assert conversation_language(payload, "ar") == "ar"
    assert conversation_language(payload, None, hint="he-IL") == "he"
    assert conversation_language(payload, None) == "en"


def test_the_channel_hint_is_used_until_the_conversation_has_a_language():
    assert conversation_language("hi", None, hint="cs-CZ") == "cs"
    assert conversation_language("", None, hint="ar") == "ar"
    assert conversation_language("hi", "he", hint="cs") == "he"  # the conversation's own language wins


def test_a_new_conversation_without_a_hint_goes_by_the_message():
    assert conversation_language("ok", None) == "en"
    assert conversation_language("dobry den", None) == "cs"
    assert conversation_language("שלום", None) == "he"


@pytest.mark.parametrize("unknown", ["de", "fr-FR", "xx", "", "  "])
def test_an_unsupported_language_or_hint_falls_back_to_english(unknown):
    assert conversation_language("ok", unknown) == "en"
    assert conversation_language("ok", None, hint=unknown) == "en"


@pytest.mark.parametrize("text", [None, ""])
def test_no_text_keeps_the_language(text):
    assert conversation_language(text, "cs") == "cs"


@pytest.mark.parametrize("text", [
    "<script>alert('hi')</script> please help me with my order",
    "'; DROP TABLE tickets; -- what is my order status",
    "refund " * 20_000,
    "\x00\x01 binary \xff junk with my order",
])
def test_hostile_or_huge_messages_still_get_a_supported_language(text):
    assert conversation_language(text, "he") == "en"  # each is written in English, long enough to switch

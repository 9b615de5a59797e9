"""The customer's language in en / he / ar / cs, and the conversation's: set by the first message
(or the channel's locale), changed only by an explicit request or a clear sentence (docs/languages.md)."""
import pytest

from bot.language import (
    IN_LANGUAGE,
    SUPPORTED_LANGUAGES,
    clean_text,
    clear_sentence_language,
    conversation_language,
    detect_language,
    has_written_words,
    in_language,
    language_from_entities,
    normalize_language,
    requested_language,
)

RLM, LRM, RLE, PDF, RLI, PDI = "\u200f", "\u200e", "\u202b", "\u202c", "\u2067", "\u2069"


# --- detecting a message's language ------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("How do I reset my password?", "en"),
        ("where is my order", "en"),
        ("that's right", "en"),  # not Czech: the apostrophe joins "that's", no stray "s"
        ("it's not working", "en"),
        ("איך אני מאפס את הסיסמה?", "he"),
        ("שָׁכַחְתִּי אֶת הַסִּיסְמָה", "he"),  # niqqud
        ("צ׳כית", "he"),
        ("كيف أعيد تعيين كلمة المرور؟", "ar"),
        ("نَسِيتُ كَلِمَةَ المُرُور", "ar"),  # harakat
        ("شـــكـــرا جـــزيـــلا", "ar"),  # tatweel
        ("Jak si změním heslo?", "cs"),
        ("kde je moje objednavka", "cs"),  # Czech typed without diacritics
        ("nemuzu se prihlasit", "cs"),
        ("my iPhone איך מאפסים סיסמה", "he"),  # Hebrew with an English product name
        ("الطلب رقم 123 order", "ar"),
        (f"{RLM}שלום{LRM} Noa", "he"),
        (f"{RLE}where is my order{PDF}", "en"),
        (f"{RLI}مرحبا{PDI} {RLM}", "ar"),
        ("objednavka noa@example.com nefunguje", "cs"),  # the address is not Latin-script evidence
        # a customer's everyday Czech words (until 7 December "kolik stojí doprava" was English, and out of scope)
        ("kolik stojí doprava", "cs"),
        ("kam mi prijde balik", "cs"),
        ("kdo mi vrati penize", "cs"),
    ],
)
def test_detects_the_customers_language(text: str, expected: str):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", None, "😀🙏🔥", "12345 !!!", "   ", f"{RLM}{LRM}\u202e\u2066", "noa@example.com",
                                  "https://acme.example/orders/42", "+972 54-123-4567", "Привет"])
def test_text_without_letters_of_a_supported_script_falls_back_to_the_default(text):
    assert detect_language(text, default="cs") == "cs"


def test_bidi_controls_niqqud_harakat_and_tatweel_are_removed_before_reading():
    assert clean_text(f"{RLM}שָׁלוֹם{LRM}") == "שלום"
    assert clean_text("مَرْحَبًـــا\u202b") == "مرحبا"
    assert clean_text("Čeština") == "Čeština"  # Czech letters are letters, not marks


def test_a_huge_message_is_detected_quickly_from_its_start():
    assert detect_language("שלום " * 50_000) == "he"


@pytest.mark.parametrize("code, expected", [("en-US", "en"), ("CS", "cs"), ("he_IL", "he"), ("fr", "en"), (None, "en")])
def test_language_codes_are_normalised(code, expected):
    assert normalize_language(code) == expected


# --- what counts as a clear sentence ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("where is my order", "en"),
    ("I forgot my password", "en"),  # one function word is enough in four words
    ("How do I reset my password?", "en"),
    ("Zapomněl jsem heslo", "cs"),
    ("zapomnel jsem heslo", "cs"),
    ("nemuzu se prihlasit", "cs"),
    ("שכחתי את הסיסמה", "he"),
    ("نسيت كلمة المرور", "ar"),
    ("שָׁכַחְתִּי אֶת הַסִּיסְמָה", "he"),
    ("نَسِيـــتُ كَلِمَـــةَ المُرُور", "ar"),
    (f"{RLM}איפה{RLM} ההזמנה שלי{LRM}", "he"),
])
def test_a_clear_sentence_shows_its_language(text, expected):
    assert clear_sentence_language(text) == expected


@pytest.mark.parametrize("text", [
    "ok", "תודה", "شكرا", "děkuji", "dobry den", "ok thank you",
    "Noa Cohen", "Noa Cohen Levi", "Jan Novák Dvořák", "נועה כהן", "نور الهدى",
    "noa.cohen@example.com", "noa@example.com 0541234567 thanks", "+420 777 123 456", "T-42-1234",
    "6", "😀🙏🔥 👍 🙂", "/affirm", '/switch_language{"language":"en"}', "",
    "https://acme.example/help/orders page", "refund " * 300,
])
def test_names_addresses_numbers_emoji_payloads_and_short_replies_are_not_clear_sentences(text):
    assert clear_sentence_language(text) is None


# --- explicit requests -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("English please", "en"),
    ("English", "en"),
    ("english pls", "en"),
    ("in Czech please", "cs"),
    ("can we speak hebrew?", "he"),
    ("Arabic", "ar"),
    ("עברית", "he"),
    ("אפשר באנגלית?", "en"),
    ("בעברית בבקשה", "he"),
    ("ערבית", "ar"),
    ("צ'כית", "cs"),
    ("צ׳כית בבקשה", "cs"),
    ("عربي", "ar"),
    ("العربية", "ar"),
    ("بالعربي لو سمحت", "ar"),
    ("الإنجليزية", "en"),
    ("انجليزي من فضلك", "en"),
    ("العَرَبِيَّة", "ar"),  # with harakat
    ("česky", "cs"),
    ("cesky prosim", "cs"),
    ("Čeština", "cs"),
    ("cestina", "cs"),
    ("můžeme mluvit anglicky?", "en"),
    ("hebrejsky prosím", "he"),
    (f"{RLM}עברית{RLM}", "he"),
    ("ENGLISH!!!", "en"),
])
def test_an_explicit_request_names_the_language(text, expected):
    assert requested_language(text) == expected


@pytest.mark.parametrize("text", [
    "do you ship to Czech Republic",
    "I bought an English keyboard and it does not work",
    "my Hebrew invoice is wrong",
    "English or Hebrew?",  # two languages: ask which
    "can we use another language?",
    "ok", "", None, "/switch_language", "Noa Cohen", "hello",
    "please please please please please please please english",  # too long for a request
])
def test_a_message_that_only_mentions_a_language_requests_none(text):
    assert requested_language(text) is None


@pytest.mark.parametrize("entities, expected", [
    ([{"entity": "language", "value": "he"}], "he"),
    ([{"entity": "article_id", "value": "x"}, {"entity": "language", "value": "cs-CZ"}], "cs"),
    ([{"entity": "language", "value": "de"}], None),
    ([{"entity": "language", "value": 7}], None),
    ([], None),
    (None, None),
])
def test_a_language_buttons_entity_names_a_supported_language(entities, expected):
    assert language_from_entities(entities) == expected


# --- the conversation's language ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["ok", "yes", "6", "no thanks", "👍", "ok!!", "T-42", "תודה", "שלום", "شكرا",
                                  "děkuji", "dobrý den", "Noa Cohen", "Noa Cohen Levi", "נועה כהן",
                                  "noa.cohen@example.com", "+972 54 123 4567", "that's right"])
@pytest.mark.parametrize("current", ["cs", "he", "ar", "en"])
def test_a_short_reply_name_address_or_number_keeps_the_conversation_language(text, current):
    assert conversation_language(text, current) == current


@pytest.mark.parametrize("text, current, expected", [
    ("שכחתי את הסיסמה", "en", "he"),
    ("نسيت كلمة المرور", "en", "ar"),
    ("Zapomněl jsem heslo", "en", "cs"),
    ("zapomnel jsem heslo", "en", "cs"),  # Czech typed without diacritics, long enough to tell
    ("How do I reset my password?", "cs", "en"),
    ("I forgot my password", "he", "en"),
    ("האפליקציה של Acme Plus קורסת כל הזמן", "en", "he"),  # mostly Hebrew, quoting a product
])
def test_a_clear_sentence_in_another_language_switches_the_conversation(text, current, expected):
    assert conversation_language(text, current) == expected


@pytest.mark.parametrize("text", ["How do I reset my password?", "שכחתי את הסיסמה", "Zapomněl jsem heslo",
                                  "Noa Cohen Levi", "noa@example.com"])
def test_nothing_but_an_explicit_request_switches_while_the_bot_collects_a_detail(text):
    assert conversation_language(text, "ar", collecting=True) == "ar"


@pytest.mark.parametrize("text, expected", [("English please", "en"), ("עברית", "he"), ("česky", "cs")])
def test_an_explicit_request_switches_even_while_collecting_a_detail(text, expected):
    assert conversation_language(text, "ar", collecting=True) == expected


def test_a_language_button_switches_whatever_the_text():
    assert conversation_language('/switch_language{"language":"cs"}', "he", requested="cs") == "cs"


@pytest.mark.parametrize("payload", ["/affirm", '/choose_article{"article_id": "reset-password"}', "/request_human"])
def test_button_payloads_never_change_the_language(payload):
    assert conversation_language(payload, "ar") == "ar"
    assert conversation_language(payload, None, hint="he-IL") == "he"
    assert conversation_language(payload, None) is None  # still unknown: no words yet


@pytest.mark.parametrize("text, expected", [
    ("שלום", "he"),  # one Hebrew word is enough for a first message: the script says it all
    ("مرحبا", "ar"),
    ("děkuji", "cs"),
    ("dobry den", "cs"),
    ("where is my order", "en"),
    ("hi", "cs"),  # nothing to go by: the channel's locale stays
    ("Noa Cohen", "cs"),
])
def test_the_first_message_with_evidence_sets_the_language_over_the_channels_locale(text, expected):
    assert conversation_language(text, "cs", hint="cs-CZ", settled=False) == expected


def test_the_channel_hint_is_used_until_the_conversation_has_a_language():
    assert conversation_language("hi", None, hint="ar", settled=False) == "ar"
    assert conversation_language("", None, hint="ar") == "ar"
    assert conversation_language("hi", "he", hint="cs") == "he"  # the conversation's own language wins


def test_a_new_conversation_without_a_hint_goes_by_the_message():
    assert conversation_language("ok", None, settled=False) == "en"
    assert conversation_language("dobry den", None, settled=False) == "cs"
    assert conversation_language("שלום", None, settled=False) == "he"
    assert conversation_language("👍", None, settled=False) is None


@pytest.mark.parametrize("unknown", ["de", "fr-FR", "xx", "", "  "])
def test_an_unsupported_language_or_hint_falls_back_to_the_message(unknown):
    assert conversation_language("ok", unknown) == "en"
    assert conversation_language("ok", None, hint=unknown, settled=False) == "en"


@pytest.mark.parametrize("text", [None, ""])
def test_no_text_keeps_the_language(text):
    assert conversation_language(text, "cs") == "cs"


@pytest.mark.parametrize("texts, expected", [
    (["hi"], True), (["/greet", "שלום"], True), (["/greet", "👍", "", None], False), ([], False),
])
def test_the_language_is_settled_once_the_customer_has_written_words(texts, expected):
    assert has_written_words(texts) is expected


@pytest.mark.parametrize("text", [
    "<script>alert('hi')</script> please help me with my order",
    "'; DROP TABLE tickets; -- what is my order status",
    "\x00\x01 binary \xff junk with my order",
])
def test_hostile_messages_written_in_english_switch_to_english(text):
    assert conversation_language(text, "he") == "en"


@pytest.mark.parametrize("text", [
    "refund " * 20_000, "\ud800 broken surrogate", "\u202e\u202e\u202e" * 1000, "a\u0301" * 5000,
    "Noa\u202e moc.knab", "שלום hello مرحبا ahoj", "ש" * 100_000,
])
@pytest.mark.parametrize("current", ["he", None])
def test_odd_messages_never_crash_and_give_a_supported_language_or_none(text, current):
    for settled in (True, False):
        assert conversation_language(text, current, settled=settled) in ("en", "he", "ar", "cs", None)
    assert requested_language(text) in ("en", "he", "ar", "cs", None)


@pytest.mark.parametrize("written_in, in_english", [
    ("en", "in English"), ("he", "באנגלית"), ("ar", "باللغة الإنجليزية"), ("cs", "v angličtině"),
])
def test_a_language_is_named_in_each_language(written_in, in_english):
    names = {in_language(language, written_in) for language in SUPPORTED_LANGUAGES}

    assert len(names) == len(SUPPORTED_LANGUAGES) and set(IN_LANGUAGE[written_in]) == set(SUPPORTED_LANGUAGES)
    assert in_language("en", written_in) == in_english


def test_a_language_is_named_in_english_when_the_reader_s_language_is_unknown():
    assert in_language("cs", None) == "in Czech"


def test_a_language_outside_the_four_is_named_by_its_code():
    assert in_language("fr", "en") == "fr"

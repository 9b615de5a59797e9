"""The greeting of our e-mails: by name where the language takes a name as it is given."""
import pytest

from bot.email.templates import TEXTS, greeting, texts_for


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Hello Dana,"), ("he", "שלום Dana,"), ("ar", "مرحبًا Dana،"),
    # Czech would need the vocative ("Dobrý den, Dano"), which a name as typed does not give.
    ("cs", "Dobrý den,"),
])
def test_the_receipt_greets_by_name_where_the_language_allows_it(language, expected):
    assert greeting(texts_for(language), "  Dana ") == expected


@pytest.mark.parametrize("name", [None, "", "   "])
def test_without_a_name_the_greeting_is_plain(name):
    assert [greeting(texts, name) for texts in TEXTS.values()] == ["Hello,", "שלום,", "مرحبًا،", "Dobrý den,"]


def test_a_name_with_braces_is_text_not_a_template():
    body = texts_for("en").receipt_body.format(greeting=greeting(texts_for("en"), "{company}"), reference="T-1",
                                              subject="s", company="Acme")
    assert body.startswith("Hello {company},\n")

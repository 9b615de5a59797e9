"""Every help-centre word exists in each supported language; category names fall back sensibly."""
from dataclasses import fields

from bot.helpcentre.texts import CATEGORY_NAMES, LANGUAGE_NAMES, LANGUAGE_NAMES_IN, TEXTS, category_name
from bot.language import SUPPORTED_LANGUAGES


def test_every_text_is_written_for_every_language():
    assert set(TEXTS) == set(LANGUAGE_NAMES) == set(LANGUAGE_NAMES_IN) == set(SUPPORTED_LANGUAGES)
    for language, texts in TEXTS.items():
        for field in fields(texts):
            assert getattr(texts, field.name).strip(), f"{language}.{field.name} is empty"
    for names in CATEGORY_NAMES.values():
        assert set(names) == set(SUPPORTED_LANGUAGES)


def test_known_categories_are_translated_and_unknown_ones_title_cased():
    assert category_name("account", "he") == "חשבון והתחברות"
    assert category_name("Billing", "cs") == "Platby a fakturace"
    assert category_name("gift-cards", "ar") == "Gift Cards"

"""Every response in domain.yml speaks every supported language, with the same variables and buttons.

A response missing a language falls back to English in the middle of a Hebrew, Arabic or Czech
conversation; a variant with other ``{placeholders}`` fails to render or drops a fact (the ticket
reference, the agent's name); a button whose payload differs does something else in that language.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bot.language import SUPPORTED_LANGUAGES
from bot.settings import PROJECT_ROOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")
SCRIPT = {"he": re.compile(r"[\u0590-\u05FF]"), "ar": re.compile(r"[\u0600-\u06FF]")}


def _responses() -> dict[str, list[dict[str, Any]]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def variant_language(variant: dict[str, Any]) -> str | None:
    """``en`` for the unconditioned variant, the ``language`` slot value a conditioned one needs, else
    ``None`` (a condition on something else, which this domain does not use)."""
    conditions = variant.get("condition") or []
    if not conditions:
        return "en"
    if len(conditions) == 1 and conditions[0].get("type") == "slot" and conditions[0].get("name") == "language":
        return str(conditions[0].get("value"))
    return None


def variants_by_language(response: str, variants: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The variants of one response keyed by language; fails on a duplicate or an unknown condition."""
    by_language: dict[str, dict[str, Any]] = {}
    for variant in variants:
        language = variant_language(variant)
        assert language is not None, f"{response}: a variant with a condition other than the language slot"
        assert language not in by_language, f"{response}: two variants for {language!r}"
        by_language[language] = variant
    return by_language


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def payloads(variant: dict[str, Any], own_language: str | None = None) -> list[str]:
    """The variant's button payloads; with ``own_language``, that code written as ``<own>``, so "stay in
    my language" (``/switch_language{"language":"he"}`` in the Hebrew variant) reads the same everywhere."""
    raw = [str(button["payload"]) for button in variant.get("buttons") or []]
    if own_language is None:
        return raw
    own = re.compile(rf'("language"\s*:\s*)"{re.escape(own_language)}"')
    return [own.sub(r'\1"<own>"', payload) for payload in raw]


SWITCH_TO_ENGLISH = re.compile(r'^/switch_language\{+"language"\s*:\s*"en"\}+$')


def same_buttons(language: str, variant: dict[str, Any], english: dict[str, Any]) -> bool:
    """The same payloads as English: literally (a language menu), or up to each variant's own language,
    where another language may also offer English (issue #14: "no agent speaks your language" offers it)."""
    if payloads(variant) == payloads(english):
        return True
    own = payloads(variant, language)
    if language != "en":
        own = [payload for payload in own if not SWITCH_TO_ENGLISH.match(payload)]
    return own == payloads(english, "en")


def needs_translation(title: str, payload: str) -> bool:
    """Numbers and language names (a language menu lists each in its own language) read the same everywhere."""
    return not title.isdigit() and not payload.startswith("/switch_language")


def only_placeholders(text: str) -> bool:
    """Text such as ``{answer}``: its words come from Python, already in the customer's language."""
    return not PLACEHOLDER.sub("", text).strip()


RESPONSES = _responses()


@pytest.mark.parametrize("response", sorted(RESPONSES))
def test_every_response_has_a_variant_in_every_supported_language(response):
    by_language = variants_by_language(response, RESPONSES[response])

    missing = [language for language in SUPPORTED_LANGUAGES if language not in by_language]
    unknown = sorted(set(by_language) - set(SUPPORTED_LANGUAGES))
    assert not missing, f"{response} has no variant in {missing}"
    assert not unknown, f"{response} has variants for unsupported languages {unknown}"


@pytest.mark.parametrize("response", sorted(RESPONSES))
def test_every_variant_uses_the_same_placeholders_as_english(response):
    by_language = variants_by_language(response, RESPONSES[response])
    english = placeholders(by_language["en"].get("text", ""))

    for language, variant in by_language.items():
        assert placeholders(variant.get("text", "")) == english, f"{response} [{language}]: {variant.get('text')!r}"


@pytest.mark.parametrize("response", sorted(RESPONSES))
def test_buttons_do_the_same_in_every_language_with_translated_titles(response):
    by_language = variants_by_language(response, RESPONSES[response])
    english_buttons = by_language["en"].get("buttons") or []

    for language, variant in by_language.items():
        buttons = variant.get("buttons") or []
        assert same_buttons(language, variant, by_language["en"]), f"{response} [{language}]: other payloads"
        assert all(str(b.get("title") or "").strip() for b in buttons), f"{response} [{language}]: a button without title"
        if language != "en":
            english_titles = {e["title"] for e in english_buttons}
            untranslated = [b["title"] for b in buttons
                            if b["title"] in english_titles and needs_translation(str(b["title"]), str(b["payload"]))]
            assert not untranslated, f"{response} [{language}]: English button titles {untranslated}"


@pytest.mark.parametrize("response", sorted(RESPONSES))
def test_no_variant_is_an_untranslated_copy_of_the_english_one(response):
    by_language = variants_by_language(response, RESPONSES[response])
    english = by_language["en"].get("text", "")
    if only_placeholders(english):
        pytest.skip("the text is only placeholders, filled in the customer's language by an action")

    for language, variant in by_language.items():
        text = variant.get("text", "")
        if language != "en":
            assert text != english, f"{response} [{language}] is the English text"
        if language in SCRIPT:
            assert SCRIPT[language].search(text), f"{response} [{language}] is not in {language} script: {text!r}"


def test_the_checks_catch_a_missing_language_a_changed_placeholder_and_a_changed_payload():
    """The checks above, on a broken response, so a mistake in them cannot pass everything."""
    broken = [
        {"text": "Your ticket is {ticket_reference}.", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"condition": [{"type": "slot", "name": "language", "value": "he"}], "text": "הפנייה שלך היא {reference}.",
         "buttons": [{"title": "כן", "payload": "/deny"}]},
    ]
    by_language = variants_by_language("broken", broken)

    assert set(SUPPORTED_LANGUAGES) - set(by_language) == {"ar", "cs"}
    assert placeholders(by_language["he"]["text"]) != placeholders(by_language["en"]["text"])
    assert not same_buttons("he", by_language["he"], by_language["en"])
    stay_in_czech = {"buttons": [{"title": "Zůstat", "payload": '/switch_language{"language":"cs"}'}]}
    stay_in_english = {"buttons": [{"title": "Stay", "payload": '/switch_language{"language":"en"}'}]}
    assert same_buttons("cs", stay_in_czech, stay_in_english)
    assert not same_buttons("he", stay_in_czech, stay_in_english)
    offer_english = {"buttons": [{"title": "להמשיך באנגלית", "payload": '/switch_language{"language":"en"}'},
                                 {"title": "לחכות", "payload": '/switch_language{"language":"he"}'}]}
    assert same_buttons("he", offer_english, stay_in_english)
    assert not same_buttons("he", offer_english, {"buttons": []})
    with pytest.raises(AssertionError, match="two variants"):
        variants_by_language("twice", [broken[0], broken[0]])

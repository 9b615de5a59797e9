"""Per-language normalisation: the spelling variants customers mix freely reach the index as one form."""
import pytest

from bot.kb.text import _SPOKEN_FORMS, normalize, stem, word_features, words


def test_hebrew_niqqud_and_final_letters_are_normalised():
    assert normalize("חֶשְׁבּוֹן", "he") == normalize("חשבון", "he") == "חשבונ"


def test_arabic_tatweel_diacritics_and_letter_variants_are_normalised():
    assert normalize("إلغـــاءُ الطَّلَبِ", "ar") == "الغاء الطلب"
    assert normalize("كلمة", "ar") == normalize("كلمه", "ar")


def test_arabic_dialect_function_words_read_as_modern_standard():
    # "how do I change my password" in Levantine: the possessive تبعي drops, like the MSA suffix it replaces
    assert words("كيف بغير كلمة السر تبعي؟", "ar") == words("كيف بغير كلمة السر", "ar")
    assert words("بدي الغي الطلب بتاعي", "ar") == words("أريد الغي الطلب", "ar")
    assert words("ليش اتأخر", "ar") == words("لماذا اتأخر", "ar")


@pytest.mark.parametrize("spoken", ["שכחתי ת'סיסמה", "שכחתי ת׳סיסמה"])  # apostrophe or geresh
def test_spoken_hebrew_et_reads_as_et_ha(spoken):
    assert words(spoken, "he") == words("שכחתי את הסיסמה", "he")


def test_a_lone_hebrew_tav_with_a_geresh_stays_a_word():
    assert words("ת׳ לא", "he") == ["ת׳", "לא"]


def test_colloquial_czech_reads_as_standard_czech():
    assert words("furt mi nedošla objednávka", "cs") == words("pořád mi nepřišla objednávka", "cs")
    assert words("zapomněl sem heslo", "cs") == words("zapomněl jsem heslo", "cs")
    assert words("chci zpátky prachy", "cs") == words("chci zpět peníze", "cs")


@pytest.mark.parametrize("language", sorted(_SPOKEN_FORMS))
def test_the_spoken_forms_are_written_in_normalised_spelling(language):
    for word, standard in _SPOKEN_FORMS[language].items():
        assert normalize(word, language) == word
        assert normalize(standard, language) == standard


def test_czech_without_diacritics_is_the_same_word():
    assert words("Vrácení peněz", "cs") == words("vraceni penez", "cs")


def test_prefix_and_suffix_stems():
    assert stem("בנטפליקס", "he") == "נטפליקס"  # "on Netflix"
    assert stem("الحساب", "ar") == "حساب"
    assert stem("objednavky", "cs") == "objednavk"
    assert stem("the", "en") == "the"  # too short to stem


def test_word_features_are_words_stems_and_pairs():
    assert word_features("I want refunds", "en") == ["i", "want", "refunds", "~refund", "i want", "want refunds"]

"""Per-language normalisation: the spelling variants customers mix freely reach the index as one form."""
from bot.kb.text import _ARABIC_DIALECT, normalize, stem, word_features, words


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


def test_the_arabic_dialect_table_is_written_in_normalised_spelling():
    for word, standard in _ARABIC_DIALECT.items():
        assert normalize(word, "ar") == word
        assert normalize(standard, "ar") == standard


def test_czech_without_diacritics_is_the_same_word():
    assert words("Vrácení peněz", "cs") == words("vraceni penez", "cs")


def test_prefix_and_suffix_stems():
    assert stem("בנטפליקס", "he") == "נטפליקס"  # "on Netflix"
    assert stem("الحساب", "ar") == "حساب"
    assert stem("objednavky", "cs") == "objednavk"
    assert stem("the", "en") == "the"  # too short to stem


def test_word_features_are_words_stems_and_pairs():
    assert word_features("I want refunds", "en") == ["i", "want", "refunds", "~refund", "i want", "want refunds"]

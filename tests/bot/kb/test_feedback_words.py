"""A "yes" that also says the answer was enough, told apart from a bare "yes", in the four languages."""
import pytest

from bot.kb.feedback_words import says_it_helped


@pytest.mark.parametrize("text", [
    "yes thanks that helped", "Yes, that’s all I needed", "ok got it, thanks", "that worked!", "all good thanks",
    "כן תודה זה עזר", "הבנתי, תודה", "זה מספיק לי",
    "نعم شكرا هذا ساعدني", "تمام فهمت", "مفيد جدا",
    "ano díky, to pomohlo", "ano, to staci", "už to mám, díky", "vyřešeno",
])
def test_a_yes_that_says_it_helped(text):
    assert says_it_helped(text)


@pytest.mark.parametrize("text", [
    "yes", "yes please", "sure, show me", "ok", "yes it didn't help", "that doesn't help",
    "כן", "כן בבקשה", "לא עזר",
    "نعم", "نعم من فضلك", "ما ساعد",
    "ano", "jo, ukaž", "ano prosím", "",
    None,
])
def test_a_plain_yes_or_a_negated_help_is_not_that_helped(text):
    assert not says_it_helped(text)


def test_words_that_only_contain_a_phrase_do_not_count():
    assert not says_it_helped("unsolved")

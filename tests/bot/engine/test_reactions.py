"""A message without a word: an emoji reaction is a yes or a no, anything else says nothing."""
import pytest

from bot.engine.reactions import APPROVING, DISAPPROVING, reaction_intent, says_nothing


@pytest.mark.parametrize("text", ["👍", "👍🏽", "👍 👍", "👌", "✅", "❤️", "🙂", "😊", "🙏", "🙏🏾", "💯", "🫶", "✌️", ":)", ": )",
                                  # with punctuation, or the direction mark a right-to-left keyboard adds
                                  "👍!", "❤️!", "🙏.", "\u200f👍", "\u200e🙏\u061c"])
def test_an_approving_reaction_is_a_yes(text):
    assert reaction_intent(text) == "affirm"


@pytest.mark.parametrize("text", ["👎", "👎🏻", "❌", "🙁", "😕", "😭😭", "😡😡😡", "🤬", "🤦‍♀️", "👎!", "\u200f😡", ":(", ":'("])
def test_a_disapproving_reaction_is_a_no(text):
    assert reaction_intent(text) == "deny"


@pytest.mark.parametrize("text", [
    None, "", "   ", "??", "...", "🤷", "🍕", "👍👎", "👍 ok", "ok 👍", "👍2", "thanks 🙏", "כן 👍", "6", "/affirm",
    "\u200f", "!?", ":", ":D", "👍?", "👍؟",
])
def test_mixed_other_or_worded_messages_are_no_reaction(text):
    assert reaction_intent(text) is None


@pytest.mark.parametrize("text", [None, "", "  \n", "??", "...", "!!!", "😀😀", "🤷‍♂️", "\x00\x01", "\u200f"])
def test_a_message_without_a_letter_or_digit_says_nothing(text):
    assert says_nothing(text)


@pytest.mark.parametrize("text", ["a", "6", "٣", "T-42", "/deny", "ok 👍", "לא", "لا", "ne"])
def test_a_letter_or_a_digit_is_something_said(text):
    assert not says_nothing(text)


def test_no_emoji_is_both_a_yes_and_a_no():
    assert not APPROVING & DISAPPROVING

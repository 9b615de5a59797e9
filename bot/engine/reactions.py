"""Messages without a word: an emoji reaction ("👍", "🙁") is a yes or a no, and the rest ("??", "...", "🤷")
says nothing (standard library only: the Rasa process uses it).

DIET has no feature for a message without letters or digits, so it read every one the same way, as a no at
0.996: a thumbs-up under "Did that answer your question?" marked the article a miss, and "😡" as a first
message got "Okay. Anything else?". The NLU component (:mod:`bot.engine.nlu`) reads these instead.
"""
from __future__ import annotations

import unicodedata

# What a reaction may carry besides its emoji: skin tones, the presentation selectors, the joiner and the
# gender signs it joins ("🤦‍♀️"). Direction marks (right-to-left keyboards) and punctuation ("👍!") go too.
_MODIFIERS = frozenset("\ufe0f\ufe0e\u200d\u2640\u2642") | frozenset(chr(code) for code in range(0x1F3FB, 0x1F400))
_EMOTICONS = {":)": "affirm", ":-)": "affirm", "(:": "affirm", ":(": "deny", ":-(": "deny", ":'(": "deny", "):": "deny"}
APPROVING = frozenset("👍👌✅✔✓☑🆗🙂😊😀😃😄😁☺🥰😍🤩😎🤗😇🙌👏🎉💯💪🙏🤝✌🫶❤♥💙💚💜🧡💛🤍🖤")
"""A yes: under "Did that answer your question?" it helped; "🙏" is thanks."""
DISAPPROVING = frozenset("👎❌✖✗🙁☹😕😞😟😔😢😭😠😡🤬😤😩😫😒😖😣💔🤦")
"""A no: under "Did that answer your question?" it did not help, whether sad or angry."""


def says_nothing(text: str | None) -> bool:
    """Whether the message has no letter or digit: no words to answer or look up ("??", "...", "😀", "")."""
    return not any(ch.isalnum() for ch in text or "")


def reaction_intent(text: str | None) -> str | None:
    """``affirm`` for a message of approving emoji only ("👍", "👍🏽👍!", "❤️", ":)"), ``deny`` for disapproving
    ones ("👎", "😡😡", ":("), else None (mixed, other emoji, punctuation alone, or any word: no emoji or emoticon
    is a letter or digit)."""
    text = text or ""
    if "?" in text or "؟" in text:  # "👍?" asks
        return None
    emoticon = _EMOTICONS.get("".join(text.split()))
    if emoticon is not None:
        return emoticon
    marks = {ch for ch in text if not ch.isspace() and ch not in _MODIFIERS and not _mark_or_punctuation(ch)}
    if marks and marks <= APPROVING:
        return "affirm"
    if marks and marks <= DISAPPROVING:
        return "deny"
    return None


def _mark_or_punctuation(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cf" or category.startswith("P")

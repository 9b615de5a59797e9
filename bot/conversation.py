"""Conversation-level decisions that are not tied to one feature."""
from __future__ import annotations

import re
from typing import Optional

from bot.kb.language import detect_language, normalize_language

# Below this many words a Latin-script message ("ok", "yes", "6") says nothing about the
# language, so a Czech conversation must not flip to English because of it — nor an English one
# to Czech because of a word that happens to be Czech too ("pro plan", "u there?"). Czech written
# with its accents ("děkuji", "dobrý den") is evidence enough even in so few words.
MIN_WORDS_TO_SWITCH_LATIN = 3
ACCENTED_LATIN = re.compile(r"[\u00C0-\u024F]")


def conversation_language(text: Optional[str], current: Optional[str], hint: Optional[str] = None) -> str:
    """The language to answer in after ``text``: detected, but sticky for short Latin messages.

    ``hint`` is what the channel says (e.g. the browser's language) and is used when the
    conversation has no language yet.
    """
    known = normalize_language(current or hint, default="")
    fallback = known or "en"
    if not text or text.startswith("/"):
        return fallback
    detected = detect_language(text, default=fallback)
    short = len(text.split()) < MIN_WORDS_TO_SWITCH_LATIN
    accented_czech = detected == "cs" and ACCENTED_LATIN.search(text)
    if known and detected in ("en", "cs") and short and not accented_czech:
        return known
    return detected

"""Conversation-level decisions that are not tied to one feature."""
from __future__ import annotations

from typing import Optional

from bot.kb.language import detect_language, normalize_language

# Below this many words a Latin-script message ("ok", "yes", "6") says nothing about the
# language, so a Czech conversation must not flip to English because of it.
MIN_WORDS_TO_SWITCH_LATIN = 3


def conversation_language(text: Optional[str], current: Optional[str], hint: Optional[str] = None) -> str:
    """The language to answer in after ``text``: detected, but sticky for short Latin messages.

    ``hint`` is what the channel says (e.g. the browser's language) and is used when the
    conversation has no language yet.
    """
    fallback = normalize_language(current or hint, default="en")
    if not text or text.startswith("/"):
        return fallback
    detected = detect_language(text, default=fallback)
    if detected in ("en", "cs") and len(text.split()) < MIN_WORDS_TO_SWITCH_LATIN and detected != "cs":
        return fallback
    return detected

"""Arbitration between control intents and knowledge-base questions (pure functions, standard library only).

A control intent (``cancel``, ``deny``, ``check_ticket_status``, ``bot_challenge``) answers with a fixed reply,
so when DIET picks one for a real question the customer gets "Okay, anything else?" or "I can't find a ticket"
instead of an article. (``out_of_scope`` needs no arbitration: its rule sends it to the knowledge base, whose
domain model decides whether "outside what I can help with" is the honest reply.) DIET's confidence does not tell these apart:
"chci zrušit předplatné" (cancel my subscription) scores 0.99 for ``cancel`` because "zrušit" is a cancel word.
What does tell them apart is the vocabulary: control messages are short and made of the words control
intents are trained on ("cancel that", "no thanks", "ticket status", "are you a bot"), while a question
brings words of its own ("předplatné", "jacket", "money"). So a control intent is overruled, and the message
goes to the knowledge base, when it carries at least ``min_topic_words`` words that no training example of
the arbitrated intents uses, unless DIET is all but certain (``max_confidence``).

The Rasa component that applies this is ``bot.engine.nlu.ControlIntentArbiter``.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ARBITRATED_INTENTS = ("cancel", "deny", "check_ticket_status", "bot_challenge")
MIN_TOPIC_WORDS = 2
"""One unknown word is tolerated ("ok cancel", "zrušit objednávku"): a stray word does not make a question."""
MAX_CONFIDENCE = 0.999
"""DIET gives control intents 0.99 on questions that share one control word, so only near-certainty counts."""

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased words without diacritics ("Zrušit" and "zrusit" are one word); numbers are not words
    (a ticket reference like T-1042 is not a topic)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return [word for word in _WORD.findall(plain) if any(ch.isalpha() for ch in word)]


def control_vocabulary(examples: Iterable[str]) -> frozenset[str]:
    """Every word the training examples of the arbitrated intents use."""
    return frozenset(word for example in examples for word in words(example))


def topic_words(text: str, vocabulary: frozenset[str]) -> list[str]:
    """The words of ``text`` that no control example uses: what the message is about, if anything."""
    return [word for word in words(text) if word not in vocabulary]


@dataclass(frozen=True)
class Arbitration:
    """When a control intent gives way to the knowledge base (thresholds explained in the module doc)."""

    intents: frozenset[str] = frozenset(ARBITRATED_INTENTS)
    min_topic_words: int = MIN_TOPIC_WORDS
    max_confidence: float = MAX_CONFIDENCE

    def reads_as_question(self, text: str, intent: str, confidence: float, vocabulary: frozenset[str]) -> bool:
        """True when ``intent`` (DIET's pick, ``confidence``) should give way to the knowledge base."""
        if intent not in self.intents or confidence >= self.max_confidence:
            return False
        return len(topic_words(text, vocabulary)) >= self.min_topic_words

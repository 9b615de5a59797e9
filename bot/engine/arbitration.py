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
the arbitrated intents uses, unless DIET is all but certain (``max_confidence``) and the message has fewer
than ``CERTAIN_TOPIC_WORDS`` of them.

A second check covers every intent with a fixed reply, not only control ones: a short message (at most
``MAX_UNKNOWN_MESSAGE_WORDS`` words) none of whose words that intent's training examples use, even
misspelt by one letter, is not that intent. DIET's character n-grams otherwise give a confident intent to
words it has never seen: the name "Dana Levi" read as ``goodbye``, "banana" as ``request_human``, the
Arabic names "عمر" as ``cancel`` and "خالد العتيبي" as ``switch_language``, which would cancel the form or
switch the language instead of taking the answer. Such a message becomes ``nlu_fallback`` too: inside a
form it is the answer to the question asked, outside one it goes to the knowledge base.

The Rasa component that applies this is ``bot.engine.nlu.ControlIntentArbiter``.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ARBITRATED_INTENTS = ("cancel", "deny", "check_ticket_status", "bot_challenge", "switch_language", "restart")
OWN_VOCABULARY_INTENTS = ("switch_language", "restart")
"""Arbitrated against their own examples' words only: the polite words of a language request ("česky
prosím") would otherwise make "zrušit předplatné prosím" read as a control message; and "how do i switch
to yearly billing" is a question, not a request for another language. Likewise "رسالة إعادة التعيين لا
تصل" (the reset message does not arrive) is a problem, not a request to start over, and the words of
starting over ("new", "start", "جديد") must not make other questions read as control messages."""
KNOWN_WORD_INTENTS = (
    "greet", "goodbye", "thank", "bot_challenge", "affirm", "deny", "cancel", "restart", "request_human",
    "complain", "check_ticket_status", "reject_suggestions", "switch_language", "rate_effort",
)
"""Intents with a fixed reply, checked for a known word; questions (``ask_question``, ``out_of_scope``)
go to the knowledge base anyway."""
MAX_UNKNOWN_MESSAGE_WORDS = 3
"""Longer messages carry enough context for DIET; names and stray words are short."""
MIN_TOPIC_WORDS = 2
"""One unknown word is tolerated ("ok cancel", "zrušit objednávku"): a stray word does not make a question."""
MAX_CONFIDENCE = 0.999
"""DIET gives control intents 0.99 on questions that share one control word, so only near-certainty counts."""
CERTAIN_TOPIC_WORDS = 4
"""Even a near-certain control intent gives way at this many topic words: DIET is also near-certain about
"i sent the jacket back last week when do i see the money" being a ticket-status check."""

_WORD = re.compile(r"\w+")
_EMAIL_ADDRESS = re.compile(r"\S+@\S+")
EMAIL_WORD = "emailaddress"
"""What an e-mail address counts as: one word, no topic (its parts are not four topics), and no intent's."""


def words(text: str) -> list[str]:
    """Lower-cased words without diacritics ("Zrušit" and "zrusit" are one word); numbers are not words
    (a ticket reference like T-1042 is not a topic), and an e-mail address is one (so "status of my
    tickets for jana.novakova@seznam.cz" stays a status question, and a bare address stays no intent's)."""
    decomposed = unicodedata.normalize("NFKD", _EMAIL_ADDRESS.sub(f" {EMAIL_WORD} ", (text or "").casefold()))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return [word for word in _WORD.findall(plain) if any(ch.isalpha() for ch in word)]


def control_vocabulary(examples: Iterable[str]) -> frozenset[str]:
    """Every word the training examples of the arbitrated intents use."""
    return frozenset(word for example in examples for word in words(example))


def topic_words(text: str, vocabulary: frozenset[str]) -> list[str]:
    """The words of ``text`` that no control example uses: what the message is about, if anything (an
    e-mail address says whose, not what about)."""
    return [word for word in words(text) if word not in vocabulary and word != EMAIL_WORD]


def intent_vocabularies(examples: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Every word each intent's training examples use, from ``(intent, text)`` pairs."""
    found: dict[str, set[str]] = {}
    for intent, text in examples:
        found.setdefault(intent, set()).update(words(text))
    return {intent: frozenset(vocabulary) for intent, vocabulary in found.items()}


def _one_edit_apart(word: str, known: str) -> bool:
    """Equal after one substitution, insertion, deletion or swap of neighbours ("thnks", "cancle")."""
    if abs(len(word) - len(known)) > 1 or word == known:
        return word == known
    if len(word) == len(known):
        differences = [i for i, (a, b) in enumerate(zip(word, known, strict=True)) if a != b]
        return len(differences) == 1 or (
            len(differences) == 2 and differences[1] == differences[0] + 1
            and word[differences[0]] == known[differences[1]] and word[differences[1]] == known[differences[0]]
        )
    shorter, longer = sorted((word, known), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def knows_a_word(text: str, vocabulary: frozenset[str]) -> bool:
    """Whether a word of ``text`` is in ``vocabulary``, or one letter from a known word of five or more letters (shorter ones collide: "حداد", a surname, and "حدا", "someone")."""
    for word in words(text):
        if word in vocabulary:
            return True
        if len(word) >= 5 and any(_one_edit_apart(word, known) for known in vocabulary if abs(len(known) - len(word)) <= 1):
            return True
    return False


def unknown_to_intent(text: str, intent: str, vocabularies: dict[str, frozenset[str]]) -> bool:
    """True when a short message shares no word with ``intent``'s examples, so cannot be that intent
    (see the module doc). Messages without words (numbers, emoji, button payloads) are left alone."""
    if intent not in KNOWN_WORD_INTENTS or intent not in vocabularies or (text or "").startswith("/"):
        return False
    message_words = words(text)
    if not message_words or len(message_words) > MAX_UNKNOWN_MESSAGE_WORDS:
        return False
    return not knows_a_word(text, vocabularies[intent])


@dataclass(frozen=True)
class Arbitration:
    """When a control intent gives way to the knowledge base (thresholds explained in the module doc)."""

    intents: frozenset[str] = frozenset(ARBITRATED_INTENTS)
    min_topic_words: int = MIN_TOPIC_WORDS
    max_confidence: float = MAX_CONFIDENCE

    def reads_as_question(self, text: str, intent: str, confidence: float, vocabulary: frozenset[str]) -> bool:
        """True when ``intent`` (DIET's pick, ``confidence``) should give way to the knowledge base."""
        if intent not in self.intents:
            return False
        topics = len(topic_words(text, vocabulary))
        if confidence >= self.max_confidence:
            return topics >= CERTAIN_TOPIC_WORDS
        return topics >= self.min_topic_words

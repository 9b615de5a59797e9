"""Group the questions the KB could not answer so near-duplicates count together.

"How do I export my data?", "how can I export data" and "Export my data??" are one gap. Each
question is normalised (lower case, no diacritics or punctuation), tokenised with spaCy's
blank tokenizer for its language and stripped of stop words; two questions are alike when the
Jaccard similarity of their word sets — or of their character trigrams, which also matches
inflections like "export"/"exporting" and small typos — reaches ``threshold``. Grouping is greedy:
questions are taken most frequent first, each joins the first group whose leading question it is
alike to, or starts a new group. Deterministic, no model download, and fast enough for thousands
of questions.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

SPACY_LANGUAGES = ("en", "he", "ar", "cs")
DEFAULT_THRESHOLD = 0.5
MAX_EXAMPLES = 3
MAX_QUESTION_CHARS = 200
_PUNCTUATION = re.compile(r"[^\w\s]+")
# Hebrew and Arabic write "the", "and", "to", "in" as a prefix of the next word ("הנתונים",
# "والدفع"); the first one is removed so "נתונים"/"הנתונים" are the same word.
_PROCLITICS = {
    "he": ("ו", "ה", "ב", "ל", "מ", "ש", "כ"),
    "ar": ("وال", "بال", "لل", "ال", "و", "ب", "ل"),
}
MIN_STEM_CHARS = 3


@dataclass(frozen=True)
class GapQuestion:
    """One unanswered question: what was asked, in which language and conversation, and why."""

    text: str
    language: str
    conversation_id: str
    source: str  # abstain | miss | ticket


@dataclass
class GapGroup:
    questions: list[GapQuestion] = field(default_factory=list)

    def as_dict(self) -> dict:
        texts = Counter(_display(question.text) for question in self.questions)
        # Most frequent wording first; ties keep the order questions were seen in.
        ordered = [text for text, _ in sorted(texts.items(), key=lambda item: -item[1])]
        sources = Counter(question.source for question in self.questions)
        return {
            "representative": ordered[0],
            "count": len(self.questions),
            "conversations": len({question.conversation_id for question in self.questions}),
            "languages": sorted({question.language for question in self.questions}),
            "sources": dict(sorted(sources.items())),
            "examples": ordered[1:1 + MAX_EXAMPLES],
        }


def _display(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_QUESTION_CHARS else line[: MAX_QUESTION_CHARS - 1].rstrip() + "…"


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("ـ", "").replace("ى", "ي").replace("ة", "ه")


@cache
def _tokenizer(language: str):
    """spaCy's blank pipeline (tokenizer only) and its stop words, normalised like the text."""
    import spacy  # imported on first use: only the KB-gap report needs it

    nlp = spacy.blank(language if language in SPACY_LANGUAGES else "xx")
    stop_words = frozenset(_strip_marks(word) for word in nlp.Defaults.stop_words)
    return nlp, stop_words


def question_words(text: str, language: str) -> frozenset[str]:
    """The content words of a question: normalised, tokenised per language, stop words removed
    (all words are kept when every word is a stop word, e.g. "how do I?")."""
    language = (language or "en").lower()[:2]
    nlp, stop_words = _tokenizer(language)
    words = [token.text for token in nlp(_PUNCTUATION.sub(" ", _strip_marks(text))) if not token.is_space]
    content = [word for word in words if word not in stop_words]
    return frozenset(_without_proclitic(word, language) for word in content or words)


def _without_proclitic(word: str, language: str) -> str:
    for prefix in _PROCLITICS.get(language, ()):
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_CHARS:
            return word[len(prefix):]
    return word


def _trigrams(words: frozenset[str]) -> frozenset[str]:
    grams: set[str] = set()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def group_questions(questions: Sequence[GapQuestion], threshold: float = DEFAULT_THRESHOLD) -> list[GapGroup]:
    """Greedy leader clustering; groups come back largest first (by conversations, then questions)."""
    features: dict[tuple[str, str], frozenset[str]] = {}
    by_wording: dict[frozenset[str], list[GapQuestion]] = {}
    for question in questions:
        key = (question.text, question.language)
        if key not in features:
            features[key] = question_words(question.text, question.language)
        by_wording.setdefault(features[key], []).append(question)

    groups: list[GapGroup] = []
    leaders = _Leaders(threshold)
    for words, same in sorted(by_wording.items(), key=lambda item: -len(item[1])):
        alike = leaders.first_alike(words)
        if alike is None:
            leaders.add(words)
            groups.append(GapGroup(list(same)))
        else:
            groups[alike].questions.extend(same)
    groups.sort(key=lambda group: (
        -len({question.conversation_id for question in group.questions}),
        -len(group.questions),
    ))
    return groups


class _Leaders:
    """The groups' leading questions, indexed by word and by trigram, so a question is compared only
    with the leaders it shares a trigram with: with nothing in common (and ``threshold`` above 0) two
    questions are never alike, and comparing each question with every group cost questions × groups
    (2–5 s for 5,000 varied questions). Finds the same group a comparison with each leader in turn would,
    since the shared counts give the same Jaccard figures."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.sizes: list[tuple[int, int]] = []  # (words, trigrams) of each leader, by position
        self.by_word: dict[str, list[int]] = {}
        self.by_trigram: dict[str, list[int]] = {}

    def first_alike(self, words: frozenset[str]) -> int | None:
        """The position of the first leader alike to ``words``, if any."""
        if not self.sizes:
            return None
        if self.threshold <= 0:
            return 0
        trigrams = _trigrams(words)
        if not trigrams:  # no words at all: alike only to a leader without words (Jaccard of two empty sets is 1)
            return next((position for position, sizes in enumerate(self.sizes) if sizes == (0, 0) and self.threshold <= 1), None)
        shared_words = Counter(chain.from_iterable(self.by_word.get(word, ()) for word in words))
        shared_trigrams = Counter(chain.from_iterable(self.by_trigram.get(gram, ()) for gram in trigrams))
        for position in sorted(shared_trigrams):
            leader_words, leader_trigrams = self.sizes[position]
            common_words, common_trigrams = shared_words[position], shared_trigrams[position]
            if max(common_words / (len(words) + leader_words - common_words),
                   common_trigrams / (len(trigrams) + leader_trigrams - common_trigrams)) >= self.threshold:
                return position
        return None

    def add(self, words: frozenset[str]) -> None:
        position, trigrams = len(self.sizes), _trigrams(words)
        self.sizes.append((len(words), len(trigrams)))
        for word in words:
            self.by_word.setdefault(word, []).append(position)
        for gram in trigrams:
            self.by_trigram.setdefault(gram, []).append(position)

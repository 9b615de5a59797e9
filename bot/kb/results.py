"""What a KB search returns, and the thresholds that turn probabilities into answer / clarify / abstain."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Candidate:
    """An article that may answer the question; ``score`` is the calibrated probability (0..1) that it does."""

    article_id: str
    title: str
    score: float
    url: str | None = None


OVERRULING_PROBABILITY = 0.9
"""How probable the best article must be for the KB's answer to overrule an intent NLU read in the message:
"withdraw cookie consent" is read as withdrawing a request. On the shipped KB real questions of that kind
score 0.96 or more in all four languages, the withdraw phrases of the NLU data at most 0.74 ("stop waiting"
against pausing a subscription); tests/bot/kb/test_shipped_kb.py pins both."""


@dataclass(frozen=True)
class SearchResult:
    """What the bot should do with a question, and why."""

    decision: str  # "answer" | "clarify" | "abstain"
    candidates: list[Candidate]
    reason: str
    language: str
    in_scope: float = 0.0
    """How much the question looks covered by the KB at all (gate probability; 0 when not searched)."""
    other_company: str | None = None
    """Set when the question is about another company's product (e.g. "Netflix") the KB never mentions."""
    coverage: str = "covered"
    """Why the bot answers or not, for the wording of the reply: ``covered`` (answer or clarify),
    ``not_covered`` (a question about the company's domain that no article answers: a KB gap),
    ``out_of_domain`` (not something this company's support answers: weather, jokes) or
    ``other_company`` (another company's product)."""
    article_language: str | None = None
    """Set when the answer is an article that exists only in this other language (``language`` is
    the customer's): the reply must say which language the article is in."""

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def overrules_intent(self) -> bool:
        """Whether the answer is sure enough to overrule another intent NLU read in the message
        (``OVERRULING_PROBABILITY``)."""
        return self.decision == "answer" and self.top is not None and self.top.score >= OVERRULING_PROBABILITY

    def next_best(self, tried: Iterable[str]) -> Candidate | None:
        """After "that didn't help": the best article not yet tried, if its probability from this same
        search is at least "Did you mean" level. (Searching again with ``exclude_ids`` would not do:
        with the right-looking article removed, the rest are renormalised to look plausible.)"""
        tried = set(tried)
        minimum = DecisionPolicy().offer_min
        return next((c for c in self.candidates if c.article_id not in tried and c.score >= minimum), None)

    @property
    def clarify_options(self) -> list[Candidate]:
        """The titles to offer in "Did you mean …?" (empty unless the decision is clarify)."""
        if self.decision != "clarify":
            return []
        minimum = DecisionPolicy().offer_min
        return [c for c in self.candidates[:3] if c.score >= minimum]


@dataclass(frozen=True)
class DecisionPolicy:
    """Thresholds on the calibrated probabilities and the gate; the two gate levels are learned per index.

    - abstain when the gate is below ``abstain_below`` (the KB does not seem to cover the question), or when
      the question is not about the KB's domain and not confidently in scope either (no "Did you mean …?"
      for the weather);
    - answer outright when the best article is at least ``answer_threshold`` probable, the question looks
      in scope enough (``in_scope`` ≥ ``answer_in_scope``, learned per index so that few questions the KB
      does not cover pass) and no runner-up is close;
    - a runner-up is *close* when it is at least ``clarify_min`` probable and within ``clarify_gap`` of the best;
    - otherwise ask "Did you mean …?" when the best is at least ``offer_min`` probable, else abstain.
    """

    answer_threshold: float = 0.6
    clarify_min: float = 0.3
    clarify_gap: float = 0.5
    offer_min: float = 0.15
    answer_in_scope: float = 0.5
    abstain_below: float = 0.0

    def decide(self, scores: Sequence[float], in_scope: float, in_domain: float = 1.0) -> tuple[str, str]:
        if in_scope < self.abstain_below or (in_domain < 0.5 and in_scope < self.answer_in_scope):
            return "abstain", "low confidence: the question does not look covered"
        first = scores[0] if scores else 0.0
        second = scores[1] if len(scores) > 1 else 0.0
        close = second >= self.clarify_min and first - second < self.clarify_gap
        if first >= self.answer_threshold and in_scope >= self.answer_in_scope and not close:
            return "answer", "confident"
        if close:
            return "clarify", "two close candidates"
        if first >= self.offer_min:
            return "clarify", "not sure enough to answer"
        return "abstain", "low confidence"

"""Building one language's index: components on all examples, the scorer fitted on k-fold held-out questions."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.kb import text as kbtext
from bot.kb.components import (
    EmbeddingComponent,
    LexicalComponent,
    TrainingSet,
    candidate_features,
)
from bot.kb.loader import Article
from bot.kb.other_companies import OtherCompanyNames
from bot.kb.out_of_scope import OUT_OF_SCOPE_QUESTIONS
from bot.kb.results import DecisionPolicy
from bot.kb.scorer import BoostedTrees, Logistic, Scorer, sigmoid

if TYPE_CHECKING:  # imported where used: loading it is only needed with an embedding model
    from bot.kb.embeddings import SentenceEncoder


@dataclass
class LanguageIndex:
    language: str
    articles: list[Article]
    components: list
    scorer: Scorer
    policy: DecisionPolicy
    uses_embeddings: bool
    other_companies: OtherCompanyNames | None = None

    def features(
        self, texts: Sequence[str], embeddings: np.ndarray | None, hidden=None, off_topic_itself: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate features (n_questions, n_articles, n) and question features (n_questions, m)."""
        return features_of(self.components, texts, embeddings, hidden, off_topic_itself)


def features_of(
    components: Sequence, texts: Sequence[str], embeddings: np.ndarray | None, hidden=None, off_topic_itself: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`LanguageIndex.features` for ``components`` alone (the calibration folds have no scorer yet)."""
    matrices, floors, question_columns = [], [], []
    for component in components:
        questions = component.represent(texts, embeddings)
        matrices += component.score(questions)
        floors += component.floors
        question_columns += component.question_features(texts, questions, off_topic_itself)
    return candidate_features(matrices, floors, hidden), np.stack(question_columns, axis=1)


def article_texts(article: Article) -> tuple[str, list[str], str]:
    title = kbtext.clean(article.title.replace("_", " "))
    questions = [q for q in (kbtext.clean(q) for q in article.questions) if q]
    document = kbtext.clean(" ".join([article.title, " ".join(article.tags), article.summary, article.body]), 5000)
    return title, questions, document


def training_set(
    article_texts: Sequence[tuple[str, list[str], str]],
    off_topic: list[str],
    held_out: set | None = None,
    removed: frozenset = frozenset(),
) -> tuple[TrainingSet, list[tuple[int, int]]]:
    """Examples grouped by article (title first); ``held_out`` (article, question) pairs are left out, and
    ``removed`` articles entirely (the others are numbered consecutively, in their original order)."""
    texts, labels, documents, positions = [], [], [], []
    kept = [a for a in range(len(article_texts)) if a not in removed]
    for label, a in enumerate(kept):
        title, questions, document = article_texts[a]
        texts.append(title)
        labels.append(label)
        positions.append((a, -1))
        for q, question in enumerate(questions):
            if held_out and (a, q) in held_out:
                continue
            texts.append(question)
            labels.append(label)
            positions.append((a, q))
        documents.append(document)
    return TrainingSet(texts, np.array(labels), documents, len(kept), off_topic), positions


@dataclass
class Fold:
    """One calibration fold's features: questions whose article is present (``truth`` is its column), questions
    whose article was removed from the KB before training (what an uncovered question looks like), off-topic ones."""

    covered: tuple[np.ndarray, np.ndarray]
    truth: np.ndarray
    hidden: tuple[np.ndarray, np.ndarray]
    """The covered questions again with their article masked out: uncovered questions for a small KB."""
    uncovered: tuple[np.ndarray, np.ndarray] | None
    off_topic: tuple[np.ndarray, np.ndarray] | None


class IndexBuilder:
    """Builds one language's index: components on all examples, scorer on k-fold held-out questions.

    Each fold holds out a share of every article's questions *and* removes a share of the articles
    altogether, so the gate learns from questions the KB really does not cover — in the KB's own domain,
    scored by components that never saw their article — not only from generic off-topic questions.
    """

    MAX_FOLDS = 5
    CANDIDATES_PER_QUESTION = 8
    MIN_HELD_OUT = 8
    MIN_ARTICLES_TO_REMOVE = 4
    """Below this many articles no fold removes one (too few would be left to learn from)."""
    MAX_UNCOVERED_PER_FOLD = 600
    UNCOVERED_WEIGHT = 0.5
    """Weight of removed-article questions against generic off-topic ones when learning the gate."""
    HIDDEN_WEIGHT = 0.3
    """Weight of covered questions with their article masked out (scored by components that did see it)."""
    TARGET_FALSE_ABSTENTION = 0.02
    TARGET_UNCOVERED_ANSWERED = 0.13
    """Share of removed-article (uncovered) questions that may look in scope enough to be answered outright."""
    MAX_CALIBRATION_QUESTIONS = 3000
    MIN_SAMPLES_FOR_TREES = 1000
    """Fewer gate samples than this (a small KB) get a linear gate: trees would learn the noise."""

    def __init__(
        self, language: str, articles: Sequence[Article], encoder: SentenceEncoder | None, cache_dir: Path | None, seed: int = 0
    ):
        self.language = language
        self.articles = list(articles)
        self.encoder = encoder if encoder is not None and language in encoder.languages else None
        self.cache_dir = cache_dir
        self.rng = np.random.default_rng(seed)
        self.texts = [article_texts(a) for a in self.articles]
        """(title, example questions, document) per article, cleaned once for every fold."""
        self.questions = [questions for _, questions, _ in self.texts]
        self.off_topic = [kbtext.clean(q) for q in OUT_OF_SCOPE_QUESTIONS.get(language, [])]
        self.embeddings: dict[tuple[int, int], np.ndarray] = {}
        self.off_topic_embeddings: np.ndarray | None = None

    def _embed_examples(self, encoder: SentenceEncoder) -> None:
        from bot.kb.embeddings import encode_groups_cached

        groups = [[title, *questions] for title, questions, _ in self.texts]
        if self.off_topic:
            [self.off_topic_embeddings] = encode_groups_cached(encoder, [self.off_topic], self.cache_dir)
        for a, vectors in enumerate(encode_groups_cached(encoder, groups, self.cache_dir)):
            self.embeddings[(a, -1)] = vectors[0]
            for q in range(len(self.questions[a])):
                self.embeddings[(a, q)] = vectors[q + 1]

    def _components(self, held_out: set | None = None, removed: frozenset = frozenset()) -> list:
        data, positions = training_set(self.texts, self.off_topic, held_out, removed)
        components: list[LexicalComponent | EmbeddingComponent] = [LexicalComponent(self.language, data)]
        if self.encoder is not None:
            vectors = np.stack([self.embeddings[p] for p in positions]).astype(np.float32)
            components.append(EmbeddingComponent(vectors, self.off_topic_embeddings, data))
        return components

    def build(self) -> LanguageIndex:
        if self.encoder is not None:
            self._embed_examples(self.encoder)
        scorer = self._calibrate()
        # Everything the articles say (the document holds title, tags and body), for names the KB itself uses.
        kb_texts = [text for _, questions, document in self.texts for text in (document, *questions)]
        return LanguageIndex(
            self.language, self.articles, self._components(), scorer,
            DecisionPolicy(answer_in_scope=scorer.answer_in_scope, abstain_below=scorer.gate_threshold), self.encoder is not None,
            OtherCompanyNames(self.language, kb_texts),
        )

    def _features(
        self, components: Sequence, keys: Sequence[tuple[int, int]], hidden: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        texts = [self.questions[a][q] for a, q in keys]
        embeddings = np.stack([self.embeddings[k] for k in keys]) if self.encoder is not None else None
        return features_of(components, texts, embeddings, hidden)

    def _folds(self, folds: int) -> list[Fold]:
        assignment = {}
        for a, questions in enumerate(self.questions):
            offset = int(self.rng.integers(folds))
            for q in range(len(questions)):
                assignment[(a, q)] = (q + offset) % folds
        n_articles = len(self.articles)
        removed_in = self.rng.permutation(n_articles) % folds if n_articles >= self.MIN_ARTICLES_TO_REMOVE else None
        result: list[Fold] = []
        held_out_so_far = 0
        for fold in range(folds):
            removed = frozenset(np.flatnonzero(removed_in == fold).tolist()) if removed_in is not None else frozenset()
            keys = sorted(key for key, f in assignment.items() if f == fold and key[0] not in removed)
            if not keys:
                continue
            if held_out_so_far >= self.MAX_CALIBRATION_QUESTIONS:
                break  # plenty to calibrate on; more folds would only slow big KBs down
            held_out_so_far += len(keys)
            kept = [a for a in range(n_articles) if a not in removed]
            column = {a: i for i, a in enumerate(kept)}
            components = self._components(set(keys), removed)  # trained on the kept articles only
            uncovered_keys = [(a, q) for a in sorted(removed) for q in range(len(self.questions[a]))]
            if len(uncovered_keys) > self.MAX_UNCOVERED_PER_FOLD:
                chosen = self.rng.choice(len(uncovered_keys), self.MAX_UNCOVERED_PER_FOLD, replace=False)
                uncovered_keys = [uncovered_keys[i] for i in sorted(chosen)]
            truth = np.array([column[a] for a, _ in keys])
            hidden = np.zeros((len(keys), len(kept)), dtype=bool)
            hidden[np.arange(len(keys)), truth] = True
            result.append(Fold(
                covered=self._features(components, keys),
                truth=truth,
                hidden=self._features(components, keys, hidden),
                uncovered=self._features(components, uncovered_keys) if uncovered_keys else None,
                off_topic=(features_of(components, self.off_topic, self.off_topic_embeddings, off_topic_itself=True)
                           if self.off_topic else None),
            ))
        return result

    def _fit_gate(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray):
        if len(x) >= self.MIN_SAMPLES_FOR_TREES:
            return BoostedTrees.fit(x, y, sample_weight=weight * len(weight))
        return Logistic.fit(x, y, sample_weight=weight * len(weight))

    def _out_of_fold_gate(self, gate, x: np.ndarray, y: np.ndarray, weight: np.ndarray, fold_of: np.ndarray) -> np.ndarray:
        """Each sample's gate probability, from a gate fitted without its fold where the gate is trees
        (their in-sample probabilities flatter them; a linear gate's are fair and steadier on small KBs)."""
        if isinstance(gate, Logistic):
            return sigmoid(gate.logit(x))
        probabilities = np.zeros(len(x))
        for fold in np.unique(fold_of):
            out = fold_of == fold
            if y[~out].all() or not y[~out].any():
                return sigmoid(gate.logit(x))
            probabilities[out] = sigmoid(self._fit_gate(x[~out], y[~out], weight[~out]).logit(x[out]))
        return probabilities

    def _calibrate(self) -> Scorer:
        n_features = 2 * (len(LexicalComponent.names) + (len(EmbeddingComponent.names) if self.encoder is not None else 0))
        n_question_features = 2 + (1 if self.encoder is not None else 0)
        folds = min(self.MAX_FOLDS, max((len(q) for q in self.questions), default=0))
        held_out_total = sum(len(q) for q in self.questions)
        if len(self.articles) < 2 or folds < 2 or held_out_total < self.MIN_HELD_OUT:
            return Scorer.fallback(n_features, n_question_features)
        samples = self._folds(folds)
        # Ranker: which of a question's strongest candidates is its article.
        ranker_x, ranker_y = [], []
        for fold in samples:
            visible, rows = fold.covered[0], np.arange(len(fold.truth))
            prescore = visible[:, :, 0] + visible[:, :, 2]
            shortlist = np.argsort(-prescore, axis=1)[:, : self.CANDIDATES_PER_QUESTION]
            shortlist = np.concatenate([shortlist, fold.truth[:, None]], axis=1)
            ranker_x.append(visible[rows[:, None], shortlist].reshape(-1, n_features))
            ranker_y.append((shortlist == fold.truth[:, None]).reshape(-1))
        y = np.concatenate(ranker_y)
        if y.all() or not y.any():
            return Scorer.fallback(n_features, n_question_features)
        ranker = Logistic.fit(np.concatenate(ranker_x), y)
        # Built in steps: the calibrator and the gate below are fitted on this scorer's ranker logits.
        scorer = Scorer(ranker, None, None, 0.5)  # type: ignore[arg-type]
        # Calibrator: the top two candidates of in-scope questions.
        calibration_x, calibration_y = [], []
        for fold in samples:
            logits = scorer.ranker_logits(fold.covered[0])
            rows = np.arange(len(fold.truth))
            top_two = np.argsort(-logits, axis=1)[:, :2]
            calibration_x.append(scorer.calibration_features(logits)[rows[:, None], top_two].reshape(-1, 2))
            calibration_y.append((top_two == fold.truth[:, None]).reshape(-1))
        x, y = np.concatenate(calibration_x), np.concatenate(calibration_y)
        finite = np.isfinite(x).all(axis=1)
        if y[finite].all() or not y[finite].any():
            return Scorer.fallback(n_features, n_question_features)
        scorer.calibrator = Logistic.fit(x[finite], y[finite])
        # Gate: in-scope questions against questions whose article was removed and off-topic ones.
        parts = []  # (gate features, kind, fold)
        for f, fold in enumerate(samples):
            pairs = (("covered", fold.covered), ("uncovered", fold.uncovered), ("hidden", fold.hidden), ("off_topic", fold.off_topic))
            for kind, pair in pairs:
                if pair is not None:
                    parts.append((scorer.best_gate_features(*pair), kind, f))
        x = np.concatenate([features for features, _, _ in parts])
        kind = np.concatenate([np.full(len(features), k) for features, k, _ in parts])
        fold_of = np.concatenate([np.full(len(features), f) for features, _, f in parts])
        weight = np.zeros(len(x))
        for name, share in (("covered", 1.0), ("uncovered", self.UNCOVERED_WEIGHT), ("hidden", self.HIDDEN_WEIGHT), ("off_topic", 1.0)):
            chosen = kind == name
            weight[chosen] = share / max(int(chosen.sum()), 1)
        y = kind == "covered"
        if y.all():
            return Scorer.fallback(n_features, n_question_features)
        scorer.gate = self._fit_gate(x, y, weight)
        in_scope = self._out_of_fold_gate(scorer.gate, x, y, weight, fold_of)
        scorer.gate_threshold = float(max(np.quantile(in_scope[y], self.TARGET_FALSE_ABSTENTION), 0.01))
        if (kind == "uncovered").any():
            uncovered = in_scope[kind == "uncovered"]
            scorer.answer_in_scope = float(max(np.quantile(uncovered, 1 - self.TARGET_UNCOVERED_ANSWERED), 0.5))
        off_topic = kind == "off_topic"
        if off_topic.any():
            # Both sides weigh the same: the domain model says which side a question is on, not how rare each is.
            balanced = np.where(off_topic, 1.0 / off_topic.sum(), 1.0 / (~off_topic).sum())
            scorer.domain = Logistic.fit(x, ~off_topic, sample_weight=balanced * len(balanced))
        return scorer

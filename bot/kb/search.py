"""KB search: an index per language, calibrated probabilities, and the answer / clarify / abstain decision.

How a question is scored (within the customer's language only):
1. *Components* score every article: lexical nearest example (TF-IDF of words, stems and word pairs
   plus character 2–5-grams), a linear classifier over the example questions, the article text itself,
   and — when an embedding model is configured and understands the language — embedding nearest
   example and an embedding classifier.
2. A *ranker* combines each article's component scores and its margins over the best other article;
   a *calibrator* turns that into P(this article answers the question); a *gate* estimates whether the
   KB covers the question at all (see :class:`_Scorer`). All three are fitted when the index is built,
   on example questions held out by k-fold — with their article present (must be found) and hidden
   (a question the KB does not cover) — and on built-in off-topic questions, so the numbers mean the
   same for a 10-article KB as for a 1000-article one.
3. :class:`DecisionPolicy` turns those probabilities into ``answer``, ``clarify`` ("Did you mean …?")
   or ``abstain``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from scipy import sparse

from bot.kb import text as kbtext
from bot.kb.language import SUPPORTED_LANGUAGES, normalize_language
from bot.kb.loader import Article
from bot.kb.other_companies import OtherCompanyNames
from bot.kb.out_of_scope import OUT_OF_SCOPE_QUESTIONS

__all__ = ["Article", "Candidate", "DecisionPolicy", "KnowledgeBase", "SearchResult"]

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Candidate:
    """An article that may answer the question; ``score`` is the calibrated probability (0..1) that it does."""

    article_id: str
    title: str
    score: float
    url: Optional[str] = None


@dataclass(frozen=True)
class SearchResult:
    """What the bot should do with a question, and why."""

    decision: str  # "answer" | "clarify" | "abstain"
    candidates: List[Candidate]
    reason: str
    language: str
    in_scope: float = 0.0
    """How much the question looks covered by the KB at all (gate probability; 0 when not searched)."""
    other_company: Optional[str] = None
    """Set when the question is about another company's product (e.g. "Netflix") the KB never mentions."""
    coverage: str = "covered"
    """Why the bot answers or not, for the wording of the reply: ``covered`` (answer or clarify),
    ``not_covered`` (a question about the company's domain that no article answers: a KB gap),
    ``out_of_domain`` (not something this company's support answers: weather, jokes) or
    ``other_company`` (another company's product)."""

    @property
    def top(self) -> Optional[Candidate]:
        return self.candidates[0] if self.candidates else None

    def next_best(self, tried: Iterable[str]) -> Optional[Candidate]:
        """After "that didn't help": the best article not yet tried, if its probability from this same
        search is at least "Did you mean" level. (Searching again with ``exclude_ids`` would not do:
        with the right-looking article removed, the rest are renormalised to look plausible.)"""
        tried = set(tried)
        minimum = DecisionPolicy().offer_min
        return next((c for c in self.candidates if c.article_id not in tried and c.score >= minimum), None)

    @property
    def clarify_options(self) -> List[Candidate]:
        """The titles to offer in "Did you mean …?" (empty unless the decision is clarify)."""
        if self.decision != "clarify":
            return []
        minimum = DecisionPolicy().offer_min
        return [c for c in self.candidates[:3] if c.score >= minimum]


@dataclass(frozen=True)
class DecisionPolicy:
    """Thresholds on calibrated probabilities, applied after the in-scope gate let the question through.

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

    def decide(self, scores: Sequence[float], in_scope: float) -> Tuple[str, str]:
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


# ---------------------------------------------------------------------------------------------
# Components: each turns questions into an (n_questions × n_articles) score matrix.


@dataclass
class _TrainingSet:
    """Example texts (already cleaned) with the article index each belongs to, grouped by article."""

    texts: List[str]
    labels: np.ndarray
    documents: List[str]  # one per article: title, tags and body
    n_articles: int
    off_topic: List[str]  # built-in questions no article should answer (bot.kb.out_of_scope)


def _max_per_article(similarity: np.ndarray, labels: np.ndarray, n_articles: int) -> np.ndarray:
    """Column-wise max over each article's examples (labels sorted ascending, every article present)."""
    starts = np.searchsorted(labels, np.arange(n_articles))
    return np.maximum.reduceat(similarity, starts, axis=1)


def _linear_decision(classifier, features, n_articles: int) -> np.ndarray:
    if classifier is None:
        return np.zeros((features.shape[0], n_articles), dtype=np.float32)
    decision = classifier.decision_function(features)
    if decision.ndim == 1:  # two articles: sklearn returns one column for the second class
        decision = np.stack([-decision, decision], axis=1)
    return decision.astype(np.float32)


def _fit_classifier(classifier, features, labels: np.ndarray, n_articles: int):
    """``classifier`` fitted on the example questions, or ``None`` when one article leaves nothing to tell apart."""
    return classifier.fit(features, labels) if n_articles >= 2 else None


class _LexicalComponent:
    """TF-IDF over word features and character n-grams: nearest example, linear classifier, article text."""

    names = ("lex_knn", "lex_clf", "lex_doc")
    floors = (0.0, -1.5, 0.0)

    def __init__(self, language: str, data: _TrainingSet):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.language = language
        self.n_articles = data.n_articles
        corpus = data.texts + data.documents
        self.word_vectorizer = TfidfVectorizer(analyzer=self._word_features, sublinear_tf=True)
        self.char_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1, lowercase=False
        )
        self.word_vectorizer.fit(corpus + data.off_topic)
        self.char_vectorizer.fit([kbtext.char_text(t, language) for t in corpus + data.off_topic])
        self.kb_words = {word for text in corpus for word in kbtext.words(text, language)}
        self.labels = data.labels
        examples = self.transform(data.texts)
        self.examples_t = examples.T.tocsr()
        self.documents_t = self.transform(data.documents).T.tocsr()
        self.off_topic_t = self.transform(data.off_topic).T.tocsr() if data.off_topic else None
        self.classifier = _fit_classifier(LinearSVC(C=1.0, class_weight="balanced"), examples, data.labels, data.n_articles)

    def _word_features(self, text: str) -> List[str]:
        return kbtext.word_features(text, self.language)

    def transform(self, texts: Sequence[str]):
        from sklearn.preprocessing import normalize

        words = self.word_vectorizer.transform(texts)
        chars = self.char_vectorizer.transform([kbtext.char_text(t, self.language) for t in texts])
        return normalize(sparse.hstack([words, chars]).tocsr())

    def coverage(self, texts: Sequence[str]) -> np.ndarray:
        """Share of each question's words the KB uses, IDF-weighted (unknown words weigh as the rarest):
        "will it snow tomorrow" is mostly unknown words to a shop's KB, a paraphrase of a covered question is not."""
        vocabulary, idf = self.word_vectorizer.vocabulary_, self.word_vectorizer.idf_
        unknown_weight = float(idf.max()) if len(idf) else 1.0
        shares = np.zeros(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            known = unknown = 0.0
            for word in kbtext.words(text, self.language):
                if word in self.kb_words:
                    known += float(idf[vocabulary[word]])
                else:
                    unknown += unknown_weight
            shares[i] = known / (known + unknown) if known + unknown else 0.0
        return shares

    def represent(self, texts: Sequence[str], _embeddings: Optional[np.ndarray]):
        """The questions as this component sees them (TF-IDF rows), computed once per search."""
        return self.transform(texts)

    def question_features(self, texts: Sequence[str], queries, off_topic_itself: bool) -> List[np.ndarray]:
        """Vocabulary coverage and similarity to the nearest built-in off-topic question."""
        similarity = None if self.off_topic_t is None else queries @ self.off_topic_t
        return [self.coverage(texts), _nearest_off_topic(similarity, off_topic_itself, len(texts))]

    def score(self, queries) -> List[np.ndarray]:
        similarity = (queries @ self.examples_t).toarray().astype(np.float32)
        knn = _max_per_article(similarity, self.labels, self.n_articles)
        documents = (queries @ self.documents_t).toarray().astype(np.float32)
        return [knn, _linear_decision(self.classifier, queries, self.n_articles), documents]


class _EmbeddingComponent:
    """Sentence embeddings: nearest example and a linear classifier (only where the model knows the language)."""

    names = ("emb_knn", "emb_clf")
    floors = (0.0, -1.5)

    def __init__(self, example_embeddings: np.ndarray, off_topic_embeddings: Optional[np.ndarray], data: _TrainingSet):
        from sklearn.linear_model import LogisticRegression

        self.n_articles = data.n_articles
        self.labels = data.labels
        self.examples_t = np.ascontiguousarray(example_embeddings.T)
        self.off_topic_t = None if off_topic_embeddings is None else np.ascontiguousarray(off_topic_embeddings.T)
        # Multinomial logistic regression: on sentence embeddings with few examples per article it ranks
        # the right article first more often than a one-vs-rest SVM (Banking77, 10 per label).
        self.classifier = _fit_classifier(
            LogisticRegression(C=30.0, max_iter=2000), example_embeddings, data.labels, data.n_articles
        )

    def represent(self, _texts: Sequence[str], embeddings: Optional[np.ndarray]) -> np.ndarray:
        assert embeddings is not None
        return embeddings

    def question_features(self, _texts: Sequence[str], embeddings: np.ndarray, off_topic_itself: bool) -> List[np.ndarray]:
        """Similarity to the nearest built-in off-topic question."""
        similarity = None if self.off_topic_t is None else embeddings @ self.off_topic_t
        return [_nearest_off_topic(similarity, off_topic_itself, len(embeddings))]

    def score(self, embeddings: np.ndarray) -> List[np.ndarray]:
        knn = _max_per_article(embeddings @ self.examples_t, self.labels, self.n_articles)
        return [knn, _linear_decision(self.classifier, embeddings, self.n_articles)]


def _nearest_off_topic(similarity, off_topic_itself: bool, n_questions: int) -> np.ndarray:
    """Max similarity of each question to the off-topic list; ``off_topic_itself``: the questions *are*
    that list (calibration), so each one's match with itself is ignored."""
    if similarity is None:
        return np.zeros(n_questions, dtype=np.float32)
    similarity = similarity.toarray() if sparse.issparse(similarity) else np.array(similarity)
    if off_topic_itself:
        np.fill_diagonal(similarity, -1.0)
    return similarity.max(axis=1).astype(np.float32)


def _candidate_features(
    matrices: Sequence[np.ndarray], floors: Sequence[float], hidden: Optional[np.ndarray] = None
) -> np.ndarray:
    """(n_questions, n_articles, 2·n_components): each score and its margin over the best other visible article.

    ``hidden`` (bool, n_questions × n_articles) marks articles to leave out, as if they were not in the KB.
    """
    columns = []
    for matrix, floor in zip(matrices, floors):
        scores = matrix.astype(np.float32, copy=True)
        if hidden is not None:
            scores[hidden] = -np.inf
        if scores.shape[1] > 1:
            top_two = -np.partition(-scores, 1, axis=1)[:, :2]
        else:
            top_two = np.concatenate([scores, np.full_like(scores, -np.inf)], axis=1)
        best, second = top_two[:, :1], top_two[:, 1:2]
        best_other = np.where(scores >= best, second, best)
        best_other = np.where(np.isfinite(best_other), best_other, floor)
        columns.append(np.where(np.isfinite(scores), scores, floor))
        columns.append(np.where(np.isfinite(scores), scores - best_other, 0.0))
    return np.stack(columns, axis=2)


class _Logistic:
    """A standardised linear logistic model (fitted with scikit-learn, applied with numpy)."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float):
        self.mean, self.scale, self.coef, self.intercept = mean, scale, coef, intercept

    def logit(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.coef + self.intercept

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, c: float = 1.0, sample_weight=None) -> "_Logistic":
        from sklearn.linear_model import LogisticRegression

        mean = features.mean(axis=0)
        scale = features.std(axis=0) + 1e-6
        model = LogisticRegression(C=c, max_iter=1000).fit((features - mean) / scale, labels, sample_weight=sample_weight)
        return cls(mean, scale, model.coef_[0], float(model.intercept_[0]))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class _BoostedTrees:
    """Gradient-boosted shallow trees (fitted with scikit-learn, applied with numpy).

    The gate uses them when there are enough held-out questions: telling an uncovered question from a
    covered one depends on interactions a linear model misses (a high similarity means little when two
    articles are equally close). Applying them in numpy costs ~0.1 ms a question; scikit-learn's own
    ``predict`` costs several milliseconds of overhead per call.
    """

    def __init__(self, feature, threshold, left, right, leaf, value, baseline: float, depth: int):
        self.feature, self.threshold, self.left, self.right = feature, threshold, left, right
        self.leaf, self.value, self.baseline, self.depth = leaf, value, baseline, depth

    def logit(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        trees = np.arange(self.feature.shape[0])
        rows = np.arange(len(x))[:, None]
        node = np.zeros((len(x), len(trees)), dtype=np.intp)
        for _ in range(self.depth):
            go_left = x[rows, self.feature[trees, node]] <= self.threshold[trees, node]
            step = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(self.leaf[trees, node], node, step)
        return self.baseline + self.value[trees, node].sum(axis=1)

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, sample_weight=None) -> "_BoostedTrees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            max_depth=3, max_iter=100, learning_rate=0.1, early_stopping=False, random_state=0
        ).fit(features, labels, sample_weight=sample_weight)
        nodes = [predictors[0].nodes for predictors in model._predictors]
        width = max(len(tree) for tree in nodes)

        def table(field: str, dtype, fill) -> np.ndarray:
            out = np.full((len(nodes), width), fill, dtype=dtype)
            for t, tree in enumerate(nodes):
                out[t, : len(tree)] = tree[field]
            return out

        return cls(
            table("feature_idx", np.intp, 0), table("num_threshold", np.float64, 0.0), table("left", np.intp, 0),
            table("right", np.intp, 0), table("is_leaf", bool, True), table("value", np.float64, 0.0),
            float(np.ravel(model._baseline_prediction)[0]), max(int(tree["depth"].max()) for tree in nodes),
        )


class _Scorer:
    """Candidate features → probabilities, in three learned steps.

    - *ranker*: one logit per article from its component scores (which held-out question's article won);
    - *calibrator*: an article's ranker logit and lead over the best other article → P(it is the right
      article | the question is in scope), learned on the top two articles of held-out questions;
    - *gate*: the best article's features → how in-scope the question looks, learned on held-out questions
      (in scope) against generic off-topic questions and questions whose article was hidden (out of scope).
      Its threshold is the ``target_false_abstention`` quantile of held-out in-scope questions, so the
      share of in-scope questions abstained is controlled whatever the KB's size.
    """

    def __init__(self, ranker: _Logistic, calibrator: _Logistic, gate: _Logistic, gate_threshold: float):
        self.ranker, self.calibrator, self.gate, self.gate_threshold = ranker, calibrator, gate, gate_threshold
        self.answer_in_scope = 0.5
        """Gate probability a question needs before it is answered outright (lower ones are clarified)."""
        self.domain: Optional[_Logistic] = None
        """Gate features → P(the question is about the KB's domain at all), to word an abstention:
        "no article about that yet" (a KB gap) or "not something I can help with" (weather, jokes)."""

    def ranker_logits(self, features: np.ndarray, hidden: Optional[np.ndarray] = None) -> np.ndarray:
        logits = self.ranker.logit(features)
        if hidden is not None:
            logits = np.where(hidden, -np.inf, logits)
        return logits

    @staticmethod
    def calibration_features(logits: np.ndarray) -> np.ndarray:
        """(n_questions, n_articles, 2): ranker logit and lead over the best other visible article."""
        return _candidate_features([logits], [-30.0])

    @staticmethod
    def gate_features(
        features: np.ndarray, question_features: np.ndarray, calibration: np.ndarray, best: np.ndarray
    ) -> np.ndarray:
        """The best article's component scores, ranker logit and lead, and the question's own features
        (vocabulary coverage, similarity to the nearest off-topic question)."""
        rows = np.arange(len(best))
        gate = np.concatenate([features[rows, best], calibration[rows, best], question_features], axis=1)
        return np.where(np.isfinite(gate), gate, -30.0)

    def best_gate_features(self, features: np.ndarray, question_features: np.ndarray) -> np.ndarray:
        """Gate features of each question's best-ranked article (for learning the gate)."""
        logits = self.ranker_logits(features)
        return self.gate_features(features, question_features, self.calibration_features(logits), np.argmax(logits, axis=1))

    def score(
        self, features: np.ndarray, question_features: np.ndarray, hidden: Optional[np.ndarray] = None
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-article P(right article | in scope) (0 for hidden ones), and per question the gate
        probability and P(about the KB's domain) (1 when no domain model could be learned)."""
        logits = self.ranker_logits(features, hidden)
        calibration = self.calibration_features(logits)
        probabilities = np.where(np.isfinite(logits), _sigmoid(self.calibrator.logit(calibration)), 0.0)
        gate_features = self.gate_features(features, question_features, calibration, np.argmax(logits, axis=1))
        gate = _sigmoid(self.gate.logit(gate_features))
        in_domain = np.ones(len(gate)) if self.domain is None else _sigmoid(self.domain.logit(gate_features))
        return probabilities, gate, in_domain

    @classmethod
    def fallback(cls, n_features: int, n_question_features: int) -> "_Scorer":
        """For KBs too small to hold questions out: trust lexical similarity of the nearest example only
        (cosine ≥ 0.55 ≈ a paraphrase → probable; ≤ 0.3 ≈ unrelated), ahead of the others."""
        coef = np.zeros(n_features)
        coef[0], coef[1] = 12.0, 4.0
        ranker = _Logistic(np.zeros(n_features), np.ones(n_features), coef, -12.0 * 0.45)
        calibrator = _Logistic(np.zeros(2), np.ones(2), np.array([1.0, 0.0]), 0.0)
        n_gate = n_features + 2 + n_question_features
        gate_coef = np.zeros(n_gate)
        gate_coef[0] = 12.0
        gate = _Logistic(np.zeros(n_gate), np.ones(n_gate), gate_coef, -12.0 * 0.4)
        return cls(ranker, calibrator, gate, 0.5)


# ---------------------------------------------------------------------------------------------


@dataclass
class _LanguageIndex:
    language: str
    articles: List[Article]
    components: list
    scorer: _Scorer
    policy: DecisionPolicy
    uses_embeddings: bool
    other_companies: Optional[OtherCompanyNames] = None

    def features(
        self, texts: Sequence[str], embeddings: Optional[np.ndarray], hidden=None, off_topic_itself: bool = False
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Candidate features (n_questions, n_articles, n) and question features (n_questions, m)."""
        matrices, floors, question_columns = [], [], []
        for component in self.components:
            questions = component.represent(texts, embeddings)
            matrices += component.score(questions)
            floors += component.floors
            question_columns += component.question_features(texts, questions, off_topic_itself)
        return _candidate_features(matrices, floors, hidden), np.stack(question_columns, axis=1)


def _article_texts(article: Article) -> Tuple[str, List[str], str]:
    title = kbtext.clean(article.title.replace("_", " "))
    questions = [q for q in (kbtext.clean(q) for q in article.questions) if q]
    document = kbtext.clean(" ".join([article.title, " ".join(article.tags), article.summary, article.body]), 5000)
    return title, questions, document


def _training_set(
    article_texts: Sequence[Tuple[str, List[str], str]],
    off_topic: List[str],
    held_out: Optional[set] = None,
    removed: frozenset = frozenset(),
) -> Tuple[_TrainingSet, List[Tuple[int, int]]]:
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
    return _TrainingSet(texts, np.array(labels), documents, len(kept), off_topic), positions


@dataclass
class _Fold:
    """One calibration fold's features: questions whose article is present (``truth`` is its column), questions
    whose article was removed from the KB before training (what an uncovered question looks like), off-topic ones."""

    covered: Tuple[np.ndarray, np.ndarray]
    truth: np.ndarray
    hidden: Tuple[np.ndarray, np.ndarray]
    """The covered questions again with their article masked out: uncovered questions for a small KB."""
    uncovered: Optional[Tuple[np.ndarray, np.ndarray]]
    off_topic: Optional[Tuple[np.ndarray, np.ndarray]]


class _IndexBuilder:
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
    HIDDEN_WEIGHT = 0.3
    """Weight of covered questions with their article masked out (scored by components that did see it)."""
    """Weight of removed-article questions against generic off-topic ones when learning the gate."""
    TARGET_FALSE_ABSTENTION = 0.02
    TARGET_UNCOVERED_ANSWERED = 0.13
    """Share of removed-article (uncovered) questions that may look in scope enough to be answered outright."""
    MAX_CALIBRATION_QUESTIONS = 3000
    MIN_SAMPLES_FOR_TREES = 1000
    """Fewer gate samples than this (a small KB) get a linear gate: trees would learn the noise."""

    def __init__(self, language: str, articles: Sequence[Article], encoder, cache_dir: Optional[Path], seed: int = 0):
        self.language = language
        self.articles = list(articles)
        self.encoder = encoder if encoder is not None and language in encoder.languages else None
        self.cache_dir = cache_dir
        self.rng = np.random.default_rng(seed)
        self.texts = [_article_texts(a) for a in self.articles]
        """(title, example questions, document) per article, cleaned once for every fold."""
        self.questions = [questions for _, questions, _ in self.texts]
        self.off_topic = [kbtext.clean(q) for q in OUT_OF_SCOPE_QUESTIONS.get(language, [])]
        self.embeddings: Dict[Tuple[int, int], np.ndarray] = {}
        self.off_topic_embeddings: Optional[np.ndarray] = None

    def _embed_examples(self) -> None:
        from bot.kb.embeddings import encode_groups_cached

        groups = [[title, *questions] for title, questions, _ in self.texts]
        if self.off_topic:
            [self.off_topic_embeddings] = encode_groups_cached(self.encoder, [self.off_topic], self.cache_dir)
        for a, vectors in enumerate(encode_groups_cached(self.encoder, groups, self.cache_dir)):
            self.embeddings[(a, -1)] = vectors[0]
            for q in range(len(self.questions[a])):
                self.embeddings[(a, q)] = vectors[q + 1]

    def _components(self, held_out: Optional[set] = None, removed: frozenset = frozenset()) -> list:
        data, positions = _training_set(self.texts, self.off_topic, held_out, removed)
        components = [_LexicalComponent(self.language, data)]
        if self.encoder is not None:
            vectors = np.stack([self.embeddings[p] for p in positions]).astype(np.float32)
            components.append(_EmbeddingComponent(vectors, self.off_topic_embeddings, data))
        return components

    def build(self) -> _LanguageIndex:
        if self.encoder is not None:
            self._embed_examples()
        scorer = self._calibrate()
        # Everything the articles say (the document holds title, tags and body), for names the KB itself uses.
        kb_texts = [text for _, questions, document in self.texts for text in (document, *questions)]
        return _LanguageIndex(
            self.language, self.articles, self._components(), scorer,
            DecisionPolicy(answer_in_scope=scorer.answer_in_scope), self.encoder is not None,
            OtherCompanyNames(self.language, kb_texts),
        )

    def _features(
        self, index: _LanguageIndex, keys: Sequence[Tuple[int, int]], hidden: Optional[np.ndarray] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        texts = [self.questions[a][q] for a, q in keys]
        embeddings = np.stack([self.embeddings[k] for k in keys]) if self.encoder is not None else None
        return index.features(texts, embeddings, hidden)

    def _folds(self, folds: int) -> List[_Fold]:
        assignment = {}
        for a, questions in enumerate(self.questions):
            offset = int(self.rng.integers(folds))
            for q in range(len(questions)):
                assignment[(a, q)] = (q + offset) % folds
        n_articles = len(self.articles)
        removed_in = self.rng.permutation(n_articles) % folds if n_articles >= self.MIN_ARTICLES_TO_REMOVE else None
        result: List[_Fold] = []
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
            index = _LanguageIndex(
                self.language, [self.articles[a] for a in kept], self._components(set(keys), removed),
                None, None, False,  # type: ignore[arg-type]
            )
            uncovered_keys = [(a, q) for a in sorted(removed) for q in range(len(self.questions[a]))]
            if len(uncovered_keys) > self.MAX_UNCOVERED_PER_FOLD:
                chosen = self.rng.choice(len(uncovered_keys), self.MAX_UNCOVERED_PER_FOLD, replace=False)
                uncovered_keys = [uncovered_keys[i] for i in sorted(chosen)]
            truth = np.array([column[a] for a, _ in keys])
            hidden = np.zeros((len(keys), len(kept)), dtype=bool)
            hidden[np.arange(len(keys)), truth] = True
            result.append(_Fold(
                covered=self._features(index, keys),
                truth=truth,
                hidden=self._features(index, keys, hidden),
                uncovered=self._features(index, uncovered_keys) if uncovered_keys else None,
                off_topic=(index.features(self.off_topic, self.off_topic_embeddings, off_topic_itself=True)
                           if self.off_topic else None),
            ))
        return result

    def _fit_gate(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray):
        if len(x) >= self.MIN_SAMPLES_FOR_TREES:
            return _BoostedTrees.fit(x, y, sample_weight=weight * len(weight))
        return _Logistic.fit(x, y, sample_weight=weight * len(weight))

    def _out_of_fold_gate(self, gate, x: np.ndarray, y: np.ndarray, weight: np.ndarray, fold_of: np.ndarray) -> np.ndarray:
        """Each sample's gate probability, from a gate fitted without its fold where the gate is trees
        (their in-sample probabilities flatter them; a linear gate's are fair and steadier on small KBs)."""
        if isinstance(gate, _Logistic):
            return _sigmoid(gate.logit(x))
        probabilities = np.zeros(len(x))
        for fold in np.unique(fold_of):
            out = fold_of == fold
            if y[~out].all() or not y[~out].any():
                return _sigmoid(gate.logit(x))
            probabilities[out] = _sigmoid(self._fit_gate(x[~out], y[~out], weight[~out]).logit(x[out]))
        return probabilities

    def _calibrate(self) -> _Scorer:
        n_features = 2 * (len(_LexicalComponent.names) + (len(_EmbeddingComponent.names) if self.encoder is not None else 0))
        n_question_features = 2 + (1 if self.encoder is not None else 0)
        folds = min(self.MAX_FOLDS, max((len(q) for q in self.questions), default=0))
        held_out_total = sum(len(q) for q in self.questions)
        if len(self.articles) < 2 or folds < 2 or held_out_total < self.MIN_HELD_OUT:
            return _Scorer.fallback(n_features, n_question_features)
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
            return _Scorer.fallback(n_features, n_question_features)
        ranker = _Logistic.fit(np.concatenate(ranker_x), y)
        scorer = _Scorer(ranker, None, None, 0.5)  # type: ignore[arg-type]
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
            return _Scorer.fallback(n_features, n_question_features)
        scorer.calibrator = _Logistic.fit(x[finite], y[finite])
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
            return _Scorer.fallback(n_features, n_question_features)
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
            scorer.domain = _Logistic.fit(x, ~off_topic, sample_weight=balanced * len(balanced))
        return scorer


class KnowledgeBase:
    """An immutable search index over a set of articles; build a new one to change content."""

    def __init__(self, articles: Sequence[Article], indexes: Dict[str, _LanguageIndex], encoder):
        self._articles = {a.id: a for a in articles}
        self._indexes = indexes
        self._encoder = encoder

    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        embedding_model: str = "",
        cache_dir: Optional[Path] = None,
        seed: int = 0,
    ) -> "KnowledgeBase":
        """Index ``articles`` (one index per language). ``embedding_model``: ``KB_EMBEDDING_MODEL``
        (empty = lexical only); ``cache_dir``: where article embeddings are cached between builds.
        Raises :class:`bot.kb.embeddings.EmbeddingModelError` when the model is set but unusable."""
        articles = list(articles)
        encoder = None
        if embedding_model:
            from bot.kb.embeddings import load_encoder

            encoder = load_encoder(embedding_model)
        indexes = {}
        for language in SUPPORTED_LANGUAGES:
            in_language = [a for a in articles if a.language == language]
            if in_language:
                indexes[language] = _IndexBuilder(language, in_language, encoder, cache_dir, seed).build()
        return cls(articles, indexes, encoder)

    @property
    def articles(self) -> List[Article]:
        return list(self._articles.values())

    def article_counts(self) -> Dict[str, int]:
        """Articles per language, e.g. ``{"en": 12, "he": 8}``."""
        return {language: len(index.articles) for language, index in self._indexes.items()}

    def article(self, article_id: Optional[str]) -> Optional[Article]:
        """The article with this id, or ``None`` (an unknown id, e.g. a stale button after a reload)."""
        return self._articles.get(article_id) if isinstance(article_id, str) else None

    def search(self, question: str, language: str = "en", exclude_ids: Iterable[str] = ()) -> SearchResult:
        """Decide how to answer ``question`` from the articles in ``language`` (never another language).

        ``exclude_ids``: articles already offered that did not help; they are treated as absent.
        """
        requested = language
        language = normalize_language(requested, default="")
        cleaned = kbtext.clean(question or "")
        if not cleaned:
            return SearchResult("abstain", [], "empty question", language or str(requested), coverage="out_of_domain")
        if not language:
            return SearchResult("abstain", [], f"unsupported language {requested!r}", str(requested), coverage="not_covered")
        index = self._indexes.get(language)
        if index is None:
            reason = "the knowledge base is empty" if not self._articles else f"no articles in language {language}"
            return SearchResult("abstain", [], reason, language, coverage="not_covered")
        if not kbtext.words(cleaned, language):
            return SearchResult("abstain", [], "the question has no words", language, coverage="out_of_domain")
        other_company = index.other_companies.find(cleaned) if index.other_companies else None
        if other_company:
            return SearchResult("abstain", [], f"about another company's product: {other_company}", language,
                                other_company=other_company, coverage="other_company")
        excluded = set(exclude_ids or ())
        hidden = np.array([[a.id in excluded for a in index.articles]])
        if hidden.all():
            return SearchResult("abstain", [], "every article was already offered", language, coverage="not_covered")
        embeddings = self._encoder.encode([cleaned]) if index.uses_embeddings else None
        features, question_features = index.features([cleaned], embeddings, hidden if excluded else None)
        probabilities, gate, in_domain = index.scorer.score(features, question_features, hidden if excluded else None)
        probabilities, in_scope = probabilities[0], float(gate[0])
        gap = "not_covered" if in_domain[0] >= 0.5 else "out_of_domain"
        order = [int(i) for i in np.argsort(-probabilities)[:MAX_CANDIDATES] if not hidden[0, i]]
        candidates = [
            Candidate(index.articles[i].id, index.articles[i].title, round(float(probabilities[i]), 4), index.articles[i].url)
            for i in order
        ]
        # Not about the domain and not confidently in scope either: no "Did you mean …?" for the weather.
        if in_scope < index.scorer.gate_threshold or (gap == "out_of_domain" and in_scope < index.policy.answer_in_scope):
            return SearchResult("abstain", candidates, "low confidence: the question does not look covered", language, in_scope,
                                coverage=gap)
        decision, reason = index.policy.decide([c.score for c in candidates], in_scope)
        return SearchResult(decision, candidates, reason, language, in_scope,
                            coverage="covered" if decision != "abstain" else gap)

"""Components: each turns questions into an (n_questions × n_articles) score matrix, plus per-question features.

- :class:`LexicalComponent`: TF-IDF of words, stems and word pairs plus character 2–5-grams — nearest example,
  a linear classifier over the example questions, and the article text itself;
- :class:`EmbeddingComponent`: sentence embeddings — nearest example and a classifier (only where the model
  knows the language).

:func:`candidate_features` stacks each score with its margin over the best other article, the input of the ranker.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.kb import text as kbtext


@dataclass
class TrainingSet:
    """Example texts (already cleaned) with the article index each belongs to, grouped by article."""

    texts: list[str]
    labels: np.ndarray
    documents: list[str]  # one per article: title, tags and body
    n_articles: int
    off_topic: list[str]  # built-in questions no article should answer (bot.kb.out_of_scope)


def tfidf_row(vectorizer, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """A fitted ``TfidfVectorizer``'s row for one text's ``features`` (its analyzer's output), as sorted column
    indices and weights: what its ``transform`` computes with this module's settings (``sublinear_tf=True``,
    the default ``norm="l2"``): 1 + log of each count, times the IDF, of unit length."""
    vocabulary = vectorizer.vocabulary_
    counted = sorted(Counter(vocabulary[feature] for feature in features if feature in vocabulary).items())
    columns = np.fromiter((column for column, _ in counted), dtype=np.int32, count=len(counted))
    counts = np.fromiter((count for _, count in counted), dtype=np.float64, count=len(counted))
    return columns, unit_length((np.log(counts) + 1.0) * vectorizer.idf_[columns])


def unit_length(vector: np.ndarray) -> np.ndarray:
    """``vector`` divided by its Euclidean length; an empty or all-zero one as it is."""
    length = math.sqrt(float(vector @ vector))
    return vector / length if length else vector


def max_per_article(similarity: np.ndarray, labels: np.ndarray, n_articles: int) -> np.ndarray:
    """Column-wise max over each article's examples (labels sorted ascending, every article present)."""
    starts = np.searchsorted(labels, np.arange(n_articles))
    return np.maximum.reduceat(similarity, starts, axis=1)


def linear_decision(classifier, features, n_articles: int) -> np.ndarray:
    if classifier is None:
        return np.zeros((features.shape[0], n_articles), dtype=np.float32)
    decision = classifier.decision_function(features)
    if decision.ndim == 1:  # two articles: sklearn returns one column for the second class
        decision = np.stack([-decision, decision], axis=1)
    return decision.astype(np.float32)


def fit_classifier(classifier, features, labels: np.ndarray, n_articles: int):
    """``classifier`` fitted on the example questions, or ``None`` when one article leaves nothing to tell apart."""
    return classifier.fit(features, labels) if n_articles >= 2 else None


class LexicalComponent:
    """TF-IDF over word features and character n-grams: nearest example, linear classifier, article text."""

    names = ("lex_knn", "lex_clf", "lex_doc")
    floors = (0.0, -1.5, 0.0)

    def __init__(self, language: str, data: TrainingSet):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.language = language
        self.n_articles = data.n_articles
        corpus = data.texts + data.documents
        # :func:`tfidf_row` computes what these settings mean (sublinear counts, L2 norm): change both together.
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
        self.classifier = fit_classifier(LinearSVC(C=1.0, class_weight="balanced"), examples, data.labels, data.n_articles)

    def _word_features(self, text: str) -> list[str]:
        return kbtext.word_features(text, self.language)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The texts' TF-IDF rows: word features, then character n-grams, each part and the whole of unit length.

        ``normalize(hstack([word_vectorizer.transform(texts), char_vectorizer.transform(…)]))`` to rounding (the
        test compares them), worked out from the fitted vectorizers' vocabularies and weights: scikit-learn's
        ``transform`` checks and converts its input and output on every call, most of a question's TF-IDF time
        (docs/performance.md). No texts are no rows (scikit-learn refused an empty list).
        """
        words, chars = self.word_vectorizer.build_analyzer(), self.char_vectorizer.build_analyzer()
        offset = len(self.word_vectorizer.vocabulary_)
        columns, weights, row_starts = [], [], [0]
        for text in texts:
            word_columns, word_weights = tfidf_row(self.word_vectorizer, words(text))
            char_columns, char_weights = tfidf_row(self.char_vectorizer, chars(kbtext.char_text(text, self.language)))
            columns += [word_columns, char_columns + offset]
            weights.append(unit_length(np.concatenate([word_weights, char_weights])))
            row_starts.append(row_starts[-1] + len(word_columns) + len(char_columns))
        shape = (len(texts), offset + len(self.char_vectorizer.vocabulary_))
        if not texts:
            return sparse.csr_matrix(shape)
        return sparse.csr_matrix((np.concatenate(weights), np.concatenate(columns), row_starts), shape=shape)

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

    def represent(self, texts: Sequence[str], _embeddings: np.ndarray | None):
        """The questions as this component sees them (TF-IDF rows), computed once per search."""
        return self.transform(texts)

    def question_features(self, texts: Sequence[str], queries, off_topic_itself: bool) -> list[np.ndarray]:
        """Vocabulary coverage and similarity to the nearest built-in off-topic question."""
        similarity = None if self.off_topic_t is None else queries @ self.off_topic_t
        return [self.coverage(texts), nearest_off_topic(similarity, off_topic_itself, len(texts))]

    def score(self, queries) -> list[np.ndarray]:
        similarity = (queries @ self.examples_t).toarray().astype(np.float32)
        knn = max_per_article(similarity, self.labels, self.n_articles)
        documents = (queries @ self.documents_t).toarray().astype(np.float32)
        return [knn, linear_decision(self.classifier, queries, self.n_articles), documents]


class EmbeddingComponent:
    """Sentence embeddings: nearest example and a linear classifier (only where the model knows the language)."""

    names = ("emb_knn", "emb_clf")
    floors = (0.0, -1.5)

    def __init__(self, example_embeddings: np.ndarray, off_topic_embeddings: np.ndarray | None, data: TrainingSet):
        from sklearn.linear_model import LogisticRegression

        self.n_articles = data.n_articles
        self.labels = data.labels
        self.examples_t = np.ascontiguousarray(example_embeddings.T)
        self.off_topic_t = None if off_topic_embeddings is None else np.ascontiguousarray(off_topic_embeddings.T)
        # Multinomial logistic regression: on sentence embeddings with few examples per article it ranks
        # the right article first more often than a one-vs-rest SVM (Banking77, 10 per label).
        self.classifier = fit_classifier(
            LogisticRegression(C=30.0, max_iter=2000), example_embeddings, data.labels, data.n_articles
        )

    def represent(self, _texts: Sequence[str], embeddings: np.ndarray | None) -> np.ndarray:
        assert embeddings is not None
        return embeddings

    def question_features(self, _texts: Sequence[str], embeddings: np.ndarray, off_topic_itself: bool) -> list[np.ndarray]:
        """Similarity to the nearest built-in off-topic question."""
        similarity = None if self.off_topic_t is None else embeddings @ self.off_topic_t
        return [nearest_off_topic(similarity, off_topic_itself, len(embeddings))]

    def score(self, embeddings: np.ndarray) -> list[np.ndarray]:
        knn = max_per_article(embeddings @ self.examples_t, self.labels, self.n_articles)
        return [knn, linear_decision(self.classifier, embeddings, self.n_articles)]


def nearest_off_topic(similarity, off_topic_itself: bool, n_questions: int) -> np.ndarray:
    """Max similarity of each question to the off-topic list; ``off_topic_itself``: the questions *are*
    that list (calibration), so each one's match with itself is ignored."""
    if similarity is None:
        return np.zeros(n_questions, dtype=np.float32)
    similarity = similarity.toarray() if sparse.issparse(similarity) else np.array(similarity)
    if off_topic_itself:
        np.fill_diagonal(similarity, -1.0)
    return similarity.max(axis=1).astype(np.float32)


def candidate_features(
    matrices: Sequence[np.ndarray], floors: Sequence[float], hidden: np.ndarray | None = None
) -> np.ndarray:
    """(n_questions, n_articles, 2·n_components): each score and its margin over the best other visible article.

    ``hidden`` (bool, n_questions × n_articles) marks articles to leave out, as if they were not in the KB.
    """
    columns = []
    for matrix, floor in zip(matrices, floors, strict=True):
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

"""The learned models that turn component scores into probabilities: ranker, calibrator, gate, domain model."""
from __future__ import annotations

import numpy as np

from bot.kb.components import candidate_features


class Logistic:
    """A standardised linear logistic model (fitted with scikit-learn, applied with numpy)."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float):
        self.mean, self.scale, self.coef, self.intercept = mean, scale, coef, intercept

    def logit(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.coef + self.intercept

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, c: float = 1.0, sample_weight=None) -> Logistic:
        from sklearn.linear_model import LogisticRegression

        mean = features.mean(axis=0)
        scale = features.std(axis=0) + 1e-6
        model = LogisticRegression(C=c, max_iter=1000).fit((features - mean) / scale, labels, sample_weight=sample_weight)
        return cls(mean, scale, model.coef_[0], float(model.intercept_[0]))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class BoostedTrees:
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
        node: np.ndarray = np.zeros((len(x), len(trees)), dtype=np.intp)
        for _ in range(self.depth):
            go_left = x[rows, self.feature[trees, node]] <= self.threshold[trees, node]
            step = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(self.leaf[trees, node], node, step)
        return self.baseline + self.value[trees, node].sum(axis=1)

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, sample_weight=None) -> BoostedTrees:
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


class Scorer:
    """Candidate features → probabilities, in three learned steps.

    - *ranker*: one logit per article from its component scores (which held-out question's article won);
    - *calibrator*: an article's ranker logit and lead over the best other article → P(it is the right
      article | the question is in scope), learned on the top two articles of held-out questions;
    - *gate*: the best article's features → how in-scope the question looks, learned on held-out questions
      (in scope) against generic off-topic questions and questions whose article was hidden (out of scope).
      Its threshold is the ``target_false_abstention`` quantile of held-out in-scope questions, so the
      share of in-scope questions abstained is controlled whatever the KB's size.
    """

    def __init__(self, ranker: Logistic, calibrator: Logistic, gate: Logistic, gate_threshold: float):
        self.ranker, self.calibrator, self.gate, self.gate_threshold = ranker, calibrator, gate, gate_threshold
        self.answer_in_scope = 0.5
        """Gate probability a question needs before it is answered outright (lower ones are clarified)."""
        self.domain: Logistic | None = None
        """Gate features → P(the question is about the KB's domain at all), to word an abstention:
        "no article about that yet" (a KB gap) or "not something I can help with" (weather, jokes)."""

    def ranker_logits(self, features: np.ndarray, hidden: np.ndarray | None = None) -> np.ndarray:
        logits = self.ranker.logit(features)
        if hidden is not None:
            logits = np.where(hidden, -np.inf, logits)
        return logits

    @staticmethod
    def calibration_features(logits: np.ndarray) -> np.ndarray:
        """(n_questions, n_articles, 2): ranker logit and lead over the best other visible article."""
        return candidate_features([logits], [-30.0])

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
        self, features: np.ndarray, question_features: np.ndarray, hidden: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-article P(right article | in scope) (0 for hidden ones), and per question the gate
        probability and P(about the KB's domain) (1 when no domain model could be learned)."""
        logits = self.ranker_logits(features, hidden)
        calibration = self.calibration_features(logits)
        probabilities = np.where(np.isfinite(logits), sigmoid(self.calibrator.logit(calibration)), 0.0)
        gate_features = self.gate_features(features, question_features, calibration, np.argmax(logits, axis=1))
        gate = sigmoid(self.gate.logit(gate_features))
        in_domain = np.ones(len(gate)) if self.domain is None else sigmoid(self.domain.logit(gate_features))
        return probabilities, gate, in_domain

    @classmethod
    def fallback(cls, n_features: int, n_question_features: int) -> Scorer:
        """For KBs too small to hold questions out: trust lexical similarity of the nearest example only
        (cosine ≥ 0.55 ≈ a paraphrase → probable; ≤ 0.3 ≈ unrelated), ahead of the others."""
        coef = np.zeros(n_features)
        coef[0], coef[1] = 12.0, 4.0
        ranker = Logistic(np.zeros(n_features), np.ones(n_features), coef, -12.0 * 0.45)
        calibrator = Logistic(np.zeros(2), np.ones(2), np.array([1.0, 0.0]), 0.0)
        n_gate = n_features + 2 + n_question_features
        gate_coef = np.zeros(n_gate)
        gate_coef[0] = 12.0
        gate = Logistic(np.zeros(n_gate), np.ones(n_gate), gate_coef, -12.0 * 0.4)
        return cls(ranker, calibrator, gate, 0.5)

"""KB search: an index per language, calibrated probabilities, and the answer / clarify / abstain decision.

How a question is scored (within one language's index; articles not yet translated into the
customer's language are searched after it, see :meth:`KnowledgeBase._search_untranslated`):
1. *Components* score every article: lexical nearest example (TF-IDF of words, stems and word pairs
   plus character 2–5-grams), a linear classifier over the example questions, the article text itself,
   and — when an embedding model is configured and understands the language — embedding nearest
   example and an embedding classifier.
2. A *ranker* combines each article's component scores and its margins over the best other article;
   a *calibrator* turns that into P(this article answers the question); a *gate* estimates whether the
   KB covers the question at all, and a *domain model* whether it is about the company's domain (see
   :class:`bot.kb.scorer.Scorer`). All are fitted when the index is built (:mod:`bot.kb.index_builder`), on
   example questions held out by k-fold — with their article present (must be found), with whole articles
   removed (what a question the KB does not cover looks like) — and on built-in off-topic questions, so
   the numbers mean the same for a 10-article KB as for a 1000-article one.
3. :class:`DecisionPolicy` turns those probabilities into ``answer``, ``clarify`` ("Did you mean …?")
   or ``abstain``; an abstention says whether it is a KB gap or out of the domain (``coverage``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.kb import text as kbtext
from bot.kb.index_builder import IndexBuilder, LanguageIndex
from bot.kb.index_cache import IndexCache, cache_key
from bot.kb.loader import Article
from bot.kb.results import MAX_CANDIDATES, Candidate, DecisionPolicy, SearchResult
from bot.language import SUPPORTED_LANGUAGES, normalize_language

__all__ = ["Article", "Candidate", "DecisionPolicy", "KnowledgeBase", "SearchResult"]


class KnowledgeBase:
    """An immutable search index over a set of articles; build a new one to change content."""

    def __init__(self, articles: Sequence[Article], indexes: dict[str, LanguageIndex], encoder):
        self._articles = {a.id: a for a in articles}
        self._indexes = indexes
        self._encoder = encoder
        self._translation_keys: dict[str, frozenset[str]] = {
            language: frozenset(a.translation_key for a in self._articles.values() if a.language == language)
            for language in SUPPORTED_LANGUAGES
        }
        self._versions: dict[str, set[str]] = defaultdict(set)  # an article's id in every language, by translation key
        for article in self._articles.values():
            self._versions[article.translation_key].add(article.id)

    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        embedding_model: str = "",
        cache_dir: Path | None = None,
        seed: int = 0,
        index_cache: IndexCache | None = None,
    ) -> KnowledgeBase:
        """Index ``articles`` (one index per language). ``embedding_model``: ``KB_EMBEDDING_MODEL``
        (empty = lexical only); ``cache_dir``: where article embeddings are cached between builds;
        ``index_cache``: where whole built indexes are kept, to load instead of fitting them again.
        Raises :class:`bot.kb.embeddings.EmbeddingModelError` when the model is set but unusable."""
        articles = list(articles)
        encoder = None
        if embedding_model:
            from bot.kb.embeddings import load_encoder

            encoder = load_encoder(embedding_model)

        def fit() -> dict[str, LanguageIndex]:
            indexes = {}
            for language in SUPPORTED_LANGUAGES:
                in_language = [a for a in articles if a.language == language]
                if in_language:
                    indexes[language] = IndexBuilder(language, in_language, encoder, cache_dir, seed).build()
            return indexes

        if index_cache is None:
            return cls(articles, fit(), encoder)
        return cls(articles, index_cache.get_or_build(cache_key(articles, embedding_model, seed), fit), encoder)

    @property
    def articles(self) -> list[Article]:
        return list(self._articles.values())

    def article_counts(self) -> dict[str, int]:
        """Articles per language, e.g. ``{"en": 12, "he": 8}``."""
        return {language: len(index.articles) for language, index in self._indexes.items()}

    def article(self, article_id: str | None) -> Article | None:
        """The article with this id, or ``None`` (an unknown id, e.g. a stale button after a reload)."""
        return self._articles.get(article_id) if isinstance(article_id, str) else None

    def with_translations(self, article_ids: Iterable[str]) -> frozenset[str]:
        """The articles and every version of them in another language: an article that did not help in
        English is no next best in Hebrew after the customer switched languages."""
        found = frozenset(article_ids)
        return found.union(*(self._versions[a.translation_key] for a in map(self.article, found) if a is not None))

    def search(self, question: str, language: str = "en", exclude_ids: Iterable[str] = ()) -> SearchResult:
        """Decide how to answer ``question`` from the articles in ``language``.

        ``exclude_ids``: articles already offered that did not help; they and their translations are
        treated as absent.
        When no article in ``language`` answers it, an article that exists only in another language
        can (see :meth:`_search_untranslated`); the result's ``article_language`` says so.
        """
        # scikit-learn checks every array it is given for NaN and every argument's type: 0.5-1 ms of a 4-7 ms
        # search (docs/performance.md). Here the arrays are the index's own and the question's, made by our code
        # and the embedding model (whose vectors are normalised, never NaN), not a caller's: the checks are skipped.
        from sklearn import config_context

        with config_context(assume_finite=True, skip_parameter_validation=True):
            return self._search(question, language, exclude_ids)

    def _search(self, question: str, language: str, exclude_ids: Iterable[str]) -> SearchResult:
        requested = language
        language = normalize_language(requested, default="")
        cleaned = kbtext.clean(question or "")
        if not cleaned:
            return SearchResult("abstain", [], "empty question", language or str(requested), coverage="out_of_domain")
        if not language:
            return SearchResult("abstain", [], f"unsupported language {requested!r}", str(requested), coverage="not_covered")
        excluded = set(self.with_translations(exclude_ids or ()))
        index = self._indexes.get(language)
        if index is None:
            reason = "the knowledge base is empty" if not self._articles else f"no articles in language {language}"
            result = SearchResult("abstain", [], reason, language, coverage="not_covered")
        else:
            result = self._search_index(index, cleaned, language, excluded)
        if result.decision == "abstain" and result.coverage != "other_company":
            return self._search_untranslated(cleaned, language, excluded) or result
        return result

    def _search_index(self, index: LanguageIndex, cleaned: str, language: str, excluded: set[str]) -> SearchResult:
        """Score ``cleaned`` against one language's index (``language`` is the index's language)."""
        if not kbtext.words(cleaned, language):
            return SearchResult("abstain", [], "the question has no words", language, coverage="out_of_domain")
        other_company = index.other_companies.find(cleaned) if index.other_companies else None
        if other_company:
            return SearchResult("abstain", [], f"about another company's product: {other_company}", language,
                                other_company=other_company, coverage="other_company")
        hidden = np.array([[a.id in excluded for a in index.articles]])
        if hidden.all():
            return SearchResult("abstain", [], "every article was already offered", language, coverage="not_covered")
        embeddings = self._encoder.encode([cleaned]) if index.uses_embeddings else None
        features, question_features = index.features([cleaned], embeddings, hidden if excluded else None)
        probabilities, gate, in_domain = index.scorer.score(features, question_features, hidden if excluded else None)
        probabilities, in_scope = probabilities[0], float(gate[0])
        order = [int(i) for i in np.argsort(-probabilities)[:MAX_CANDIDATES] if not hidden[0, i]]
        candidates = [
            Candidate(index.articles[i].id, index.articles[i].title, round(float(probabilities[i]), 4), index.articles[i].url)
            for i in order
        ]
        decision, reason = index.policy.decide([c.score for c in candidates], in_scope, float(in_domain[0]))
        if decision != "abstain":
            coverage = "covered"
        else:
            coverage = "not_covered" if in_domain[0] >= 0.5 else "out_of_domain"
        return SearchResult(decision, candidates, reason, language, in_scope, coverage=coverage)

    def _search_untranslated(self, cleaned: str, language: str, excluded: set[str]) -> SearchResult | None:
        """An answer from an article that has no version in ``language``, for a KB whose translations lag.

        Each other language's index is searched whole (hiding its translated articles would make the
        rest look more probable than they are), and its answer counts only when it is confident, the
        article is one ``language`` lacks, and the question shares a word with the article: a question
        in one language matches another language's text only through such words (product names, codes,
        English terms), never by chance.
        """
        translated = self._translation_keys[language]
        for other in sorted(self._indexes, key=lambda code: (code != "en", SUPPORTED_LANGUAGES.index(code))):
            if other == language or self._translation_keys[other] <= translated:
                continue
            index = self._indexes[other]
            result = self._search_index(index, cleaned, other, excluded)
            article = self.article(result.top.article_id) if result.top else None
            if (
                result.decision == "answer" and article is not None
                and article.translation_key not in translated and _shares_a_word(cleaned, article)
            ):
                return replace(result, language=language, article_language=other)
        return None


def _shares_a_word(question: str, article: Article) -> bool:
    """Whether the question and the article have a word of three or more letters in common."""
    words = {w for w in kbtext.words(question, article.language) if len(w) >= 3}
    article_text = kbtext.clean(" ".join((article.title, *article.questions, article.body)), max_chars=20_000)
    return bool(words & set(kbtext.words(article_text, article.language)))

"""What the help centre lists: categories, a category's articles, popular, related and translated articles.

Popularity: an article's count over the last ``POPULAR_WINDOW_DAYS`` days is the chat answers from it
that the customer said helped (``kb_queries``: outcome ``answer``, ``helped`` true) plus the help
centre's "Yes" votes (``article_feedback``). Articles without any count fill the remaining places in
KB order, so a new install's home page is never empty.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.kb.loader import Article
from bot.models import ArticleFeedback, KbQuery

POPULAR_WINDOW_DAYS = 90
POPULAR_COUNT = 6
RELATED_COUNT = 5


class Catalogue:
    """The KB's articles as the help centre lists them: what the loader read, without a search index
    (searches go to the action server, :mod:`bot.helpcentre.search`)."""

    def __init__(self, articles: Sequence[Article]):
        self._articles = {a.id: a for a in articles}

    @property
    def articles(self) -> list[Article]:
        return list(self._articles.values())

    def article(self, article_id: str | None) -> Article | None:
        """The article with this id, or ``None`` (an unknown id, e.g. an old link)."""
        return self._articles.get(article_id) if isinstance(article_id, str) else None


def in_language(knowledge_base: Catalogue, language: str) -> list[Article]:
    return [a for a in knowledge_base.articles if a.language == language]


def categories(knowledge_base: Catalogue, language: str) -> list[str]:
    """The categories of ``language``'s articles, in order of first appearance (articles without one are
    listed under no category: they are still found by search and linked from chat)."""
    return list(dict.fromkeys(a.category for a in in_language(knowledge_base, language) if a.category))


def category_articles(knowledge_base: Catalogue, language: str, category: str) -> list[Article]:
    return [a for a in in_language(knowledge_base, language) if a.category == category]


def related(knowledge_base: Catalogue, article: Article) -> list[Article]:
    """Other articles of the same category and language."""
    same = category_articles(knowledge_base, article.language, article.category) if article.category else []
    return [a for a in same if a.id != article.id][:RELATED_COUNT]


def translations(knowledge_base: Catalogue, article: Article) -> list[Article]:
    """The article's versions in the other languages."""
    return [
        a for a in knowledge_base.articles
        if a.translation_key == article.translation_key and a.id != article.id and a.language != article.language
    ]


def popular(session: Session, knowledge_base: Catalogue, language: str, now: datetime) -> list[Article]:
    """The most helpful articles of ``language`` (see the module's docstring), at most ``POPULAR_COUNT``."""
    articles = in_language(knowledge_base, language)
    ids = [a.id for a in articles]
    if not ids:
        return []
    since = now - timedelta(days=POPULAR_WINDOW_DAYS)
    counts: Counter[str] = Counter()
    helped_answers = (
        select(KbQuery.article_id, func.count())
        .where(KbQuery.article_id.in_(ids), KbQuery.outcome == "answer", KbQuery.helped.is_(True),
               KbQuery.created_at >= since)
        .group_by(KbQuery.article_id)
    )
    yes_votes = (
        select(ArticleFeedback.article_id, func.count())
        .where(ArticleFeedback.article_id.in_(ids), ArticleFeedback.helpful.is_(True), ArticleFeedback.created_at >= since)
        .group_by(ArticleFeedback.article_id)
    )
    for query in (helped_answers, yes_votes):
        for article_id, count in session.execute(query):
            counts[article_id] += count
    position = {article_id: index for index, article_id in enumerate(ids)}
    ranked = sorted(articles, key=lambda a: (-counts[a.id], position[a.id]))
    return ranked[:POPULAR_COUNT]

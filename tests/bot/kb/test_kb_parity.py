"""Every language is first-class: the shipped KB has each English article in Hebrew, Arabic and Czech,
with the same tags, kind and links to other articles (help-centre pages), and enough customer-phrased questions."""
import re
from collections import defaultdict
from pathlib import Path

import pytest

from bot.kb.loader import Article, load_articles

ROOT = Path(__file__).resolve().parents[3]
LANGUAGES = ("en", "he", "ar", "cs")
MIN_QUESTIONS = 10
_ARTICLE_LINK = re.compile(r"\]\(/help/(?P<lang>[a-z]{2})/(?P<id>[a-z0-9-]+)\)")


def stem(article: Article) -> str:
    """The id without its language suffix: ``reset-password-he`` → ``reset-password``."""
    suffix = f"-{article.language}"
    return article.id[: -len(suffix)] if article.language != "en" and article.id.endswith(suffix) else article.id


@pytest.fixture(scope="module")
def by_language() -> dict[str, dict[str, Article]]:
    found: dict[str, dict[str, Article]] = defaultdict(dict)
    for article in load_articles(ROOT / "data" / "kb"):
        found[article.language][stem(article)] = article
    return found


def linked_stems(article: Article) -> set[tuple[str, str]]:
    """The (language, stem) of every help-centre page the body links to; the page's id must be the stem in
    English and ``<stem>-<language>`` otherwise (an id that breaks that pattern is reported as linked as-is)."""
    linked = set()
    for match in _ARTICLE_LINK.finditer(article.body):
        suffix = "" if match["lang"] == "en" else f"-{match['lang']}"
        page_id = match["id"]
        linked.add((match["lang"], page_id[: -len(suffix)] if suffix and page_id.endswith(suffix) else page_id))
    return linked


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_english_article_exists_in_each_language(by_language, language):
    missing = sorted(set(by_language["en"]) - set(by_language[language]))
    extra = sorted(set(by_language[language]) - set(by_language["en"]))
    assert (missing, extra) == ([], []), f"{language}: missing {missing}, without an English original {extra}"


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_translations_keep_the_english_id_stem_kind_and_tags(by_language, language):
    for name, article in by_language[language].items():
        original = by_language["en"].get(name)
        if original is None:
            continue  # reported by the existence test
        assert article.id == f"{name}-{language}"
        assert article.url is None, f"{article.id}: its page is the help centre's, so no url of its own"
        assert article.kind == original.kind, article.id
        assert set(article.tags) == set(original.tags), article.id


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_translations_link_to_the_same_articles_in_their_own_language(by_language, language):
    for name, article in by_language[language].items():
        original = by_language["en"].get(name)
        if original is None:
            continue
        english_links = {linked for _, linked in linked_stems(original)}
        assert {lang for lang, _ in linked_stems(original)} <= {"en"}, original.id
        assert linked_stems(article) == {(language, linked) for linked in english_links}, article.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_article_has_enough_customer_questions(by_language, language):
    thin = {name: len(a.questions) for name, a in by_language[language].items() if len(a.questions) < MIN_QUESTIONS}
    assert not thin, f"{language}: fewer than {MIN_QUESTIONS} example questions: {thin}"


def test_links_point_to_articles_that_exist(by_language):
    for language, articles in by_language.items():
        for article in articles.values():
            for _, linked in linked_stems(article):
                assert linked in articles, f"{article.id} links to {linked}, which has no {language} version"


def test_an_article_is_tagged_with_its_kind_and_every_guide_has_steps(by_language):
    english = by_language["en"]
    assert english["reset-password"].kind == "guide"
    assert {article.kind for article in english.values()} == {"faq", "guide", "article"}
    for articles in by_language.values():
        for article in articles.values():
            assert article.kind != "guide" or len(article.steps) >= 2, article.id

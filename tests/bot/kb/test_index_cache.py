"""Built indexes are reused while everything they are built from is unchanged, and never otherwise."""
import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.kb.index_cache import KEEP_FILES, IndexCache, cache_key
from bot.kb.loader import load_articles
from bot.kb.search import KnowledgeBase

QUESTIONS = ["how do i reset my password", "where is my parcel", "I want my money back", "will it rain tomorrow"]


def decisions(knowledge_base: KnowledgeBase) -> list[tuple]:
    return [(r.decision, r.top.article_id if r.top else None, round(r.in_scope, 9))
            for r in (knowledge_base.search(q, "en") for q in QUESTIONS)]


class CountingCache(IndexCache):
    """The real cache, counting the builds it had to run."""

    builds = 0

    def get_or_build(self, key, build):
        def counted():
            self.builds += 1
            return build()
        return super().get_or_build(key, counted)


@pytest.fixture
def articles(demo_kb_dir):
    return load_articles(demo_kb_dir)


def test_a_second_build_of_the_same_articles_loads_the_cached_index_and_answers_the_same(articles, tmp_path):
    cache = CountingCache(tmp_path / "index")
    first = KnowledgeBase.build(articles, index_cache=cache)
    second = KnowledgeBase.build(articles, index_cache=cache)

    assert cache.builds == 1
    assert decisions(second) == decisions(first)


def test_the_same_articles_read_from_another_folder_share_the_cache(articles, demo_kb_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(demo_kb_dir, copy)
    assert cache_key(load_articles(copy), "", 0) == cache_key(articles, "", 0)


def test_an_edited_article_another_model_or_seed_is_another_index(articles):
    edited = [dataclasses.replace(articles[0], questions=(*articles[0].questions, "one more way to ask"))] + articles[1:]
    keys = {cache_key(articles, "", 0), cache_key(edited, "", 0), cache_key(articles, "all-MiniLM-L6-v2", 0),
            cache_key(articles, "", 1)}
    assert len(keys) == 4


def test_an_unreadable_cached_index_is_rebuilt(articles, tmp_path):
    cache = CountingCache(tmp_path / "index")
    KnowledgeBase.build(articles, index_cache=cache)
    [cached] = (tmp_path / "index").glob("*.pickle")
    cached.write_bytes(b"not a pickle")

    rebuilt = KnowledgeBase.build(articles, index_cache=cache)

    assert cache.builds == 2
    assert decisions(rebuilt)[0][1] is not None
    assert cached.read_bytes() != b"not a pickle"


def test_a_folder_that_cannot_be_written_only_costs_a_build(articles, tmp_path):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    cache = CountingCache(blocked / "index")

    KnowledgeBase.build(articles, index_cache=cache)
    KnowledgeBase.build(articles, index_cache=cache)

    assert cache.builds == 2


def test_only_the_most_recently_used_builds_are_kept(articles, tmp_path):
    cache = IndexCache(tmp_path / "index")
    for extra in range(KEEP_FILES + 2):
        changed = [dataclasses.replace(articles[0], title=f"{articles[0].title} {extra}")] + articles[1:]
        cache.get_or_build(cache_key(changed, "", 0), dict)
    assert len(list(Path(tmp_path / "index").glob("*.pickle"))) == KEEP_FILES

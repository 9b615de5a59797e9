"""``python -m bot bench-kb-size``: the KB grown by copies of one language's articles, each size built, loaded
back and searched in a process of its own."""
from __future__ import annotations

import pytest

from bot.benchmarks.cli import kb_size_main
from bot.benchmarks.kb_size import grow_kb, run_benchmark
from bot.kb.loader import load_articles
from tests.bot.kb.kb_articles import write_article, write_demo_kb


def test_growing_copies_each_article_of_the_language_under_an_id_and_a_product_of_its_own(tmp_path):
    source = tmp_path / "kb"
    write_article(source / "en", "refunds", "Refunds", "en", ["how do I get a refund", "refund status"],
                  body="Refunds take 5 days.\n\n---\n\nStill waiting? Write to us.")
    write_article(source / "en", "delivery", "Delivery times", "en", ["when will it arrive"])
    write_article(source / "cs", "doprava", "Doprava", "cs", ["kdy to přijde"])

    count = grow_kb(source, tmp_path / "grown", "en", copies=3)

    articles = {article.id: article for article in load_articles(tmp_path / "grown")}
    assert count == 6
    assert sorted(articles) == ["delivery", "delivery-k1", "delivery-k2", "doprava",
                                "refunds", "refunds-k1", "refunds-k2"]
    assert articles["refunds-k2"].title == "Refunds (Model K2)"
    assert list(articles["refunds-k2"].questions) == ["how do I get a refund (Model K2)", "refund status (Model K2)"]
    assert articles["refunds-k2"].body == articles["refunds"].body
    assert "Still waiting?" in articles["refunds"].body
    assert list(articles["doprava"].questions) == ["kdy to přijde"]


def test_each_size_is_built_loaded_back_and_searched(tmp_path):
    kb = write_demo_kb(tmp_path / "kb")
    english = [article for article in load_articles(kb) if article.language == "en"]

    report = run_benchmark(kb, "en", [1, 2], embedding_model="none")

    one, two = report["sizes"]
    assert (one["copies"], one["articles"], two["articles"]) == (1, len(english), 2 * len(english))
    assert two["example_questions"] == 2 * one["example_questions"] == 2 * sum(len(a.questions) for a in english)
    assert two["all_articles"] - one["all_articles"] == len(english)
    for size in report["sizes"]:
        assert size["build_s"] > 0 and size["cached_load_s"] > 0
        assert size["build_peak_rss_mb"] > 0 and size["serving_rss_mb"] > 0
        assert size["search_ms"]["count"] == one["example_questions"]
        assert 0 < size["search_ms"]["p50"] <= size["search_ms"]["p95"]


@pytest.mark.parametrize("arguments, message", [
    (["--copies", "0"], "every count must be at least 1"),
    (["--copies", "two"], "is not a whole number"),
    (["--language", "de"], "invalid choice"),
    (["--kb", "/nonexistent/kb"], "no such directory"),
])
def test_the_command_refuses_what_it_cannot_measure(arguments, message, capsys):
    with pytest.raises(SystemExit):
        kb_size_main(arguments)
    assert message in capsys.readouterr().err


def test_a_kb_without_questions_in_the_language_is_a_clear_error(tmp_path, capsys):
    write_article(tmp_path / "kb" / "cs", "doprava", "Doprava", "cs", ["kdy to přijde"])

    assert kb_size_main(["--kb", str(tmp_path / "kb"), "--language", "he", "--copies", "1"]) == 1
    assert "lists no example questions in he" in capsys.readouterr().err

"""``bench-kb --kb-dir``: the held-out split of a KB's own example questions, and the per-language run."""
import json
from pathlib import Path

import pytest

from bot.kb.bench import (
    KB_DIALECTS_FILE,
    KB_OUT_OF_SCOPE_FILE,
    MIN_INDEXED_QUESTIONS,
    holdout_split,
    read_dialects,
    read_out_of_scope,
)
from bot.kb.cli import bench_main
from bot.kb.loader import Article, load_articles
from bot.language import SUPPORTED_LANGUAGES
from tests.bot.kb.kb_articles import DEMO_ARTICLES, write_article

SHIPPED_KB = Path(__file__).resolve().parents[3] / "data" / "kb"


@pytest.fixture(autouse=True)
def isolated_var_dir(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EFFORTLESS_VAR_DIR", str(tmp_path / "var"))


def article(article_id: str, n_questions: int) -> Article:
    return Article(id=article_id, title=article_id, language="en", body="",
                   questions=tuple(f"{article_id} question {i}" for i in range(n_questions)))


def test_holdout_takes_every_nth_question_and_is_deterministic():
    articles = [article("a", 12), article("b", 20)]
    indexed, held_out = holdout_split(articles, every=5, offset=1)
    assert held_out == [("a question 1", "a"), ("a question 6", "a"), ("a question 11", "a"),
                        ("b question 1", "b"), ("b question 6", "b"), ("b question 11", "b"), ("b question 16", "b")]
    assert holdout_split(articles, every=5, offset=1) == (indexed, held_out)
    for kept, original in zip(indexed, articles, strict=True):
        assert set(kept.questions) | {q for q, a in held_out if a == kept.id} == set(original.questions)
        assert not set(kept.questions) & {q for q, _ in held_out}
        assert (kept.id, kept.title, kept.body) == (original.id, original.title, original.body)


def test_offsets_hold_out_disjoint_sets_that_cover_every_question():
    articles = [article("a", 23)]
    held_out = [holdout_split(articles, every=5, offset=o, min_kept=0)[1] for o in range(5)]
    questions = [q for rows in held_out for q, _ in rows]
    assert sorted(questions) == sorted(articles[0].questions)  # each question in exactly one offset


def test_every_article_keeps_at_least_the_minimum_in_the_index():
    indexed, held_out = holdout_split([article("few", 6), article("fewer", 3)], every=2)
    assert [len(a.questions) for a in indexed] == [MIN_INDEXED_QUESTIONS, 3]
    assert held_out == [("few question 0", "few")]


def test_every_below_two_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        holdout_split([article("a", 10)], every=1)


def test_shipped_out_of_scope_questions_are_in_every_language_and_not_kb_examples():
    out_of_scope = read_out_of_scope(KB_OUT_OF_SCOPE_FILE)
    assert set(out_of_scope) == set(SUPPORTED_LANGUAGES)
    assert {len(questions) for questions in out_of_scope.values()} == {30}
    examples = {q.casefold() for a in load_articles(SHIPPED_KB) for q in a.questions}
    assert not {q.casefold() for qs in out_of_scope.values() for q in qs} & examples


def test_the_dialect_questions_name_shipped_articles_and_are_none_of_their_examples():
    dialects = read_dialects(KB_DIALECTS_FILE)
    articles = {a.id: a for a in load_articles(SHIPPED_KB)}
    examples = {q.casefold() for a in articles.values() for q in a.questions}
    assert (len(dialects["ar"]), len(dialects["cs"]), len(dialects["he"])) >= (40, 20, 15)
    for language, questions in dialects.items():
        for question, article_id in questions:
            assert articles[article_id].language == language
            assert question.casefold() not in examples


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """The demo's English articles (8 questions each) and a Hebrew copy of two of them."""
    for article_id, title, language, questions, body in DEMO_ARTICLES:
        if language == "en":
            write_article(tmp_path / "kb" / "en", article_id, title, "en", questions, body)
    hebrew = {
        "reset-password-he": ["שכחתי את הסיסמה", "איך מאפסים סיסמה", "לא מצליח להתחבר שכחתי סיסמה", "אני צריך סיסמה חדשה",
                              "קישור לאיפוס סיסמה לא עובד", "איבדתי את הסיסמה", "שחזור סיסמה", "רוצה לשנות סיסמה"],
        "track-order-he": ["איפה ההזמנה שלי", "מתי החבילה תגיע", "מעקב אחרי משלוח", "ההזמנה עוד לא הגיעה",
                           "מספר מעקב של ההזמנה", "החבילה שלי לא הגיעה", "מה הסטטוס של ההזמנה", "מתי יגיע המשלוח"],
    }
    for article_id, questions in hebrew.items():
        write_article(tmp_path / "kb" / "he", article_id, article_id, "he", questions)
    return tmp_path / "kb"


def test_one_language_prints_its_figures_as_json(small_kb, tmp_path, capsys):
    oos = tmp_path / "oos.yml"
    oos.write_text("en: [who painted the mona lisa, delete my account]\nhe: [מי צייר את המונה ליזה]\n", encoding="utf-8")
    out = tmp_path / "en.json"
    code = bench_main(["--kb-dir", str(small_kb), "--language", "en", "--holdout-every", "4", "--holdout-offset", "2",
                       "--kb-oos", str(oos), "--embedding-model", "none", "--json", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    # 8 questions per article, 5 kept: positions 2 and 6 held out in each of the 8 English articles.
    assert (printed["articles"], printed["in_scope"], printed["out_of_scope"]) == (8, 16, 2)
    assert (printed["indexed_questions"], printed["engine"], printed["holdout_offset"]) == (48, "lexical", 2)
    assert printed["answer"] + printed["clarify"] + printed["abstain"] == 18
    # "delete my account", an indexed example, answered although listed out of scope, is a wrong answer.
    assert printed["wrong_answer_rate"] >= 1 / 18
    assert printed["hit_at_1"] >= 0.5


def test_all_languages_print_a_table_with_the_gap_to_english(small_kb, tmp_path, capsys):
    out = tmp_path / "all.json"
    code = bench_main(["--kb-dir", str(small_kb), "--language", "all", "--holdout-every", "4",
                       "--embedding-model", "none", "--json", str(out)])
    assert code == 0
    table = capsys.readouterr().out.splitlines()
    assert "gap to en" in table[0]
    saved = json.loads(out.read_text())
    assert set(saved) == {"en", "he"}  # languages without articles are left out
    he_row = next(line for line in table if line.startswith("| he |"))
    gap = saved["he"]["hit_at_1"] - saved["en"]["hit_at_1"]
    assert f"{gap:+.3f}" in he_row
    assert saved["he"]["out_of_scope"] == 30  # the shipped out-of-scope questions by default


def test_dialect_questions_are_reported_apart(small_kb, tmp_path, capsys):
    dialects = tmp_path / "dialects.yml"
    dialects.write_text("he:\n  reset-password-he: [שכחתי ת'סיסמה, מה עושים כששוכחים סיסמה]\n"
                        "  track-order-he: [איפה החבילה שלי]\n", encoding="utf-8")
    code = bench_main(["--kb-dir", str(small_kb), "--language", "he", "--holdout-every", "4",
                       "--kb-dialects", str(dialects), "--embedding-model", "none"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["in_scope"] == 4  # the held-out questions alone: the dialect ones are not mixed in
    assert printed["dialects"]["in_scope"] == 3
    assert printed["dialects"]["answer"] + printed["dialects"]["clarify"] + printed["dialects"]["abstain"] == 3


@pytest.mark.parametrize(("extra", "message"), [
    (["--train", "x.csv", "--test", "y.csv"], "either --kb-dir"),
    (["--holdout-every", "5", "--holdout-offset", "5"], "--holdout-offset in 0..N-1"),
    (["--language", "auto"], "--language must be one of"),
    (["--language", "ar"], "has no articles in ar"),
])
def test_bad_options_are_clear_errors(small_kb, extra, message, capsys):
    assert bench_main(["--kb-dir", str(small_kb), "--embedding-model", "none", *extra]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--kb-oos", "--kb-dialects"])
def test_a_malformed_question_file_is_a_clear_error(small_kb, tmp_path, capsys, option):
    malformed = tmp_path / "questions.yml"
    malformed.write_text("- just a list\n", encoding="utf-8")
    assert bench_main(["--kb-dir", str(small_kb), option, str(malformed), "--embedding-model", "none"]) == 2
    assert "expected a mapping of language code" in capsys.readouterr().err

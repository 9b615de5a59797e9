"""Loading KB files: good articles parse; every broken file is reported by name and reason."""
from pathlib import Path

import pytest

from bot.kb.loader import KbLoadError, load_articles, parse_article, scan_articles
from tests.bot.kb.kb_articles import write_article

GOOD = """---
id: reset-password
title: How to reset your password
language: en
url: https://help.example.com/reset
tags: [account, login]
questions:
  - I forgot my password
  - "reset: how?"
---
Select **Forgot password** on the sign-in page and follow the [link](https://x.example) we email you.

## Details

The link is valid for one hour.
"""


def test_a_good_article_is_parsed_with_all_its_fields(tmp_path: Path):
    (tmp_path / "reset.md").write_text(GOOD, encoding="utf-8")
    [article] = load_articles(tmp_path)
    assert article.id == "reset-password"
    assert article.title == "How to reset your password"
    assert article.language == "en"
    assert article.url == "https://help.example.com/reset"
    assert article.tags == ("account", "login")
    assert article.questions == ("I forgot my password", "reset: how?")
    assert article.path == tmp_path / "reset.md"
    assert article.body.startswith("Select **Forgot password**")


def test_chat_answer_is_the_first_paragraph_as_plain_text(tmp_path: Path):
    (tmp_path / "reset.md").write_text(GOOD, encoding="utf-8")
    [article] = load_articles(tmp_path)
    assert article.chat_answer() == "Select Forgot password on the sign-in page and follow the link we email you."


def test_chat_answer_prefers_the_summary_and_is_cut_to_length(tmp_path: Path):
    path = tmp_path / "a.md"
    path.write_text("---\nid: a\ntitle: A\nlanguage: en\nsummary: Short answer.\n---\nLong body.\n", encoding="utf-8")
    assert parse_article(path).chat_answer() == "Short answer."
    long_body = "word " * 300
    path.write_text(f"---\nid: a\ntitle: A\nlanguage: en\n---\n{long_body}\n", encoding="utf-8")
    answer = parse_article(path).chat_answer(max_chars=100)
    assert len(answer) <= 100 and answer.endswith("…")


def test_a_hebrew_article_keeps_its_text(tmp_path: Path):
    path = write_article(tmp_path, "he-1", "איך לאפס סיסמה", "he", ["שכחתי את הסיסמה"], body="בחרו שכחתי סיסמה.")
    article = parse_article(path)
    assert article.language == "he" and article.questions == ("שכחתי את הסיסמה",)
    assert article.chat_answer() == "בחרו שכחתי סיסמה."


@pytest.mark.parametrize(
    "content, reason",
    [
        ("no front matter here\n", "front matter missing"),
        ("---\nid: a\ntitle: [unclosed\nlanguage: en\n---\nbody\n", "front matter is not valid YAML"),
        ("---\n- just\n- a list\n---\nbody\n", "front matter must be 'field: value' lines"),
        ("---\ntitle: A\nlanguage: en\n---\nbody\n", "missing field 'id'"),
        ("---\nid: a\nlanguage: en\n---\nbody\n", "missing field 'title'"),
        ("---\nid: a\ntitle: A\n---\nbody\n", "missing field 'language'"),
        ("---\nid: a\ntitle: A\nlanguage: fr\n---\nbody\n", "language 'fr' is not supported"),
        ("---\nid: a b\ntitle: A\nlanguage: en\n---\nbody\n", "id 'a b' may only contain"),
        ("---\nid: a\ntitle: A\nlanguage: en\nquestions: {x: 1}\n---\nbody\n", "field 'questions' must be a list"),
        ("---\nid: a\ntitle: A\nlanguage: en\nquestions:\n  - what: now\n---\nbody\n", "item 1 of 'questions' must be text"),
        ("---\nid: a\ntitle: A\nlanguage: en\nurl: javascript:alert(1)\n---\nbody\n", "must start with https://"),
        ("---\nid: a\ntitle: A\nlanguage: en\n---\n\n", "the article has no text"),
    ],
)
def test_a_broken_file_is_reported_with_its_name_and_reason(tmp_path: Path, content: str, reason: str):
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.md").write_text(content, encoding="utf-8")
    with pytest.raises(KbLoadError) as error:
        load_articles(tmp_path)
    [problem] = error.value.problems
    assert problem.path == tmp_path / "broken.md"
    assert reason in problem.reason
    assert str(tmp_path / "broken.md") in str(error.value)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path):
    (tmp_path / "latin1.md").write_bytes("---\nid: a\ntitle: Café\nlanguage: en\n---\nbody\n".encode("latin-1"))
    [problem] = scan_articles(tmp_path).problems
    assert "not UTF-8" in problem.reason


def test_a_duplicate_id_names_both_files(tmp_path: Path):
    first = write_article(tmp_path, "same", "First", "en", ["q"], filename="a.md")
    second = write_article(tmp_path, "same", "Second", "en", ["q"], filename="b.md")
    scan = scan_articles(tmp_path)
    assert [a.title for a in scan.articles] == ["First"]
    [problem] = scan.problems
    assert problem.path == second and str(first) in problem.reason and "duplicate id 'same'" in problem.reason


def test_every_bad_file_is_reported_in_one_pass(tmp_path: Path):
    (tmp_path / "one.md").write_text("nothing\n")
    (tmp_path / "two.md").write_text("---\nid: x\n---\nbody\n")
    assert sorted(p.path.name for p in scan_articles(tmp_path).problems) == ["one.md", "two.md"]


def test_an_empty_folder_is_an_empty_kb_and_a_missing_one_is_an_error(tmp_path: Path):
    assert load_articles(tmp_path) == []
    with pytest.raises(KbLoadError, match="does not exist"):
        load_articles(tmp_path / "missing")


def test_hidden_files_and_other_extensions_are_ignored(tmp_path: Path):
    write_article(tmp_path, "a", "A", "en", ["q"])
    (tmp_path / ".draft.md").write_text("broken")
    (tmp_path / "notes.txt").write_text("broken")
    assert [a.id for a in load_articles(tmp_path)] == ["a"]


GUIDE = """---
id: reset-password
title: How to reset your password
language: en
kind: guide
---
Choose **Forgot password?** on the sign-in page.

**Step by step**

1. Open the [sign-in page](/help/en/sign-in) and choose **Sign in**.
2. Select **Forgot password?**.

3. Enter your email address
   and select `Send reset link`.

**Didn't get it?**

1. Check your spam folder.
"""


def test_a_guides_steps_are_its_first_numbered_list_as_plain_text(tmp_path: Path):
    path = tmp_path / "guide.md"
    path.write_text(GUIDE, encoding="utf-8")
    article = parse_article(path)
    assert article.kind == "guide"
    assert article.steps == (
        "Open the sign-in page and choose Sign in.",
        "Select Forgot password?.",
        "Enter your email address and select Send reset link.",
    )


def test_an_article_without_a_numbered_list_has_no_steps(tmp_path: Path):
    (tmp_path / "reset.md").write_text(GOOD, encoding="utf-8")
    [article] = load_articles(tmp_path)
    assert article.steps == ()


def test_a_guide_without_numbered_steps_is_reported_in_words_an_author_can_act_on(tmp_path: Path):
    path = tmp_path / "guide.md"
    path.write_text(GUIDE.split("**Step by step**")[0], encoding="utf-8")
    with pytest.raises(KbLoadError) as error:
        load_articles(tmp_path)
    [problem] = error.value.problems
    assert problem.path == path
    assert "kind is 'guide' but the text has no numbered steps" in problem.reason
    assert "'1. '" in problem.reason


def test_chat_answer_keeps_the_text_of_site_relative_links(tmp_path: Path):
    path = write_article(tmp_path, "a", "A", "en", ["q"], body="See [I can't log in](/help/en/login-problems) first.")
    assert parse_article(path).chat_answer() == "See I can't log in first."

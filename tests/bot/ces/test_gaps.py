"""Grouping unanswered questions: the indexed grouping finds exactly the groups that comparing each
question with every group's leader, in order, finds (the definition in docs/surveys-and-reports.md)."""
from __future__ import annotations

import random

import pytest

from bot.ces.gaps import GapQuestion, group_questions, question_words

WORDINGS = [
    ("How do I export my data?", "en"), ("how can I export data", "en"), ("Exporting my data to CSV", "en"),
    ("Do you ship to Canada?", "en"), ("shipping to canada", "en"), ("Can I pay with PayPal?", "en"),
    ("paypal payment", "en"), ("gift card balance", "en"), ("how do I?", "en"), ("??", "en"), ("!!", "he"),
    ("איך לייצא נתונים?", "he"), ("ייצוא הנתונים", "he"), ("משלוח לקנדה", "he"),
    ("كيف أصدر بياناتي؟", "ar"), ("تصدير البيانات", "ar"), ("الدفع عبر باي بال", "ar"),
    ("Jak exportovat data?", "cs"), ("export dat do CSV", "cs"), ("Doprava do Kanady", "cs"),
]


def _trigrams(words: frozenset[str]) -> frozenset[str]:
    return frozenset(f" {word} "[i:i + 3] for word in words for i in range(len(word)))


def _jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    return 1.0 if not first and not second else len(first & second) / len(first | second)


def _grouped_by_comparing_every_leader(questions: list[GapQuestion], threshold: float) -> list[list[GapQuestion]]:
    """The definition, written the slow way: most frequent wording first, each joins the first group
    whose leader's words or trigrams are at least ``threshold`` alike."""
    by_wording: dict[frozenset[str], list[GapQuestion]] = {}
    for question in questions:
        by_wording.setdefault(question_words(question.text, question.language), []).append(question)
    groups: list[tuple[frozenset[str], list[GapQuestion]]] = []
    for words, same in sorted(by_wording.items(), key=lambda item: -len(item[1])):
        for leader, members in groups:
            if max(_jaccard(words, leader), _jaccard(_trigrams(words), _trigrams(leader))) >= threshold:
                members.extend(same)
                break
        else:
            groups.append((words, list(same)))
    ordered = [members for _, members in groups]
    ordered.sort(key=lambda members: (-len({question.conversation_id for question in members}), -len(members)))
    return ordered


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.8, 1.0, 1.5])
def test_grouping_finds_the_groups_a_comparison_with_every_leader_finds(threshold):
    chooser = random.Random(7)
    questions = [
        GapQuestion(text + ("" if n % 3 else f" {chooser.choice(['order', 'CSV', 'brno', '2'])}"), language,
                    f"c{n % 40}", "miss")
        for n, (text, language) in enumerate(chooser.choice(WORDINGS) for _ in range(400))
    ]

    grouped = [group.questions for group in group_questions(questions, threshold)]

    assert grouped == _grouped_by_comparing_every_leader(questions, threshold)
    assert sorted(map(id, (question for group in grouped for question in group))) == sorted(map(id, questions))


def test_questions_with_nothing_in_common_stay_apart_and_wordless_ones_go_together():
    questions = [GapQuestion(text, language, f"c{n}", "abstain")
                 for n, (text, language) in enumerate([("gift card balance", "en"), ("??", "en"),
                                                       ("Doprava do Kanady", "cs"), ("!!", "he")])]

    groups = group_questions(questions)

    assert sorted(sorted(question.text for question in group.questions) for group in groups) == [
        ["!!", "??"], ["Doprava do Kanady"], ["gift card balance"]]

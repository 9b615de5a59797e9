"""Measure KB search on a labelled CSV data set (e.g. Banking77); ``python -m bot bench-kb`` (bot/kb/cli.py) runs it.

Each label of the training CSV becomes one article whose example questions are its rows; every
test row then goes through :meth:`KnowledgeBase.search`, the same call the bot makes. Out-of-scope
rows (``--oos`` file, or test rows labelled ``--oos-label``) must be abstained.

Metrics (one JSON object on stdout):
- ``hit_at_1``: in-scope rows whose top candidate is the right article and that were not abstained
  (a "Did you mean …?" whose first option is right counts as a hit);
- ``false_abstention``: in-scope rows abstained; ``oos_recall``: out-of-scope rows abstained;
- ``wrong_answer_rate``: rows answered outright with a wrong article (or answered while out of scope);
- ``answered_right_rate``: in-scope rows answered outright with the right article (no clarification needed);
- ``none_of_these_rate``: rows where the customer would have to pick "None of these": a "Did you mean …?"
  whose options do not include the right article (every clarification of an out-of-scope row);
- ``accuracy``: all rows, an in-scope row correct when a hit, an out-of-scope row when abstained;
- ``answer``/``clarify``/``abstain``: decision counts; ``build_s``; ``latency_ms`` p50/p95 per question.
"""
from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bot.kb.search import Article, KnowledgeBase
from bot.kb.threads import answer_questions_single_threaded
from bot.language import detect_language


def read_rows(path: Path, text_col: str, label_col: str | None) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in (text_col, label_col) if c and c not in columns]
        if missing:
            raise ValueError(f"{path}: no column {missing[0]!r} (columns: {', '.join(columns)})")
        return [(row[text_col] or "", row[label_col] if label_col else "") for row in reader]


def build_articles(
    rows: list[tuple[str, str]], shots: int | None, seed: int, language: str, exclude_label: str | None
) -> list[Article]:
    """One article per label, its rows as example questions (``shots`` of them sampled with ``seed``)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in rows:
        if label != exclude_label and text.strip():
            by_label[label].append(text)
    rng = np.random.default_rng(seed)
    articles = []
    for label in sorted(by_label):
        questions = by_label[label]
        if shots is not None and len(questions) > shots:
            questions = [questions[i] for i in sorted(rng.choice(len(questions), shots, replace=False))]
        title = label.replace("_", " ")
        articles.append(Article(id=label, title=title, language=language, body=title, questions=tuple(questions)))
    return articles


def evaluate(kb: KnowledgeBase, rows: list[tuple[str, str | None]], language: str) -> dict:
    """Run every (text, expected article id or None for out-of-scope) row through ``kb.search``."""
    counts = {"answer": 0, "clarify": 0, "abstain": 0}
    hits = abstained_in = abstained_out = wrong_answers = top_right = answered_right = none_of_these = 0
    latencies = []
    for text, expected in rows:
        row_language = detect_language(text, default="en") if language == "auto" else language
        started = time.perf_counter()
        result = kb.search(text, language=row_language)
        latencies.append((time.perf_counter() - started) * 1000)
        counts[result.decision] += 1
        top = result.top.article_id if result.top else None
        abstained = result.decision == "abstain"
        if result.decision == "clarify":
            none_of_these += expected not in {c.article_id for c in result.clarify_options}
        if expected is None:
            abstained_out += abstained
            wrong_answers += result.decision == "answer"
        else:
            top_right += top == expected
            hits += top == expected and not abstained
            abstained_in += abstained
            wrong_answers += result.decision == "answer" and top != expected
            answered_right += result.decision == "answer" and top == expected
    n_in = sum(1 for _, e in rows if e is not None)
    n_out = len(rows) - n_in
    return {
        "in_scope": n_in,
        "out_of_scope": n_out,
        "hit_at_1": round(hits / n_in, 4) if n_in else None,
        "top1_accuracy": round(top_right / n_in, 4) if n_in else None,
        "false_abstention": round(abstained_in / n_in, 4) if n_in else None,
        "oos_recall": round(abstained_out / n_out, 4) if n_out else None,
        "wrong_answer_rate": round(wrong_answers / len(rows), 4) if rows else None,
        "answered_right_rate": round(answered_right / n_in, 4) if n_in else None,
        "none_of_these_rate": round(none_of_these / len(rows), 4) if rows else None,
        "accuracy": round((hits + abstained_out) / len(rows), 4) if rows else None,
        **counts,
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        },
    }


def run_benchmark(
    train: list[tuple[str, str]],
    test: list[tuple[str, str]],
    oos: list[tuple[str, str]],
    *,
    shots: int | None,
    seed: int,
    language: str,
    oos_label: str | None,
    embedding_model: str,
    cache_dir: Path,
) -> dict:
    """Articles from the ``train`` rows, then every ``test`` row of a known label (or ``oos_label``) and every
    ``oos`` row through the search; the figures of :func:`evaluate` plus the build time."""
    answer_questions_single_threaded()  # as the action server does
    article_language = "en" if language == "auto" else language
    articles = build_articles(train, shots, seed, article_language, oos_label)
    known = {a.id for a in articles}
    rows: list[tuple[str, str | None]] = [
        (text, None if label == oos_label else label) for text, label in test if label in known or label == oos_label
    ]
    rows += [(text, None) for text, _ in oos]
    started = time.perf_counter()
    kb = KnowledgeBase.build(articles, embedding_model=embedding_model, cache_dir=cache_dir, seed=seed)
    build_seconds = time.perf_counter() - started
    return {
        "articles": len(articles),
        "shots": shots,
        "embedding_model": embedding_model or None,
        "build_s": round(build_seconds, 2),
        **evaluate(kb, rows, language),
    }

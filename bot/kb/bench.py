"""Measure KB search; ``python -m bot bench-kb`` (bot/kb/cli.py) runs it, on one of two sources.

- A labelled CSV data set (e.g. Banking77): each label of the training CSV becomes one article whose
  example questions are its rows. Out-of-scope rows (``--oos`` file, or test rows labelled ``--oos-label``)
  must be abstained.
- A KB folder (``--kb-dir``, per language): every ``every``-th example question of each article is held
  out of the index and asked (:func:`holdout_split`), with the out-of-scope questions of
  ``bot/benchmarks/kb_out_of_scope.yml`` (topics the shipped KB does not cover, in each language), which
  must be abstained. This is how Hebrew, Arabic and Czech are compared with English. The questions of
  ``bot/benchmarks/kb_dialects.yml``, as customers speak (dialect Arabic, colloquial Czech, spoken Hebrew)
  where articles use the standard language, are asked of the same index and reported apart, under ``dialects``.

Either way every question goes through :meth:`KnowledgeBase.search`, the same call the bot makes.

Metrics (one JSON object on stdout):
- ``hit_at_1``: in-scope rows whose top candidate is the right article and that were not abstained
  (a "Did you mean …?" whose first option is right counts as a hit);
- ``false_abstention``: in-scope rows abstained; ``oos_recall``: out-of-scope rows abstained;
- ``wrong_answer_rate``: rows answered outright with a wrong article (or answered while out of scope);
- ``answered_right_rate``: in-scope rows answered outright with the right article (no clarification needed);
- ``none_of_these_rate``: rows where the customer would have to pick "None of these": a "Did you mean …?"
  whose options do not include the right article (every clarification of an out-of-scope row);
- ``accuracy``: all rows, an in-scope row correct when a hit, an out-of-scope row when abstained;
- ``answer``/``clarify``/``abstain``: decision counts; ``build_s``; ``latency_ms`` per question (count, p50, p95, max).
"""
from __future__ import annotations

import csv
import dataclasses
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from bot.kb.loader import load_articles
from bot.kb.search import Article, KnowledgeBase
from bot.kb.threads import answer_questions_single_threaded
from bot.language import SUPPORTED_LANGUAGES, detect_language

KB_OUT_OF_SCOPE_FILE = Path(__file__).resolve().parent.parent / "benchmarks" / "kb_out_of_scope.yml"
KB_DIALECTS_FILE = Path(__file__).resolve().parent.parent / "benchmarks" / "kb_dialects.yml"
MIN_INDEXED_QUESTIONS = 5
"""An article keeps at least this many example questions in the index, whatever the holdout asks."""


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


def evaluate(kb: KnowledgeBase, rows: Sequence[tuple[str, str | None]], language: str) -> dict:
    """Run every (text, expected article id or None for out-of-scope) row through ``kb.search``."""
    from bot.benchmarks.processes import latency_summary  # it loads the ORM (bot.ces.report): only when a benchmark runs

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
        "latency_ms": latency_summary(latencies, digits=2),
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


def holdout_split(
    articles: Sequence[Article], every: int, offset: int = 0, min_kept: int = MIN_INDEXED_QUESTIONS
) -> tuple[list[Article], list[tuple[str, str]]]:
    """The articles with every ``every``-th example question (positions ``offset``, ``offset + every``, …)
    removed, and those questions as (question, article id) rows. Deterministic; an article never keeps
    fewer than ``min_kept`` questions (its last candidates for holding out stay in the index instead).
    Distinct offsets give disjoint held-out sets: tune on some, report another."""
    if every < 2:
        raise ValueError("every must be at least 2 (1 would leave no example question in the index)")
    indexed, held_out = [], []
    for article in articles:
        chosen = [i for i in range(len(article.questions)) if i % every == offset % every]
        chosen = chosen[: max(len(article.questions) - min_kept, 0)]
        held_out += [(article.questions[i], article.id) for i in chosen]
        held = set(chosen)
        kept = tuple(q for i, q in enumerate(article.questions) if i not in held)
        indexed.append(dataclasses.replace(article, questions=kept))
    return indexed, held_out


def read_out_of_scope(path: Path) -> dict[str, list[str]]:
    """``{language: [question, …]}`` from a YAML mapping such as ``bot/benchmarks/kb_out_of_scope.yml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and all(isinstance(q, str) for q in v) for v in data.values()
    ):
        raise ValueError(f"{path}: expected a mapping of language code to a list of questions")
    return {str(language): questions for language, questions in data.items()}


def read_dialects(path: Path) -> dict[str, list[tuple[str, str]]]:
    """``{language: [(question, article id), …]}`` from a YAML ``{language: {article id: [questions]}}`` such as
    ``bot/benchmarks/kb_dialects.yml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(by_article, dict)
        and all(isinstance(qs, list) and all(isinstance(q, str) for q in qs) for qs in by_article.values())
        for by_article in data.values()
    ):
        raise ValueError(f"{path}: expected a mapping of language code to {{article id: [questions]}}")
    return {
        str(language): [(q, str(article_id)) for article_id, qs in by_article.items() for q in qs]
        for language, by_article in data.items()
    }


def run_kb_benchmark(
    kb_dir: Path,
    languages: Sequence[str],
    *,
    every: int,
    offset: int,
    out_of_scope: dict[str, list[str]],
    embedding_model: str,
    cache_dir: Path,
    seed: int = 0,
    dialects: dict[str, list[tuple[str, str]]] | None = None,
) -> dict[str, dict]:
    """Per language: the index built from the KB's articles less their held-out questions (one build for
    all ``languages``), then the held-out questions (in scope) and ``out_of_scope[language]`` through the
    search; the figures of :func:`evaluate` plus the build time, and those of ``dialects[language]`` (asked
    of the same index) under ``dialects``. Languages without articles are left out."""
    from bot.kb.embeddings import load_encoder

    answer_questions_single_threaded()
    encoder = load_encoder(embedding_model)
    articles = [a for a in load_articles(kb_dir) if a.language in languages]
    languages = [language for language in languages if any(a.language == language for a in articles)]
    indexed, held_out = {}, {}
    for language in languages:
        indexed[language], held_out[language] = holdout_split(
            [a for a in articles if a.language == language], every, offset
        )
    started = time.perf_counter()
    kb = KnowledgeBase.build(
        [a for language in languages for a in indexed[language]], embedding_model=embedding_model,
        cache_dir=cache_dir, seed=seed,
    )
    build_seconds = time.perf_counter() - started
    results = {}
    for language in languages:
        rows: list[tuple[str, str | None]] = [*held_out[language]]
        rows += [(question, None) for question in out_of_scope.get(language, [])]
        results[language] = {
            "language": language,
            "articles": len(indexed[language]),
            "indexed_questions": sum(len(a.questions) for a in indexed[language]),
            "engine": "embeddings + lexical" if encoder and language in encoder.languages else "lexical",
            "holdout_every": every,
            "holdout_offset": offset,
            "build_s": round(build_seconds, 2),
            **evaluate(kb, rows, language),
        }
        spoken = (dialects or {}).get(language)
        if spoken:
            results[language]["dialects"] = evaluate(kb, spoken, language)
    return results


def gap_table(results: dict[str, dict], reference: str = "en") -> str:
    """A Markdown table of each language's figures and its hit@1 gap to ``reference``."""
    header = (
        "| language | engine | held out + OOS | hit@1 | gap to en | wrong answers | answered right "
        "| false abstention | OOS recall | answer / clarify / abstain | p50 / p95 ms |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    base = results.get(reference, {}).get("hit_at_1")
    for language in SUPPORTED_LANGUAGES:
        r = results.get(language)
        if r is None:
            continue
        gap = "—" if base is None or language == reference else f"{r['hit_at_1'] - base:+.3f}"
        lines.append(
            f"| {language} | {r['engine']} | {r['in_scope']} + {r['out_of_scope']} | {r['hit_at_1']:.3f} | {gap} "
            f"| {r['wrong_answer_rate']:.3f} | {r['answered_right_rate']:.3f} | {r['false_abstention']:.3f} "
            f"| {_figure(r['oos_recall'])} | {r['answer']} / {r['clarify']} / {r['abstain']} "
            f"| {r['latency_ms']['p50']} / {r['latency_ms']['p95']} |"
        )
    return "\n".join(lines)


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"

"""The knowledge base's command line: ``python -m bot kb check|index|reload`` and ``python -m bot bench-kb``.

``kb check|index|reload``: validate the KB files, build the index unless it is cached, or rebuild it now.

``check`` prints one problem per line (file: reason) and exits 1 if there is any; it also loads the
embedding model and prints one line saying which languages use it (its exit status is only about
the article files: without the model, search still works, lexically).
``index`` builds the index into the index cache unless it is already there, as ``make run`` does before
the action server starts (a first build takes minutes for a KB of a thousand articles; the action server
then loads it in seconds).
``reload`` builds the index (warming the embedding cache), prints articles per language and the time
taken, then touches ``var/kb/reload-stamp`` so running action servers rebuild on their next question.
``bench-kb`` measures KB search on a labelled CSV data set, or per language on a KB folder with a share
of its example questions held out (see :mod:`bot.kb.bench` for the metrics).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from bot.kb.embeddings import embedding_status
from bot.kb.files import BuildReport
from bot.kb.loader import KbLoadError, scan_articles
from bot.kb.store import build_knowledge_base, reload_stamp_path
from bot.language import SUPPORTED_LANGUAGES
from bot.settings import SettingsError, embedding_model_choice, load_settings


def _check(settings) -> int:
    scan = scan_articles(settings.kb_dir)
    problems = [str(p) for p in scan.problems]
    if not scan.articles and not scan.problems:
        problems.append(f"{settings.kb_dir}: no articles (*.md files) — the bot will answer nothing from the KB")
    for line in problems:
        print(line)
    for article in scan.articles:
        if not article.questions:
            print(f"warning: {article.path}: no example questions; add a few under 'questions:' to make it findable")
    print(embedding_status(settings.kb_embedding_model).describe())
    if problems:
        print(f"{len(problems)} problem(s) in {settings.kb_dir}", file=sys.stderr)
        return 1
    counts: dict = {}
    for article in scan.articles:
        counts[article.language] = counts.get(article.language, 0) + 1
    per_language = ", ".join(f"{language} {n}" for language, n in sorted(counts.items()))
    print(f"OK: {len(scan.articles)} articles ({per_language}) in {settings.kb_dir}")
    return 0


def _build(settings, failure: str) -> BuildReport | None:
    """The index of ``settings.kb_dir``, built or loaded from the index cache; None for a KB with broken files,
    printed one per line with ``failure`` after them."""
    try:
        _, report = build_knowledge_base(settings)
    except KbLoadError as exc:
        print(str(exc))
        print(failure, file=sys.stderr)
        return None
    return report


def _index(settings) -> int:
    report = _build(settings, "KB not indexed: fix the file(s) above")
    if report is None:
        return 1
    print(report.describe("indexed"))
    return 0


def _reload(settings) -> int:
    report = _build(settings, "KB not reloaded: fix the file(s) above; the running bot keeps the previous version")
    if report is None:
        return 1
    stamp = reload_stamp_path(settings)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"{report.articles}\n")
    print(report.describe())
    print("running action servers pick it up within a few seconds")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot kb", description="Knowledge base commands.")
    parser.add_argument("command", choices=("check", "index", "reload"))
    parser.add_argument("--kb-dir", type=Path, help="KB folder (default: KB_DIR)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"effortless: {exc}", file=sys.stderr)
        return 2
    if args.kb_dir is not None:
        settings = settings.model_copy(update={"kb_dir": args.kb_dir})
    return {"check": _check, "index": _index, "reload": _reload}[args.command](settings)


def _bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot bench-kb",
        description="``python -m bot bench-kb``: measure KB search on a labelled CSV data set (--train/--test, "
        "e.g. Banking77) or on a KB folder's own example questions, held out (--kb-dir).",
    )
    parser.add_argument("--train", type=Path, help="CSV whose rows become the articles' questions")
    parser.add_argument("--test", type=Path, help="CSV of questions to evaluate")
    parser.add_argument("--kb-dir", type=Path, help="KB folder: hold out example questions and ask them (instead of CSVs)")
    parser.add_argument("--holdout-every", type=int, default=5, help="with --kb-dir: hold out every Nth question per article")
    parser.add_argument("--holdout-offset", type=int, default=0,
                        help="with --kb-dir: which of the N positions to hold out (tune on one, report another)")
    parser.add_argument("--kb-oos", type=Path, default=None,
                        help="with --kb-dir: YAML {language: [questions]} the KB does not cover "
                        "(default: bot/benchmarks/kb_out_of_scope.yml)")
    parser.add_argument("--kb-dialects", type=Path, default=None,
                        help="with --kb-dir: YAML {language: {article id: [questions]}} in spoken dialect, "
                        "reported apart (default: bot/benchmarks/kb_dialects.yml)")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="category")
    parser.add_argument("--shots", type=int, default=None, help="keep K questions per label (default: all)")
    parser.add_argument("--oos", type=Path, help="CSV (column 'text') of out-of-scope questions")
    parser.add_argument("--oos-label", help="label of out-of-scope rows in the train/test CSVs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--language", default="en", help="language of the articles and questions; 'auto' (CSV) detects "
                        "it per question; 'all' (--kb-dir) runs every language and prints a table with the gap to English")
    parser.add_argument(
        "--embedding-model", default=None, help="KB_EMBEDDING_MODEL to use (default: the setting; 'none' or '' = lexical only)"
    )
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    return parser


def bench_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-kb``: one JSON object of search metrics on stdout (and in ``--json``)."""
    from bot.kb.bench import read_rows, run_benchmark

    args = _bench_parser().parse_args(argv)
    if args.shots is not None and args.shots < 1:
        print("--shots must be at least 1", file=sys.stderr)
        return 2
    if (args.kb_dir is None) == (args.train is None or args.test is None):
        print("bench-kb: give either --kb-dir, or --train and --test", file=sys.stderr)
        return 2
    settings = load_settings()
    embedding_model = settings.kb_embedding_model if args.embedding_model is None else embedding_model_choice(args.embedding_model)
    if args.kb_dir is not None:
        return _bench_kb_dir(args, embedding_model, settings.var_dir / "kb" / "embeddings")
    try:
        train = read_rows(args.train, args.text_col, args.label_col)
        test = read_rows(args.test, args.text_col, args.label_col)
        oos = read_rows(args.oos, "text", None) if args.oos else []
    except (OSError, ValueError) as exc:
        print(f"bench-kb: {exc}", file=sys.stderr)
        return 2
    result = run_benchmark(
        train, test, oos, shots=args.shots, seed=args.seed, language=args.language, oos_label=args.oos_label,
        embedding_model=embedding_model, cache_dir=settings.var_dir / "kb" / "embeddings",
    )
    _print_json(result, args.json)
    return 0


def _bench_kb_dir(args, embedding_model: str, cache_dir: Path) -> int:
    """``bench-kb --kb-dir``: one language's JSON object, or with ``--language all`` a table of all four."""
    from bot.kb.bench import (
        KB_DIALECTS_FILE,
        KB_OUT_OF_SCOPE_FILE,
        gap_table,
        read_dialects,
        read_out_of_scope,
        run_kb_benchmark,
    )

    languages = list(SUPPORTED_LANGUAGES) if args.language == "all" else [args.language]
    if languages[0] not in SUPPORTED_LANGUAGES:
        print(f"bench-kb: --language must be one of {', '.join(SUPPORTED_LANGUAGES)} or all", file=sys.stderr)
        return 2
    if args.holdout_every < 2 or not 0 <= args.holdout_offset < args.holdout_every:
        print("bench-kb: --holdout-every must be at least 2 and --holdout-offset in 0..N-1", file=sys.stderr)
        return 2
    try:
        out_of_scope = read_out_of_scope(args.kb_oos or KB_OUT_OF_SCOPE_FILE)
        dialects = read_dialects(args.kb_dialects or KB_DIALECTS_FILE)
        results = run_kb_benchmark(
            args.kb_dir, languages, every=args.holdout_every, offset=args.holdout_offset, out_of_scope=out_of_scope,
            embedding_model=embedding_model, cache_dir=cache_dir, seed=args.seed, dialects=dialects,
        )
    except (OSError, ValueError, yaml.YAMLError, KbLoadError) as exc:
        print(f"bench-kb: {exc}", file=sys.stderr)
        return 2
    if not results or (args.language != "all" and args.language not in results):
        print(f"bench-kb: {args.kb_dir} has no articles in {args.language}", file=sys.stderr)
        return 2
    if args.language == "all":
        print(gap_table(results))
        if args.json:
            _print_json(results, args.json, echo=False)
    else:
        _print_json(results[args.language], args.json)
    return 0


def _print_json(result: dict, path: Path | None, echo: bool = True) -> None:
    output = json.dumps(result, ensure_ascii=False)
    if echo:
        print(output)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(output + "\n")

"""``python -m bot kb check|reload``: validate the KB files, or rebuild the index now.

``check`` prints one problem per line (file: reason) and exits 1 if there is any; it also loads the
embedding model and prints one line saying which languages use it (its exit status is only about
the article files: without the model, search still works, lexically).
``reload`` builds the index (warming the embedding cache), prints articles per language and the time
taken, then touches ``var/kb/reload-stamp`` so running action servers rebuild on their next question.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.kb.embeddings import embedding_status
from bot.kb.loader import KbLoadError, scan_articles
from bot.kb.store import build_knowledge_base, reload_stamp_path
from bot.settings import SettingsError, load_settings


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


def _reload(settings) -> int:
    try:
        _, report = build_knowledge_base(settings)
    except KbLoadError as exc:
        print(str(exc))
        print("KB not reloaded: fix the file(s) above; the running bot keeps the previous version", file=sys.stderr)
        return 1
    stamp = reload_stamp_path(settings)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"{report.articles}\n")
    print(report.describe())
    print("running action servers pick it up within a few seconds")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot kb", description="Knowledge base commands.")
    parser.add_argument("command", choices=("check", "reload"))
    parser.add_argument("--kb-dir", type=Path, help="KB folder (default: KB_DIR)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"effortless: {exc}", file=sys.stderr)
        return 2
    if args.kb_dir is not None:
        settings = settings.model_copy(update={"kb_dir": args.kb_dir})
    return _check(settings) if args.command == "check" else _reload(settings)

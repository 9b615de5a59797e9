"""KB file watch for ``make run``: immediate feedback in the console when the KB files change.

Action servers reload by themselves (see :mod:`bot.kb.store`). This watch only reads the files (the
loader, a few milliseconds) to tell the person editing at once what the action servers will serve: "KB
reloaded: N articles" or the broken file and why. It builds no index and imports neither the search
engine nor numpy nor the embedding model, so the supervisor stays small (building its own index made it
about 240 MB bigger).
"""
from __future__ import annotations

import threading
import time

from bot.kb.files import BuildReport, Fingerprint, kb_fingerprint, log
from bot.kb.loader import KbLoadError, load_articles
from bot.settings import Settings


def check_kb(settings: Settings) -> BuildReport:
    """Load ``settings.kb_dir`` as an action server's rebuild would, without indexing it."""
    started = time.perf_counter()
    try:
        articles = load_articles(settings.kb_dir)
    except KbLoadError as exc:
        return BuildReport(False, error=str(exc))
    counts: dict[str, int] = {}
    for article in articles:
        counts[article.language] = counts.get(article.language, 0) + 1
    return BuildReport(True, counts, time.perf_counter() - started)


def watch_kb(settings: Settings, stop: threading.Event, interval_s: float = 1.0) -> None:
    """Check the KB at start and after every change of its files until ``stop`` is set; meant to run in a
    daemon thread."""
    checked: Fingerprint | None = None
    while True:
        try:
            fingerprint = kb_fingerprint(settings)
            if fingerprint != checked:
                checked = fingerprint
                report = check_kb(settings)
                (log.info if report.ok else log.error)(report.describe())
        except Exception:  # never let the watch thread die silently
            log.exception("KB watch: check failed")
        if stop.wait(interval_s):
            return

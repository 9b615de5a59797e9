"""KB file watch for ``make run``: rebuild when files change and log the outcome for the person editing.

Action servers reload by themselves (see :mod:`bot.kb.store`); this watch gives immediate feedback in
the ``make run`` console ("KB reloaded: N articles" or the broken file and reason) and warms the
embedding cache so the action servers' rebuild is fast.
"""
from __future__ import annotations

import threading

from bot.kb.store import KnowledgeBaseStore, log
from bot.settings import Settings


def watch_kb(settings: Settings, stop: threading.Event, interval_s: float = 1.0) -> None:
    """Poll the KB folder until ``stop`` is set; meant to run in a daemon thread."""
    store = KnowledgeBaseStore(settings, check_interval_s=interval_s)
    try:
        store.current()  # initial build: reports problems present at start-up
    except Exception:  # never let the watch thread die silently
        log.exception("KB watch: initial build failed")
    while not stop.wait(interval_s):
        try:
            store.refresh()  # logs "KB reloaded: …" or the error itself
        except Exception:
            log.exception("KB watch: reload failed")

"""The process-wide KB holder: builds the index lazily and hot-reloads it when the KB changes.

Reload mechanism: every :meth:`KnowledgeBaseStore.current` call (at most once per ``check_interval_s``)
compares a cheap fingerprint — names, sizes and modification times of the article files, plus
``var/kb/reload-stamp`` written by ``python -m bot kb reload`` — with the one the index was built from.
On a change it rebuilds; if the new build fails (a broken file), the error names the file and
reason in the log and the previous index keeps serving. Conversations never notice: a search uses
whichever complete index was current when it started.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.kb.embeddings import embedding_status
from bot.kb.files import BuildReport, Fingerprint, kb_fingerprint, log, reload_stamp_path
from bot.kb.index_cache import IndexCache
from bot.kb.loader import KbLoadError, load_articles
from bot.kb.search import KnowledgeBase, SearchResult
from bot.settings import Settings

__all__ = ["BuildReport", "KnowledgeBaseStore", "build_knowledge_base", "kb_fingerprint", "reload_stamp_path"]
"""What other modules import from here (the file-level parts live in :mod:`bot.kb.files`)."""


def embedding_cache_dir(settings: Settings) -> Path:
    return settings.var_dir / "kb" / "embeddings"


def index_cache_dir(settings: Settings) -> Path:
    return settings.kb_index_cache_dir or settings.var_dir / "kb" / "index"


def return_freed_memory() -> None:
    """Give the heap that a build freed back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    Why: loading the model and fitting the indexes allocate far more than the result keeps (the float32
    weights before quantisation, the calibration folds); glibc keeps that freed memory in the process, so
    without this the action server stays about 50 MB bigger than what it uses, for its whole life."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        pass


def build_knowledge_base(settings: Settings) -> tuple[KnowledgeBase, BuildReport]:
    """Load and index ``settings.kb_dir``. Raises :class:`KbLoadError` for bad files.

    An unusable embedding model leaves the index lexical-only (logged once per process, by
    :func:`bot.kb.embeddings.embedding_status`), so a broken model never takes the bot's answers away.
    """
    started = time.perf_counter()
    articles = load_articles(settings.kb_dir)
    usable = embedding_status(settings.kb_embedding_model).encoder is not None
    knowledge_base = KnowledgeBase.build(
        articles, embedding_model=settings.kb_embedding_model if usable else "", cache_dir=embedding_cache_dir(settings),
        index_cache=IndexCache(index_cache_dir(settings)),
    )
    return knowledge_base, BuildReport(True, knowledge_base.article_counts(), time.perf_counter() - started)


def build_index_in_child_process(settings: Settings) -> None:
    """Fit the indexes in a child process that stores them in the index cache and exits.

    Why: fitting (every article through the encoder, the calibration folds) leaves the process about
    300 MB bigger for its whole life, even after :func:`return_freed_memory`; the child gives all of it
    back when it exits, and the caller then loads the cached result in well under a second. Any failure
    (a bad file, a read-only cache folder, a child that could not start) is left to the caller's own
    build, which reports it as usual."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child:
        try:
            child.submit(_build_into_cache, settings).result()
        except Exception as exc:  # reported again, with the file and reason, by the caller's build
            log.info("KB index not built in a child process (%s: %s): building in this one", type(exc).__name__, exc)


def _build_into_cache(settings: Settings) -> None:
    """A child process's build: the index cache keeps the result, and nothing is sent back (the index holds the
    embedding model's session, which cannot be pickled: sending it failed every build with embeddings, and the
    caller, told the child had not built, loaded the cached index as if building it itself)."""
    build_knowledge_base(settings)


class KnowledgeBaseStore:
    """Holds the latest good :class:`KnowledgeBase` of one process; safe to share between threads."""

    def __init__(self, settings: Settings, check_interval_s: float = 2.0, rebuild_in_background: bool = False,
                 build_in_child_process: bool = False):
        self.settings = settings
        self.check_interval_s = check_interval_s
        self.rebuild_in_background = rebuild_in_background
        """Rebuild after an edit in a thread of its own, serving the previous index meanwhile: an action server
        must not make the question that notices an edit wait for a build (seconds with embeddings)."""
        self.build_in_child_process = build_in_child_process
        """Fit the indexes in a child process (:func:`build_index_in_child_process`): for a long-lived
        server, whose memory would otherwise keep what every build allocated."""
        self.reload_thread: threading.Thread | None = None
        self.last_report: BuildReport | None = None
        self._knowledge_base: KnowledgeBase | None = None
        self._fingerprint: Fingerprint | None = None
        self._served: tuple[KnowledgeBase, Fingerprint] | None = None
        """The index served and the fingerprint of the files it was built from, replaced as one."""
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> KnowledgeBase:
        """The latest good index. When the KB files changed since it was built, it is rebuilt first, or, with
        ``rebuild_in_background``, in a thread of its own while this call returns the previous index."""
        if self._knowledge_base is None:
            with self._lock:
                if self._knowledge_base is None:
                    self._rebuild(kb_fingerprint(self.settings))
        elif time.monotonic() - self._checked_at >= self.check_interval_s:
            if self.rebuild_in_background:
                self._refresh_in_background()
            else:
                self.refresh()
        assert self._knowledge_base is not None
        return self._knowledge_base

    def search(self, question: str, language: str) -> tuple[KnowledgeBase, SearchResult]:
        """The latest good index and its answer to ``question`` (the index also shows the chosen article)."""
        knowledge_base = self.current()
        return knowledge_base, knowledge_base.search(question, language)

    def current_with_source(self) -> tuple[KnowledgeBase, Fingerprint]:
        """:meth:`current`, with the fingerprint of the files that index was built from (the help centre's
        ETags), taken together so a page is never newer or older than its ETag says."""
        self.current()
        assert self._served is not None
        return self._served

    def refresh(self) -> BuildReport | None:
        """Rebuild if the fingerprint changed; returns the build report, or None when nothing changed
        (or another thread is rebuilding right now — callers keep using the current index meanwhile)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            self._checked_at = time.monotonic()
            fingerprint = kb_fingerprint(self.settings)
            if fingerprint == self._fingerprint and self._knowledge_base is not None:
                return None
            return self._rebuild(fingerprint)
        finally:
            self._lock.release()

    def _refresh_in_background(self) -> None:
        if self._lock.locked() or (self.reload_thread is not None and self.reload_thread.is_alive()):
            return  # a build is under way
        self._checked_at = time.monotonic()
        self.reload_thread = threading.Thread(target=self.refresh, name="kb-reload", daemon=True)
        self.reload_thread.start()

    def _rebuild(self, fingerprint: Fingerprint) -> BuildReport:
        # Remember the fingerprint even when the build fails: retry only after the files change again.
        self._fingerprint = fingerprint
        self._checked_at = time.monotonic()
        try:
            if self.build_in_child_process:
                build_index_in_child_process(self.settings)
            knowledge_base, report = build_knowledge_base(self.settings)
        except KbLoadError as exc:
            report = BuildReport(False, error=str(exc))
        except Exception as exc:  # a bug must not take the previous index (and every conversation) down
            log.exception("KB build failed")
            report = BuildReport(False, error=f"{self.settings.kb_dir}: {type(exc).__name__}: {exc}")
        else:
            self._knowledge_base = knowledge_base
            self._served = (knowledge_base, fingerprint)
        if report.ok:
            log.info(report.describe())
        else:
            log.error(report.describe())
            if self._knowledge_base is None:  # nothing to keep serving: abstain on everything until fixed
                self._knowledge_base = KnowledgeBase.build([])
                self._served = (self._knowledge_base, fingerprint)
        self.last_report = report
        return_freed_memory()
        return report

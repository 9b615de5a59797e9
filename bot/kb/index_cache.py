"""Built KB indexes kept on disk, keyed by everything they are built from.

Fitting the indexes (components, calibration folds, gate) takes tens of seconds for four languages,
and an action server cannot answer before it has them. The result depends only on the articles, the
embedding model, the seed and the code of :mod:`bot.kb`, so a restart (after a crash, a deploy, or in
another replica sharing the folder) loads the same index in well under a second instead.

The files are pickles: only the action server's own ``var/`` (or ``KB_INDEX_CACHE_DIR``) is read,
a folder whose writers could change the code as well.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.kb.index_builder import LanguageIndex
from bot.kb.loader import Article

log = logging.getLogger(__name__)

KEEP_FILES = 4
"""Recent builds kept (a KB edited back and forth, replicas on different versions); older ones are removed."""

Indexes = dict[str, LanguageIndex]


def cache_key(articles: Sequence[Article], embedding_model: str, seed: int) -> str:
    """A digest of the articles' content (not where they were read from), the model, the seed and the
    source of every module of :mod:`bot.kb`, so a code change never loads an index built by older code."""
    digest = hashlib.sha256(f"{pickle.HIGHEST_PROTOCOL}|{embedding_model}|{seed}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for article in sorted(articles, key=lambda a: a.id):
        fields = (article.id, article.title, article.language, article.body, article.url, article.tags,
                  article.questions, article.summary, article.kind, article.category)
        digest.update(repr(fields).encode())
    return digest.hexdigest()[:32]


class IndexCache:
    """Indexes by :func:`cache_key` in one folder; a missing, unreadable or stale file means a build."""

    def __init__(self, folder: Path):
        self.folder = folder

    def get_or_build(self, key: str, build: Callable[[], Indexes]) -> Indexes:
        path = self.folder / f"{key}.pickle"
        try:
            with path.open("rb") as cached:
                indexes = pickle.load(cached)
            os.utime(path)  # recently used: kept by the pruning below
            return indexes
        except FileNotFoundError:
            pass
        except Exception as exc:  # a truncated or foreign file is rebuilt, never fatal
            log.warning("KB index cache %s unreadable (%s): rebuilding", path.name, exc)
        indexes = build()
        self._store(path, indexes)
        return indexes

    def _store(self, path: Path, indexes: Indexes) -> None:
        """Write under a private name, then rename: a reader never sees half a file, and a full disk
        or a read-only folder only costs the next start its build."""
        draft = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with draft.open("wb") as out:
                pickle.dump(indexes, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(draft, path)
            self._prune()
        except OSError as exc:
            with contextlib.suppress(OSError):
                draft.unlink(missing_ok=True)
            log.warning("KB index not cached in %s: %s", self.folder, exc)

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:]:
            old.unlink(missing_ok=True)

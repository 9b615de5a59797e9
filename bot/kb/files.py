"""The KB's files without any index: their fingerprint, the reload stamp, and the report of a (re)load.

Light on purpose (the loader and the standard library only): the ``make run`` supervisor watches the
files with it without importing the search engine, numpy or the embedding model.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.kb.loader import article_files
from bot.settings import Settings

log = logging.getLogger("effortless.kb")

Fingerprint = tuple[tuple[str, int, int], ...]


def reload_stamp_path(settings: Settings) -> Path:
    """Touched by ``kb reload`` to make running action servers rebuild now."""
    return settings.var_dir / "kb" / "reload-stamp"


def kb_fingerprint(settings: Settings) -> Fingerprint:
    """Names, sizes and mtimes of the article files and the reload stamp (no file is read)."""
    entries = []
    kb_dir = Path(settings.kb_dir)
    paths = article_files(kb_dir) if kb_dir.is_dir() else []
    for path in [*paths, reload_stamp_path(settings)]:
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


@dataclass
class BuildReport:
    """The outcome of one (re)build, for logs and the ``kb`` commands."""

    ok: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def articles(self) -> int:
        return sum(self.counts.values())

    def describe(self, done: str = "reloaded") -> str:
        if not self.ok:
            return f"KB not {done}, the previous version keeps serving:\n{self.error}"
        per_language = ", ".join(f"{language} {n}" for language, n in sorted(self.counts.items())) or "none"
        return f"KB {done}: {self.articles} articles ({per_language}) in {self.seconds:.1f} s"

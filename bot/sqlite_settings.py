"""The settings every SQLite database of the stack is opened with: the app's database (:mod:`bot.db`) and,
in the engine env, Rasa's tracker store (:mod:`bot.engine.tracker_writes`). Standard library only, so
both environments import it."""
from __future__ import annotations

from typing import Any

PRAGMAS = (
    # Readers do not wait for the writer, and a commit appends to the log instead of writing a rollback
    # journal that is created, synced and deleted on every commit.
    "PRAGMA journal_mode=WAL",
    # In WAL mode NORMAL keeps the database consistent after a crash; only a power loss can undo the
    # last commits. FULL would fsync on every commit, the main cost of a write under load.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
)


def apply_sqlite_pragmas(dbapi_connection: Any) -> None:
    """Set :data:`PRAGMAS` on a new DB-API connection (journal_mode is kept in the file, the others are
    per connection)."""
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()

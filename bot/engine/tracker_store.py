"""Rasa's SQL tracker store, saving each turn's events in one statement.

``tracker_store: type: bot.engine.tracker_store.BatchedSQLTrackerStore`` in both endpoint files (Rasa's
documented way to plug in a tracker store; the launcher ``bot/engine/serve.py`` imports this module
first, so that a broken install stops Rasa instead of Rasa's silent fallback to an in-memory store).
The table, the rows and every other method are Rasa's own ``SQLTrackerStore``; only
:meth:`BatchedSQLTrackerStore.save` differs:

- Rasa adds one ORM object per new event and flushes them one by one; a knowledge-base turn stores
  about a dozen events, so saving the tracker was the largest part of what such a turn costs Rasa
  beyond a canned reply (docs/performance.md). Here the same rows go in one multi-row INSERT.
- On SQLite (the local profile) the database is in WAL mode with ``synchronous=NORMAL``, as the
  app's own database (``bot/db.py``): a commit no longer waits for three fsyncs, and a crash of the
  process loses nothing committed (only a power loss can undo the last commits).
"""
from __future__ import annotations

import json
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event  # type: ignore[import-untyped]  # Rasa's SQLAlchemy 1.4 ships no types


class BatchedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that inserts a turn's new events with one statement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
        except (AttributeError, ImportError) as exc:
            # Rasa answers these two from a custom tracker store with a warning and an in-memory store,
            # which would lose every conversation at the next restart: stop instead.
            raise RuntimeError(f"the SQL tracker store cannot start: {type(exc).__name__}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
            self.engine.dispose()  # connections opened while Rasa created the table get the settings too

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet (Rasa's ``save``, one INSERT for all of them)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [event_row(tracker.sender_id, new_event.type_name, new_event.as_dict())
                    for new_event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()


def event_row(sender_id: str, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The ``events`` row Rasa's ``SQLTrackerStore.save`` writes for one event."""
    return {
        "sender_id": sender_id,
        "type_name": type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

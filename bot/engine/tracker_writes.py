"""Rasa's SQL tracker store writes a turn in one statement, and on SQLite with the app database's settings.

Saving the tracker is the largest part of a turn that grows with its events: a KB answer adds six slot
events to a canned reply's turn, and Rasa 3.6 ``SQLTrackerStore.save`` adds each event to the ORM
session as an object of its own, flushed one ``INSERT`` at a time. Here the same rows (the same columns
and values, computed as Rasa computes them) go in one ``executemany``. On SQLite, Rasa opens the
tracker store with SQLite's defaults: a rollback journal created, synced and deleted on every commit,
and (SQLAlchemy 1.4) no connection pool, a new connection for every read and save. Its connections get
the app database's :data:`bot.sqlite_settings.PRAGMAS` (WAL) and are pooled as SQLAlchemy 2 pools a
file database (without a pool, each close of the last connection would also checkpoint the WAL). Events
still reach the event broker first, as in Rasa. This replaces Rasa internals, so :func:`install` fails
loudly if an upgrade removes them.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from rasa.core import tracker_store
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event  # type: ignore[import-untyped]  # Rasa's SQLAlchemy 1.4 ships no stubs
from sqlalchemy.engine import make_url  # type: ignore[import-untyped]
from sqlalchemy.pool import Pool, QueuePool  # type: ignore[import-untyped]

from bot.sqlite_settings import apply_sqlite_pragmas


def event_row(sender_id: str, event: Any) -> dict[str, Any]:
    """The ``events`` row Rasa's ``SQLTrackerStore.save`` stores for ``event``."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


async def save(store: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Rasa's ``SQLTrackerStore.save``, with the turn's new events inserted in one statement."""
    await store.stream_events(tracker)
    with store.session_scope() as session:
        rows = [event_row(tracker.sender_id, event) for event in store._additional_events(session, tracker)]
        if rows:
            session.execute(store.SQLEvent.__table__.insert(), rows)
        session.commit()


def sqlite_file_engine_kwargs(url: Any) -> dict[str, Any]:
    """``create_engine`` options for a SQLite file database: SQLAlchemy 2's pool for one, connections that
    may be used by any of Rasa's threads, and the app database's wait for a busy database."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return {}
    return {"poolclass": QueuePool, "connect_args": {"check_same_thread": False, "timeout": 30}}


def _sqlite_connection_opened(dbapi_connection: Any, _connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        apply_sqlite_pragmas(dbapi_connection)


def install() -> None:
    """Make this process's SQL tracker stores write a turn at once, and open SQLite in WAL mode."""
    if not all(callable(getattr(owner, name, None)) for owner, name in (
            (SQLTrackerStore, "_additional_events"), (SQLTrackerStore, "stream_events"),
            (tracker_store, "create_engine_kwargs"))):
        raise RuntimeError("this Rasa's tracker store has no _additional_events, stream_events or "
                           "create_engine_kwargs: bot/engine/tracker_writes.py needs updating")
    rasa_engine_kwargs = tracker_store.create_engine_kwargs
    if not getattr(rasa_engine_kwargs, "pools_sqlite", False):
        def create_engine_kwargs(url: Any) -> dict[str, Any]:
            return {**rasa_engine_kwargs(url), **sqlite_file_engine_kwargs(url)}

        create_engine_kwargs.pools_sqlite = True  # type: ignore[attr-defined]
        tracker_store.create_engine_kwargs = create_engine_kwargs
    SQLTrackerStore.save = save
    if not event.contains(Pool, "connect", _sqlite_connection_opened):
        event.listen(Pool, "connect", _sqlite_connection_opened)

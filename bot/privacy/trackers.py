"""Rasa's conversation store, read and pruned from the app env.

Rasa keeps every conversation as events in the ``events`` table of its ``SQLTrackerStore``
(``TRACKER_STORE_URL``: SQLite by default, PostgreSQL in production): one row per event, with the
conversation in ``sender_id`` and the event as JSON in ``data`` (what the customer wrote, what the
bot answered, slots such as the e-mail address). The table is Rasa's; only these columns are used.

Rasa reads a conversation's events on every message and appends the new ones after counting those
it already stored, so deleting a whole conversation is safe, and deleting old events is safe
except in the moment Rasa is handling a message of that same conversation (see docs/privacy.md).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, delete, func, inspect, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.db import safe_url

EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
"""The columns of Rasa 3.6's ``SQLTrackerStore.SQLEvent`` that privacy needs (tests create it from this)."""
DELETE_BATCH = 2000
"""Old events are deleted this many at a time, so Rasa's own writes never wait long for the table."""
_IN_CHUNK = 500
T = TypeVar("T")


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store cannot be read or written; the message says which and why."""


def _chunks(values: Iterable[str], size: int = _IN_CHUNK) -> Iterable[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class TrackerStore:
    """The ``events`` table at ``url``. A store Rasa has not created yet (no SQLite file, no table)
    holds no events: reads return nothing and deletes delete nothing."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._present: bool | None = None

    def __enter__(self) -> TrackerStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _connect(self) -> Engine | None:
        """The engine, or None when Rasa has not created the store yet (nothing is created here)."""
        if self._present is False:
            return None
        if self._engine is None:
            url = make_url(self.url)
            if url.get_backend_name() == "sqlite":
                if not url.database or not Path(url.database).exists():
                    self._present = False
                    return None
                engine = create_engine(url, connect_args={"timeout": 30})
            else:
                engine = create_engine(url, pool_pre_ping=True)
            try:
                self._present = inspect(engine).has_table(EVENTS.name)
            except SQLAlchemyError as exc:
                engine.dispose()
                raise self._unavailable(exc) from exc
            if not self._present:
                engine.dispose()
                return None
            self._engine = engine
        return self._engine

    def _unavailable(self, exc: Exception) -> TrackerStoreUnavailable:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return TrackerStoreUnavailable(f"tracker store {safe_url(self.url)} is unusable: {reason}")

    def _run(self, work: Callable[[Connection], T]) -> T | None:
        """``work`` in one transaction; None when the store does not exist yet."""
        engine = self._connect()
        if engine is None:
            return None
        try:
            with engine.begin() as connection:
                return work(connection)
        except SQLAlchemyError as exc:
            raise self._unavailable(exc) from exc

    def senders_mentioning(self, text: str) -> set[str]:
        """Conversations with an event whose JSON contains ``text`` (case-insensitive): a message, a
        slot, a bot reply. Non-ASCII text is also looked for as the ``\\u`` escapes Rasa's JSON uses."""
        forms = {text.lower(), json.dumps(text.lower())[1:-1]}
        condition = func.lower(EVENTS.c.data).contains(forms.pop(), autoescape=True)
        for form in forms:
            condition = condition | func.lower(EVENTS.c.data).contains(form, autoescape=True)
        found = self._run(lambda connection: set(connection.scalars(select(EVENTS.c.sender_id.distinct()).where(condition))))
        return found or set()

    def known(self, sender_id: str) -> bool:
        found = self._run(lambda connection: connection.scalar(
            select(EVENTS.c.id).where(EVENTS.c.sender_id == sender_id).limit(1)))
        return found is not None

    def events_of(self, sender_ids: Collection[str]) -> dict[str, list[Any]]:
        """Each conversation's events, oldest first, as Rasa stored them (JSON objects)."""
        def read(connection: Connection) -> dict[str, list[Any]]:
            events: dict[str, list[Any]] = {sender: [] for sender in sorted(sender_ids)}
            for chunk in _chunks(sorted(sender_ids)):
                rows = connection.execute(
                    select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.sender_id.in_(chunk)).order_by(EVENTS.c.id))
                for sender, data in rows:
                    events[sender].append(_parsed(data))
            return {sender: found for sender, found in events.items() if found}

        return self._run(read) or {}

    def count_events(self, sender_ids: Collection[str]) -> int:
        def count(connection: Connection) -> int:
            return sum(connection.scalar(select(func.count()).select_from(EVENTS).where(EVENTS.c.sender_id.in_(chunk)))
                       for chunk in _chunks(sender_ids))

        return self._run(count) or 0

    def delete_conversations(self, sender_ids: Collection[str]) -> int:
        """Delete every event of these conversations; returns how many."""
        def remove(connection: Connection) -> int:
            return sum(connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))).rowcount
                       for chunk in _chunks(sender_ids))

        return self._run(remove) or 0

    def delete_older_than(self, timestamp: float, *, keep: Collection[str] = ()) -> int:
        """Delete events stored before ``timestamp`` (Unix seconds), except those of the conversations in
        ``keep``; in batches, each its own transaction. Returns how many."""
        old = EVENTS.c.timestamp < timestamp
        if keep:
            old = old & EVENTS.c.sender_id.not_in(list(keep))
        batch = delete(EVENTS).where(EVENTS.c.id.in_(select(EVENTS.c.id).where(old).limit(DELETE_BATCH).scalar_subquery()))
        deleted = 0
        while True:
            count = self._run(lambda connection: connection.execute(batch).rowcount)
            deleted += count or 0
            if not count or count < DELETE_BATCH:
                return deleted


def _parsed(data: str | None) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data

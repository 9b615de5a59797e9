"""The database engine: SQLite writers of one process wait in line (bot.db.SqliteWriterQueue)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from bot.db import make_engine

metadata = MetaData()
counters = Table("counters", metadata, Column("id", Integer, primary_key=True), Column("value", Integer, nullable=False))
WRITERS = 12
WRITES_EACH = 25


@pytest.fixture
def engine(tmp_path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(counters).values(id=1, value=0))
    yield engine
    engine.dispose()


def _add_one(connection: Connection) -> None:
    connection.execute(update(counters).where(counters.c.id == 1).values(value=counters.c.value + 1))


def _value(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(counters.c.value).where(counters.c.id == 1))


def test_many_threads_writing_at_once_all_commit_and_lose_nothing(engine):
    errors: list[BaseException] = []

    def writer():
        try:
            for _ in range(WRITES_EACH):
                with engine.begin() as connection:
                    connection.execute(text("SELECT 1"))  # a read before the write, as the endpoints do
                    _add_one(connection)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _value(engine) == WRITERS * WRITES_EACH


def _commit(connection: Connection) -> None:
    connection.commit()


def _roll_back(connection: Connection) -> None:
    connection.rollback()


def _close_unfinished(connection: Connection) -> None:
    connection.close()  # back to the pool with the write neither committed nor rolled back


def _throw_away(connection: Connection) -> None:
    connection.invalidate()  # as after a broken connection; its info (and any mark in it) is gone


@pytest.mark.parametrize("ending", [_commit, _roll_back, _close_unfinished, _throw_away])
def test_the_write_turn_is_given_back_however_a_transaction_ends(engine, ending: Callable[[Connection], None]):
    connection = engine.connect()
    transaction = connection.begin()
    _add_one(connection)
    ending(connection)

    # Another thread's write goes through at once (the first connection still open); had the turn been
    # kept, it would wait its 30 s.
    done = threading.Event()

    def next_writer():
        with engine.begin() as other:
            _add_one(other)
        done.set()

    threading.Thread(target=next_writer, daemon=True).start()
    finished = done.wait(timeout=10)
    if transaction.is_active:
        transaction.rollback()
    connection.close()
    assert finished, "the next writer is still waiting for its turn"
    assert _value(engine) == (2 if ending is _commit else 1)

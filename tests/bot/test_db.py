"""The database engine: SQLite writers wait in line, the threads of a process and the processes sharing the
file (bot.db.SqliteWriterQueue); and a row a statement inserted, kept in the session as if loaded."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, registry

from bot.db import WRITER_LOCK_SUFFIX, keep_as_loaded, make_engine, make_session_factory, session_scope

metadata = MetaData()
counters = Table("counters", metadata, Column("id", Integer, primary_key=True), Column("value", Integer, nullable=False))
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", String, nullable=False))
WRITERS = 12
WRITES_EACH = 25


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
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


def _add_in_another_process(database: str, writes: int) -> None:
    engine = make_engine(f"sqlite:///{database}")
    try:
        for _ in range(writes):
            with engine.begin() as connection:
                _add_one(connection)
    finally:
        engine.dispose()


def test_writers_in_several_processes_all_commit_and_lose_nothing(engine, tmp_path):
    database = str(tmp_path / "queue.db")
    context = multiprocessing.get_context("spawn")
    others = [context.Process(target=_add_in_another_process, args=(database, WRITES_EACH)) for _ in range(2)]
    for process in others:
        process.start()
    _add_in_another_process(database, WRITES_EACH)
    for process in others:
        process.join(timeout=120)
    assert [process.exitcode for process in others] == [0, 0]
    assert _value(engine) == 3 * WRITES_EACH


def _file_lock_free(path: Path) -> bool:
    """Whether another process could take the writers' file lock now (a descriptor of our own stands in)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


@pytest.mark.parametrize("ending", [_commit, _roll_back, _close_unfinished, _throw_away])
def test_other_processes_wait_while_a_transaction_writes_and_not_after_it_ends(engine, tmp_path, ending):
    lock_file = tmp_path / f"queue.db{WRITER_LOCK_SUFFIX}"
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(select(counters.c.value))
    assert _file_lock_free(lock_file), "a read takes no turn"
    _add_one(connection)
    held_while_writing = not _file_lock_free(lock_file)
    ending(connection)
    if transaction.is_active:
        transaction.rollback()
    connection.close()
    assert held_while_writing
    assert _file_lock_free(lock_file)


def test_an_in_memory_database_queues_its_threads_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite://")
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(counters).values(id=1, value=0))
            _add_one(connection)
        assert _value(engine) == 1
    finally:
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


# --- rows a statement inserted, kept in the session as if loaded (bot.db.keep_as_loaded) ------------------------


class Note:
    def __init__(self, id: int, body: str):  # noqa: A002 - the column's name
        self.id, self.body = id, body


registry().map_imperatively(Note, notes)


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session whose transactions each test ends itself."""
    with make_session_factory(engine)() as session:
        yield session


def _insert_kept(session, note_id=1, body="hello") -> Note:
    session.execute(insert(notes).values(id=note_id, body=body))
    note = Note(note_id, body)
    keep_as_loaded(session, note)
    return note


def test_a_row_kept_as_loaded_is_neither_read_back_nor_written_again(engine):
    factory = make_session_factory(engine)
    statements: list[str] = []

    def record(connection, cursor, statement, *rest) -> None:
        statements.append(statement)

    with session_scope(factory) as session:
        note = _insert_kept(session)
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert session.get(Note, 1) is note
            assert note.body == "hello"  # no lazy load of an expired attribute either
            session.flush()
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert statements == []
    with engine.connect() as connection:
        assert connection.execute(select(notes.c.body)).scalars().all() == ["hello"]  # inserted once


def test_a_row_kept_as_loaded_whose_transaction_rolls_back_leaves_as_a_new_object(session):
    note = _insert_kept(session)
    session.rollback()

    assert inspect(note).transient  # not a loaded row that is gone
    assert note.body == "hello"
    assert session.get(Note, 1) is None


def test_a_committed_row_kept_as_loaded_stays_when_a_later_transaction_rolls_back(session):
    note = _insert_kept(session)
    session.commit()
    session.execute(update(notes).values(body="changed"))
    session.rollback()

    assert inspect(note).persistent
    assert session.get(Note, 1) is note

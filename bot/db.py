"""Database engine, sessions and migrations (SQLAlchemy 2 + Alembic).

Each process builds one engine from its settings; a session lives for one request or one
unit of work, never across conversations.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import TextClause, create_engine, event, text
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached, sessionmaker
from sqlalchemy.sql.dml import UpdateBase

from bot.settings import Settings
from bot.sqlite_settings import apply_sqlite_pragmas

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Beside a SQLite database: the file whose advisory lock the processes sharing it take to write in turn.
WRITER_LOCK_SUFFIX = "-writer.lock"


class DatabaseUnreachable(RuntimeError):
    """The database URL cannot be connected to; the message says which and why."""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (all stored timestamps are UTC)."""
    return datetime.now(timezone.utc)


def make_engine(database_url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys so several processes can share it."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        on_disk = bool(path) and path != ":memory:"
        if on_disk:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
            apply_sqlite_pragmas(dbapi_connection)

        SqliteWriterQueue(Path(path + WRITER_LOCK_SUFFIX) if on_disk else None).attach(engine)
        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class SqliteWriterQueue:
    """Lets one connection write to a SQLite database at a time, the others waiting in line: the threads of
    this process, and the processes sharing the file (helpdesk workers, the action server, the delivery
    process).

    SQLite takes one writer at a time. A connection that finds the write lock taken sleeps in SQLite's busy
    handler (1, 2, 5 ... up to 100 ms) and tries again, so under load a writer often sleeps on after the lock
    came free, and the unluckiest wait seconds (bench-helpdesk's slowest claim: 8 s). A lock of the process
    instead wakes the next writer of the process when the last one's transaction ends; between processes,
    the one writer of each process that holds that lock takes an advisory lock on a file beside the database
    (``<database>-writer.lock``), trying every :attr:`POLL_S` while another process holds it: a second
    helpdesk worker then shares the database instead of sleeping through its free moments. A writer that
    waited :attr:`WAIT_S` (SQLite's own busy timeout) goes on to SQLite's busy handler: the queue can only
    shorten a wait. ``lock_path`` None (an in-memory database) queues this process's threads only.
    """

    WAIT_S = 30.0
    POLL_S = 0.0005
    _WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
    _TURN = "effortless_sqlite_write_turn"  # in the DB-API connection's info: it holds the turn

    def __init__(self, lock_path: Path | None = None):
        self._lock = threading.Lock()
        self._lock_path = lock_path
        self._lock_file: int | None = None  # the file descriptor holding the file lock, while a writer of ours does

    def attach(self, engine: Engine) -> None:
        """Queue the engine's writers. The turn is taken by a connection's first write and given back when
        its transaction ends, or when the connection goes back to the pool or is thrown away."""
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._transaction_ended)
        event.listen(engine, "rollback", self._transaction_ended)
        event.listen(engine.pool, "checkin", self._connection_let_go)  # also when invalidated: it is checked in

    def _before_execute(self, connection, _cursor, statement: str, *_args) -> None:
        if not connection.info.get(self._TURN) and statement.lstrip()[:7].upper().startswith(self._WRITES):
            deadline = time.monotonic() + self.WAIT_S
            turn = self._lock.acquire(timeout=self.WAIT_S)
            if turn and self._lock_path is not None:
                try:
                    self._lock_file = _take_file_lock(self._lock_path, deadline, self.POLL_S)
                except BaseException:
                    self._lock.release()
                    raise
            connection.info[self._TURN] = turn

    def _transaction_ended(self, connection) -> None:
        if not connection.invalidated:  # else its check-in gave the turn back (its info cannot be read now)
            self._give_back(connection.info)

    def _connection_let_go(self, _dbapi_connection, record) -> None:
        self._give_back(record.info)

    def _give_back(self, info: dict) -> None:
        if info.pop(self._TURN, False):
            if self._lock_file is not None:
                os.close(self._lock_file)  # which lets the file lock go
                self._lock_file = None
            self._lock.release()


def _take_file_lock(path: Path, deadline: float, poll_s: float) -> int | None:
    """An open descriptor of ``path`` holding its exclusive advisory lock (closing it lets go); None when
    another process kept it until ``deadline``, or the file cannot be opened (SQLite's busy handler alone
    then orders the processes, as it did before the file existed)."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                return None
            time.sleep(poll_s)


def make_session_factory(engine: Engine) -> sessionmaker:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_rollback", _kept_rows_rolled_back)
    event.listen(factory, "after_commit", _kept_rows_committed)
    return factory


# The objects keep_as_loaded attached in the session's current transaction.
_KEPT_AS_LOADED = "effortless_kept_as_loaded"


def keep_as_loaded(session: Session, obj: Any) -> None:
    """Keep ``obj``, whose row a statement of the caller's just inserted with every column ``obj`` holds, in
    ``session`` as if loaded: the unit of work neither reads it back nor writes it again (it took several times
    the statement's CPU to insert one row). Should the transaction roll back, ``obj`` leaves the session as an
    object the unit of work inserted would (transient, its values kept), not as a loaded row that is gone."""
    make_transient_to_detached(obj)
    session.add(obj)
    session.info.setdefault(_KEPT_AS_LOADED, []).append(obj)


def _kept_rows_rolled_back(session: Session) -> None:
    for obj in session.info.pop(_KEPT_AS_LOADED, ()):
        if obj in session:
            make_transient(obj)


def _kept_rows_committed(session: Session) -> None:
    session.info.pop(_KEPT_AS_LOADED, None)


@contextmanager
def session_scope(factory: sessionmaker) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def rows_changed(session: Session, statement: UpdateBase | TextClause, parameters: Mapping[str, Any] | None = None) -> int:
    """Run an INSERT, UPDATE or DELETE (with ``parameters`` for its bound values) and return how many rows it changed.

    ``Session.execute`` is typed as returning a ``Result``; for these statements it is a
    ``CursorResult``, which has the count.
    """
    result = session.execute(statement, parameters)
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(statement).__name__} returned {type(result).__name__}, not a CursorResult")
    return result.rowcount


def check_reachable(database_url: str) -> None:
    """Raise :class:`DatabaseUnreachable` with a one-line reason when the database cannot be used."""
    engine = None
    try:
        engine = make_engine(database_url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # driver and file-system errors differ per backend; the message is what matters
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnreachable(f"database {safe_url(database_url)} is unreachable: {reason}") from exc
    finally:
        if engine is not None:
            engine.dispose()


def safe_url(database_url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid database URL>"


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings) -> None:
    """Bring the schema to the newest revision (run at start-up by ``make run`` and the tests)."""
    from alembic import command

    check_reachable(settings.database_url)
    command.upgrade(alembic_config(settings.database_url), "head")

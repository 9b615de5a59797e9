"""Database engine, sessions and migrations (SQLAlchemy 2 + Alembic).

Each process builds one engine from its settings; a session lives for one request or one
unit of work, never across conversations.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import UpdateBase

from bot.settings import Settings
from bot.sqlite_settings import apply_sqlite_pragmas

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseUnreachable(RuntimeError):
    """The database URL cannot be connected to; the message says which and why."""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (all stored timestamps are UTC)."""
    return datetime.now(timezone.utc)


def make_engine(database_url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys so several processes can share it."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
            apply_sqlite_pragmas(dbapi_connection)

        SqliteWriterQueue().attach(engine)
        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class SqliteWriterQueue:
    """Lets one connection of this process write to SQLite at a time, the others waiting in line.

    SQLite takes one writer at a time. A connection that finds the write lock taken sleeps in SQLite's busy
    handler (1, 2, 5 ... up to 100 ms) and tries again, so under load a writer often sleeps on after the lock
    came free, and the unluckiest wait seconds (bench-helpdesk's slowest claim: 8 s). A lock of the process
    instead wakes the next writer when the last one's transaction ends. Writers in other processes still meet
    SQLite's busy handler, and so does a writer that waited :attr:`WAIT_S` here (SQLite's own busy timeout):
    the queue can only shorten a wait.
    """

    WAIT_S = 30.0
    _WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
    _TURN = "effortless_sqlite_write_turn"  # in the DB-API connection's info: it holds the turn

    def __init__(self):
        self._lock = threading.Lock()

    def attach(self, engine: Engine) -> None:
        """Queue the engine's writers. The turn is taken by a connection's first write and given back when
        its transaction ends, or when the connection goes back to the pool or is thrown away."""
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._transaction_ended)
        event.listen(engine, "rollback", self._transaction_ended)
        event.listen(engine.pool, "checkin", self._connection_let_go)  # also when invalidated: it is checked in

    def _before_execute(self, connection, _cursor, statement: str, *_args) -> None:
        if not connection.info.get(self._TURN) and statement.lstrip()[:7].upper().startswith(self._WRITES):
            connection.info[self._TURN] = self._lock.acquire(timeout=self.WAIT_S)

    def _transaction_ended(self, connection) -> None:
        if not connection.invalidated:  # else its check-in gave the turn back (its info cannot be read now)
            self._give_back(connection.info)

    def _connection_let_go(self, _dbapi_connection, record) -> None:
        self._give_back(record.info)

    def _give_back(self, info: dict) -> None:
        if info.pop(self._TURN, False):
            self._lock.release()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


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


def rows_changed(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed.

    ``Session.execute`` is typed as returning a ``Result``; for these statements it is a
    ``CursorResult``, which has the count.
    """
    result = session.execute(statement)
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

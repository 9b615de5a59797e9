"""The two stores personal data lives in, for real: the app database (migrated) and a Rasa tracker
store (its ``events`` table), both SQLite or both PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine, make_session_factory, migrate
from bot.privacy.trackers import EVENTS, TrackerStore
from bot.settings import Settings, load_settings
from tests.bot.privacy.customers import Seeded, seed_customers


@dataclass
class Stores:
    settings: Settings
    app_engine: Engine
    tracker_engine: Engine

    @property
    def sessions(self) -> sessionmaker:
        return make_session_factory(self.app_engine)

    def trackers(self) -> TrackerStore:
        return TrackerStore(self.settings.tracker_store_url)

    def seed(self, when: datetime) -> Seeded:
        return seed_customers(self.sessions, self.tracker_engine, when)

    def tracker_senders(self) -> list[str]:
        with self.tracker_engine.connect() as connection:
            return sorted(set(connection.scalars(select(EVENTS.c.sender_id))))

    def leftovers(self, *needles: str) -> list[str]:
        """Every ``table.column`` of either store (as its schema really is) holding one of ``needles``,
        case-insensitively."""
        found = []
        for engine in (self.app_engine, self.tracker_engine):
            metadata = MetaData()
            metadata.reflect(engine)
            with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    for row in connection.execute(select(table)).mappings():
                        for column, value in row.items():
                            text = str(value).lower()
                            found += [f"{table.name}.{column}: {needle}" for needle in needles if needle.lower() in text]
        return sorted(set(found))


@contextmanager
def _stores(settings_env: dict, database_url: str, tracker_store_url: str) -> Iterator[Stores]:
    settings = load_settings({**settings_env, "DATABASE_URL": database_url, "TRACKER_STORE_URL": tracker_store_url})
    migrate(settings)
    app_engine = make_engine(settings.database_url)
    tracker_engine = create_engine(settings.tracker_store_url)
    try:
        yield Stores(settings=settings, app_engine=app_engine, tracker_engine=tracker_engine)
    finally:
        tracker_engine.dispose()
        app_engine.dispose()


@pytest.fixture
def sqlite_stores(tmp_path, settings_env) -> Iterator[Stores]:
    with _stores(settings_env, f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'rasa.db'}") as stores:
        yield stores


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request, settings_env) -> Iterator[Stores]:
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_stores")
        return
    cluster = request.getfixturevalue("postgres_cluster")
    with _stores(settings_env, cluster.create_database(), cluster.create_database()) as stores:
        yield stores

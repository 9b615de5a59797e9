"""Fixtures shared by every test: a real, migrated database per test; PostgreSQL and Redis servers
(one each per test session, started on loopback by ``tests/helpers/postgres.py``)."""
from pathlib import Path

import pytest

from bot.db import make_engine, make_session_factory, migrate
from bot.settings import load_settings
from tests.helpers.postgres import postgres_cluster, postgres_url, redis_url  # noqa: F401  (session fixtures)


@pytest.fixture
def settings_env(tmp_path: Path) -> dict:
    """Environment for an isolated Effortless install under ``tmp_path``."""
    # Lines are delivered in the request's own process, so a test sees them once its request returns;
    # tests/bot/helpdesk/test_delivery_process.py runs the delivery process.
    return {"EFFORTLESS_VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING", "DELIVERY_PROCESS": "false"}


@pytest.fixture
def settings(settings_env: dict):
    return load_settings(settings_env)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path: Path) -> str:
    """The URL of an empty database of each kind: a SQLite file under ``tmp_path``, and a database on the
    loopback PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("postgres_cluster").create_database()


@pytest.fixture
def sessions(settings):
    """A session factory on a freshly migrated SQLite database."""
    migrate(settings)
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()

"""The seeded two weeks of activity (see seed.py) that the report tests read."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from bot.db import make_engine, make_session_factory
from tests.bot.ces.seed import migrated_settings, seed_report_data


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Iterator[tuple]:
    settings = migrated_settings(tmp_path_factory.mktemp("report"))
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    agents = seed_report_data(factory)
    yield factory, agents
    engine.dispose()


@pytest.fixture
def session(seeded) -> Iterator[Session]:
    factory, _ = seeded
    with factory() as session:
        yield session


@pytest.fixture
def agents(seeded) -> dict:
    return seeded[1]

"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.db import alembic_config
from bot.models import Base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'schema.db'}"
    return request.getfixturevalue("postgres_cluster").create_database()


def schema_differences(database_url: str) -> list:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()


def test_migrating_to_head_gives_the_models_schema_and_downgrading_undoes_it(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    assert schema_differences(database_url) == []

    command.downgrade(config, "base")
    assert schema_differences(database_url) != []  # every table is gone again
    command.upgrade(config, "head")
    assert schema_differences(database_url) == []

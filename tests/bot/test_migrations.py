"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from bot.db import alembic_config
from bot.models import Base


def schema_differences(database_url: str) -> list:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()


# SQLite cannot reflect expression indexes; the only ones are PostgreSQL's trigram indexes, which SQLite never gets.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrating_to_head_gives_the_models_schema_and_downgrading_undoes_it(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert schema_differences(empty_database_url) == []

    command.downgrade(config, "base")
    assert schema_differences(empty_database_url) != []  # every table is gone again
    command.upgrade(config, "head")
    assert schema_differences(empty_database_url) == []


def test_kb_lookups_from_before_their_keys_are_found_by_the_id_their_conversations_kept(empty_database_url):
    """Conversations under way when 0008 runs hold the row's id in their ``kb_query_id`` slot."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0007")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO kb_queries (id, conversation_id, question, language, outcome, created_at) "
                "VALUES (41, 'web:old', 'where is my order', 'en', 'answer', CURRENT_TIMESTAMP)"))
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT query_key FROM kb_queries WHERE id = 41")).scalar_one() == "41"
    finally:
        engine.dispose()

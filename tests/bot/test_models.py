"""Timestamps go in as aware UTC and come back as aware UTC, to the microsecond, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from bot.db import make_engine
from bot.models import UTCDateTime

metadata = MetaData()
moments = Table("moments", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime))


@pytest.fixture
def engine(empty_database_url):
    engine = make_engine(empty_database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_an_aware_moment_reads_back_as_the_same_utc_moment(engine):
    stored = [
        datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc),
        datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc),  # no microseconds
        datetime(2026, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))),  # Israel in winter: 09:30 UTC
        None,
    ]
    with engine.begin() as connection:
        connection.execute(insert(moments), [{"id": n, "at": at} for n, at in enumerate(stored)])
        read = connection.scalars(select(moments.c.at).order_by(moments.c.id)).all()
    assert read[:3] == stored[:3] and read[3] is None
    assert all(at.utcoffset() == timedelta(0) for at in read[:3])


def test_a_naive_moment_is_refused(engine):
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as connection:
        connection.execute(insert(moments), {"id": 1, "at": datetime(2026, 3, 1, 9, 30)})


@pytest.mark.parametrize("empty_database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("written", ["2026-03-01 09:30:15", "2026-03-01T09:30:15", "2026-03-01 09:30:15.500"])
def test_sqlite_text_written_by_hand_reads_as_utc(engine, written):
    # SQLite stores text without a zone; rows written by SQL (CURRENT_TIMESTAMP, a migration, a person)
    # may have other shapes than SQLAlchemy's own.
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO moments (id, at) VALUES (1, :at)"), {"at": written})
        read = connection.scalar(select(moments.c.at))
    assert read == datetime.fromisoformat(written).replace(tzinfo=timezone.utc)

"""A customer's history across channels: newest first, named by channel, found by search, merges audited."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text

from bot.customers.history import channel_of, counts, history, identities, merges, search
from bot.customers.store import customer_for_conversation, link_proven_email, merge_customers
from bot.db import make_engine, make_session_factory, migrate
from bot.models import Ticket
from bot.settings import load_settings

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def session(empty_database_url, settings_env):
    """A session on a freshly migrated database of each kind (search compares ids and text in SQL)."""
    migrate(load_settings({**settings_env, "DATABASE_URL": empty_database_url}))
    engine = make_engine(empty_database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def ticket(session, customer, conversation_id: str, channel: str, at: datetime, subject: str = "Refund") -> Ticket:
    """A ticket as the helpdesk stores it, linked to ``customer``."""
    row = Ticket(
        reference=f"T-{1000 + session.query(Ticket).count()}",
        idempotency_key=f"escalation-{conversation_id}-{at.isoformat()}",
        conversation_id=conversation_id,
        channel=channel,
        subject=subject,
        reason="customer_request",
        customer_id=customer.id,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row


@pytest.mark.parametrize(
    ("channel", "conversation_id", "expected"),
    [
        ("socketio", "web:9f", "web"),
        ("telegram", "telegram:52", "telegram"),
        ("twilio", "whatsapp:+420777", "whatsapp"),
        ("facebook", "messenger:123", "messenger"),
        ("slack", "slack:U1", "slack"),
        ("email", "email:dana@example.com", "email"),
        ("callback", "callback:7", "rest"),
        ("socketio", "legacy-id", "web"),  # ids older than channel prefixes: by the connector
        ("carrier-pigeon", "legacy-id", "other"),
    ],
)
def test_each_channel_is_named_as_a_person_knows_it(channel, conversation_id, expected):
    assert channel_of(channel, conversation_id) == expected


def test_tickets_and_conversations_of_every_channel_come_newest_first(session):
    customer = customer_for_conversation(session, conversation_id="web:aa", channel="socketio", now=MONDAY)
    customer = link_proven_email(session, customer=customer, email="dana@example.com", proof="code")
    web_ticket = ticket(session, customer, "web:aa", "socketio", MONDAY + timedelta(minutes=5), "Password reset")
    telegram = customer_for_conversation(
        session, conversation_id="telegram:52", channel="telegram", now=MONDAY + timedelta(days=2)
    )
    customer = link_proven_email(session, customer=telegram, email="dana@example.com", proof="code")
    telegram_ticket = ticket(session, customer, "telegram:52", "telegram", MONDAY + timedelta(days=2, minutes=1))

    entries = history(session, customer)
    assert [(e.kind, e.channel, e.conversation_id) for e in entries] == [
        ("ticket", "telegram", "telegram:52"),
        ("conversation", "telegram", "telegram:52"),
        ("ticket", "web", "web:aa"),
        ("conversation", "web", "web:aa"),
    ]
    assert (entries[0].reference, entries[0].status) == (telegram_ticket.reference, "waiting")
    assert entries[2].subject == "Password reset"
    assert counts(session, customer) == (2, 2)

    others = history(session, customer, exclude_ticket_id=telegram_ticket.id, exclude_conversation_id="telegram:52")
    assert [(e.kind, e.ticket_id) for e in others] == [("ticket", web_ticket.id), ("conversation", None)]
    assert len(history(session, customer, limit=1)) == 1


def test_identities_say_what_proved_each(session):
    customer = customer_for_conversation(session, conversation_id="whatsapp:+420777", channel="twilio")
    link_proven_email(session, customer=customer, email="Eva@Example.cz", proof="signed")
    assert [(i.kind, i.value, i.proof) for i in identities(session, customer)] == [
        ("whatsapp", "+420777", "channel"),
        ("email", "eva@example.cz", "signed"),
    ]


def test_search_finds_by_name_email_phone_identity_and_id_and_never_a_merged_away_record(session):
    dana = customer_for_conversation(session, conversation_id="web:9f3c", channel="socketio")
    dana.name = "Dana Levi"
    link_proven_email(session, customer=dana, email="dana@example.com", proof="code")
    noa = customer_for_conversation(session, conversation_id="whatsapp:+972501234567", channel="twilio")
    noa.name = "נועה כהן"
    session.flush()

    assert [c.id for c in search(session, "levi")] == [dana.id]
    assert [c.id for c in search(session, "DANA@example")] == [dana.id]
    assert [c.id for c in search(session, "+97250")] == [noa.id]
    assert [c.id for c in search(session, "כהן")] == [noa.id]
    assert [c.id for c in search(session, "9F3C")] == [dana.id]  # the web session's identity
    assert [c.id for c in search(session, str(noa.id))] == [noa.id]
    assert search(session, "   ") == []
    assert search(session, "100%_") == []  # LIKE wildcards are matched literally
    assert search(session, "9" * 40) == []  # an id no integer column holds

    merge_customers(session, kept=dana, merged=noa, agent_id=None, reason="same person")
    assert [c.id for c in search(session, "+97250")] == [dana.id]


def test_a_search_many_match_lists_the_customers_seen_last_first_up_to_the_limit(session):
    """Whether a customer matched by name or by an identity, the newest matches come first, on both databases."""
    seen = {}
    for n in range(6):
        customer = customer_for_conversation(session, conversation_id=f"web:visitor-{n}", channel="socketio",
                                             now=MONDAY + timedelta(hours=n))
        customer.name = f"Dana {n}" if n != 4 else "Noa"  # Noa matches "visitor" by her web identity only
        seen[n] = customer.id
    session.flush()

    assert [c.id for c in search(session, "dana", limit=3)] == [seen[5], seen[3], seen[2]]
    assert [c.id for c in search(session, "visitor", limit=3)] == [seen[5], seen[4], seen[3]]


def test_merges_show_the_whole_chain_behind_a_record_newest_first(session):
    first = customer_for_conversation(session, conversation_id="web:1", channel="socketio", now=MONDAY)
    second = customer_for_conversation(session, conversation_id="telegram:2", channel="telegram", now=MONDAY)
    third = customer_for_conversation(session, conversation_id="slack:3", channel="slack", now=MONDAY)
    older = merge_customers(session, kept=second, merged=first, agent_id=None, reason="one")
    older.created_at = MONDAY
    newer = merge_customers(session, kept=third, merged=second, agent_id=None, reason="two")
    newer.created_at = MONDAY + timedelta(hours=1)
    session.flush()
    assert [m.reason for m in merges(session, third)] == ["two", "one"]
    assert [m.reason for m in merges(session, first)] == ["one"]


@pytest.mark.postgres
def test_on_postgresql_a_search_of_100000_customers_reads_each_columns_trigram_index_not_the_tables(
    postgres_cluster, settings_env
):
    """Each column's rare matches are found through its trigram index (migration 0010); the OR over the
    columns the search used before could only read both tables whole. Below some tens of thousands of
    rows PostgreSQL rightly prefers reading the table, hence the size."""
    url = postgres_cluster.create_database()
    migrate(load_settings({**settings_env, "DATABASE_URL": url}))
    engine = make_engine(url)
    searches: list[tuple[str, dict]] = []

    def remember_the_search(_connection, _cursor, statement, parameters, _context, _executemany):
        if "UNION" in statement:
            searches.append((statement, parameters))

    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO customers (name, email, phone, language, created_at, updated_at, last_seen_at) "
                "SELECT 'Customer ' || md5(n::text), 'c' || n || '@example.com', '+1555' || n, 'en', now(), now(), now() "
                "FROM generate_series(1, 100000) AS n"))
            connection.execute(text(
                "INSERT INTO customer_identities (customer_id, kind, value, proof, created_at) "
                "SELECT id, 'web', 'web-' || md5(id::text), 'channel', now() FROM customers"))
            connection.execute(text("ANALYZE"))
        event.listen(engine, "before_cursor_execute", remember_the_search)
        with make_session_factory(engine)() as session:
            assert [found.email for found in search(session, "C12345@example")] == ["c12345@example.com"]
        (statement, parameters), = searches
        with engine.connect() as connection:
            plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
    finally:
        engine.dispose()

    for index in ("ix_customers_name_trigrams", "ix_customers_email_trigrams", "ix_customers_phone_trigrams",
                  "ix_customer_identities_value_trigrams"):
        assert f"Bitmap Index Scan on {index}" in plan
    assert "Seq Scan" not in plan

"""Indexes for an agent's customer search: trigrams (PostgreSQL) and the newest customers first

The console's customer search matches part of a name, e-mail, phone or identity (``LIKE '%words%'``),
which no ordinary index serves: every search read both tables whole, about 0.2 s with 300,000 customers
and growing with them. ``pg_trgm``'s GIN indexes serve such patterns. The extension ships with
PostgreSQL and is trusted since PostgreSQL 13, so the database's owner may create it.
SQLite has no such index and keeps scanning. See docs/performance.md.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:00:00.000000
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_customers_name_trigrams', 'customers', 'lower(name)'),
    ('ix_customers_email_trigrams', 'customers', 'lower(email)'),
    ('ix_customers_phone_trigrams', 'customers', 'phone'),
    ('ix_customer_identities_value_trigrams', 'customer_identities', 'lower(value)'),
)


def upgrade() -> None:
    # A common pattern (one letter typed) matches most customers: the newest are read first until enough are found.
    op.create_index('ix_customers_last_seen_at', 'customers', ['last_seen_at'], unique=False)
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name, table, expression in INDEXES:
        op.execute(f'CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, _table, _expression in INDEXES:
            op.execute(f'DROP INDEX {name}')
        # The extension stays: other objects of the database may have come to use it since.
    op.drop_index('ix_customers_last_seen_at', table_name='customers')

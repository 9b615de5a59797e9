"""Indexes for the lookups that read growing tables by a column no index led with

Each of these read a whole table, so its cost grew with the history: the wait estimate the bot gives
before offering a person (tickets resolved in the last 30 days), the reports' tickets of a period, an
agent's own tickets, numbering a ticket's resolutions, a customer's merged records (their history, the NPS
interval, privacy requests), and an agent's sessions (revoked when the account is deactivated). See
docs/performance.md.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:30:00.000000
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_tickets_resolved_at', 'tickets', 'resolved_at'),
    ('ix_tickets_created_at', 'tickets', 'created_at'),
    ('ix_tickets_assignee_id', 'tickets', 'assignee_id'),
    ('ix_resolutions_ticket_id', 'resolutions', 'ticket_id'),
    ('ix_customers_merged_into_id', 'customers', 'merged_into_id'),
    ('ix_customer_merges_merged_customer_id', 'customer_merges', 'merged_customer_id'),
    ('ix_agent_sessions_agent_id', 'agent_sessions', 'agent_id'),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)

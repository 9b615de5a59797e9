"""customers, their identities and conversations; verification codes; customer merges; e-mails;
tickets belong to a customer

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['merged_into_id'], ['customers.id'], name='fk_customers_merged_into_id_customers'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email', name='uq_customers_email'),
        sa.UniqueConstraint('phone', name='uq_customers_phone'),
    )
    op.create_table(
        'customer_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('value', sa.String(length=255), nullable=False),
        sa.Column('proof', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'value', name='uq_customer_identities_kind_value'),
    )
    op.create_index('ix_customer_identities_customer_id', 'customer_identities', ['customer_id'])
    op.create_table(
        'conversations',
        sa.Column('id', sa.String(length=255), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=50), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('open_sockets', sa.Integer(), server_default='0', nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_conversations_customer_id', 'conversations', ['customer_id'])
    op.create_index('ix_conversations_last_message_at', 'conversations', ['last_message_at'])
    op.create_table(
        'verification_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.String(length=255), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('spent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_verification_codes_conversation_id', 'verification_codes', ['conversation_id'])
    op.create_index('ix_verification_codes_email', 'verification_codes', ['email'])
    op.create_index('ix_verification_codes_created_at', 'verification_codes', ['created_at'])
    op.create_table(
        'customer_merges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kept_customer_id', sa.Integer(), nullable=False),
        sa.Column('merged_customer_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id']),
        sa.ForeignKeyConstraint(['kept_customer_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['merged_customer_id'], ['customers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_customer_merges_kept_customer_id', 'customer_merges', ['kept_customer_id'])
    op.create_table(
        'email_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('in_reply_to', sa.String(length=255), nullable=True),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('from_address', sa.String(length=254), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id', name='uq_email_messages_message_id'),
    )
    op.create_index('ix_email_messages_due', 'email_messages', ['status', 'next_attempt_at'])
    op.create_index('ix_email_messages_ticket_id', 'email_messages', ['ticket_id'])
    op.create_index('ix_email_messages_customer_id', 'email_messages', ['customer_id'])
    op.create_index('ix_email_messages_created_at', 'email_messages', ['created_at'])
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_tickets_customer_id', ['customer_id'])
        batch_op.create_foreign_key('fk_tickets_customer_id_customers', 'customers', ['customer_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tickets_customer_id_customers', type_='foreignkey')
        batch_op.drop_index('ix_tickets_customer_id')
        batch_op.drop_column('customer_id')
    op.drop_table('email_messages')
    op.drop_table('customer_merges')
    op.drop_table('verification_codes')
    op.drop_table('conversations')
    op.drop_table('customer_identities')
    op.drop_table('customers')

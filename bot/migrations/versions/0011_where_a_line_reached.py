"""Where a chat line reached the customer: live in the chat, by e-mail, later, or nobody

Rasa taking a line only means the conversation holds it: a REST client or a web chat nobody has open
shows it to no one, yet the console said "Delivered". ``reached`` records where it got, and
``email_skipped`` why it did not also go by e-mail (see bot/helpdesk/rasa_bridge.py). Lines recorded
before this revision have neither, and keep the label they had.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reached', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('email_skipped', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_column('email_skipped')
        batch_op.drop_column('reached')

"""agents list the languages they speak; existing agents speak English

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.JSON(), server_default=sa.text("'[\"en\"]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('languages')

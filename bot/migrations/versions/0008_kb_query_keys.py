"""KB queries get a key made before their row is written (the query log is written after the answer)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kb_queries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('query_key', sa.String(length=32), nullable=True))
    # Conversations under way keep their slot: it holds the row's id, which becomes its key.
    op.execute("UPDATE kb_queries SET query_key = CAST(id AS VARCHAR(32))")
    with op.batch_alter_table('kb_queries', schema=None) as batch_op:
        batch_op.alter_column('query_key', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint('uq_kb_queries_query_key', ['query_key'])


def downgrade() -> None:
    with op.batch_alter_table('kb_queries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_kb_queries_query_key', type_='unique')
        batch_op.drop_column('query_key')

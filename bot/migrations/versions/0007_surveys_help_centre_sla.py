"""survey ratings (CES, CSAT or NPS) replace CES ratings; help-centre article feedback; tickets
record their backend and reopens

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table('ces_ratings', 'survey_ratings')
    with op.batch_alter_table('survey_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ces_ratings_conversation_id')
        batch_op.drop_index('ix_ces_ratings_created_at')
        batch_op.add_column(sa.Column('survey', sa.String(length=10), nullable=False, server_default='ces'))
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_survey_ratings_customer_id_customers', 'customers', ['customer_id'], ['id'])
        batch_op.create_index('ix_survey_ratings_conversation_id', ['conversation_id'])
        batch_op.create_index('ix_survey_ratings_created_at', ['created_at'])
        batch_op.create_index('ix_survey_ratings_customer_id', ['customer_id'])
    op.create_table(
        'article_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_article_feedback_article_id', ['article_id'])
        batch_op.create_index('ix_article_feedback_created_at', ['created_at'])
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backend', sa.String(length=20), nullable=False, server_default='helpdesk'))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('first_reopened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('first_reopened_at')
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('backend')
    op.drop_table('article_feedback')
    with op.batch_alter_table('survey_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_ratings_customer_id')
        batch_op.drop_index('ix_survey_ratings_created_at')
        batch_op.drop_index('ix_survey_ratings_conversation_id')
        batch_op.drop_constraint('fk_survey_ratings_customer_id_customers', type_='foreignkey')
        batch_op.drop_column('customer_id')
        batch_op.drop_column('survey')
        batch_op.create_index('ix_ces_ratings_created_at', ['created_at'])
        batch_op.create_index('ix_ces_ratings_conversation_id', ['conversation_id'])
    op.rename_table('survey_ratings', 'ces_ratings')

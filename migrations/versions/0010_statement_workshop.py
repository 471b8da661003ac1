"""statements: the workshop named in the context, for daily participation

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Statements stored before this revision keep NULL: they predate the participation pages, and
    # re-reading millions of JSON bodies would make the upgrade as long as a full export.
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workshop_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_xapi_statements_workshop_timestamp', ['workshop_id', 'timestamp'], unique=False)


def downgrade():
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statements_workshop_timestamp')
        batch_op.drop_column('workshop_id')

"""workshops: a roster sync asked of the background worker, and its last error

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

import lti_tool.models._types

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # A city workshop's roster (tens of NRPS pages) is synced by the worker, not inside a host's
    # launch or request (lti_tool/workshops/roster.py). Nullable: nothing to fill in.
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.add_column(sa.Column('roster_sync_requested_at', lti_tool.models._types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('roster_sync_error', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('workshops') as batch_op:
        batch_op.drop_column('roster_sync_error')
        batch_op.drop_column('roster_sync_requested_at')

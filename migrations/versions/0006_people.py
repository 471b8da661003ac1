"""people: members marked inactive by the NRPS roster sync; the workshop's last sync time

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import lti_tool.models._types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_synced_at', lti_tool.models._types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('roster_synced_at')
    with op.batch_alter_table('workshop_members', schema=None) as batch_op:
        batch_op.drop_column('active')

"""xapi_lrs: the time before which a failing LRS is sent nothing

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

import lti_tool.models._types

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # The forwarder rests a whole LRS after a failed batch (statements/forwarder.py). Nullable:
    # an LRS nothing has failed with is not resting.
    with op.batch_alter_table('xapi_lrs') as batch_op:
        batch_op.add_column(sa.Column('resting_until', lti_tool.models._types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('xapi_lrs') as batch_op:
        batch_op.drop_column('resting_until')

"""discussions: schema additions for the discussions pages

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

import lti_tool.models._types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # The hidden per-form key: a double-submitted form creates one post (unique per author).
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('edited_at', lti_tool.models._types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_posts_author_id_form_key'), ['author_id', 'form_key'])


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_posts_author_id_form_key'), type_='unique')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('form_key')

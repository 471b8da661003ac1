"""showcase: comments (点评) on work recommended as excellent

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

import lti_tool.models._types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'submission_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('form_key', sa.String(length=36), nullable=False),
        sa.Column('hidden', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', lti_tool.models._types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['workshop_members.id'],
                                name=op.f('fk_submission_comments_author_id_workshop_members'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_submission_comments_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_comments')),
        sa.UniqueConstraint('author_id', 'form_key', name=op.f('uq_submission_comments_author_id_form_key')),
    )
    op.create_index(op.f('ix_submission_comments_author_id'), 'submission_comments', ['author_id'], unique=False)
    op.create_index(op.f('ix_submission_comments_submission_id'), 'submission_comments', ['submission_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_submission_comments_submission_id'), table_name='submission_comments')
    op.drop_index(op.f('ix_submission_comments_author_id'), table_name='submission_comments')
    op.drop_table('submission_comments')

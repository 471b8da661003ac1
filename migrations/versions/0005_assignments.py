"""assignments: late flag and review revision on submissions, the submitted versions' history

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

import lti_tool.models._types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('review_revision', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.create_table(
        'submission_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('choice', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('file_name', sa.String(length=300), nullable=True),
        sa.Column('file_stored', sa.String(length=300), nullable=True),
        sa.Column('file_size', sa.Integer(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('submitted_at', lti_tool.models._types.UTCDateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column('feedback', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_submission_versions_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_versions')),
        sa.UniqueConstraint('submission_id', 'version', name=op.f('uq_submission_versions_submission_id_version')),
    )
    op.create_index(op.f('ix_submission_versions_submission_id'), 'submission_versions', ['submission_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_submission_versions_submission_id'), table_name='submission_versions')
    op.drop_table('submission_versions')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('review_revision')
        batch_op.drop_column('late')

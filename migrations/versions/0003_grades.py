"""grades: stale marks per workshop and manually entered scores

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

import lti_tool.models._types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'grade_states',
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('stale', sa.Boolean(), nullable=False),
        sa.Column('changed_at', lti_tool.models._types.UTCDateTime(), nullable=False),
        sa.Column('computed_at', lti_tool.models._types.UTCDateTime(), nullable=True),
        sa.Column('learners', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_grade_states_workshop_id_workshops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workshop_id', name=op.f('pk_grade_states')),
    )
    op.create_table(
        'manual_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('entered_at', lti_tool.models._types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['entered_by_id'], ['workshop_members.id'],
                                name=op.f('fk_manual_scores_entered_by_id_workshop_members'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['workshop_members.id'],
                                name=op.f('fk_manual_scores_member_id_workshop_members'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_manual_scores_workshop_id_workshops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_scores')),
        sa.UniqueConstraint('workshop_id', 'member_id', 'key', name=op.f('uq_manual_scores_workshop_id_member_id_key')),
    )
    op.create_index(op.f('ix_manual_scores_member_id'), 'manual_scores', ['member_id'], unique=False)
    op.create_index(op.f('ix_manual_scores_workshop_id'), 'manual_scores', ['workshop_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_manual_scores_workshop_id'), table_name='manual_scores')
    op.drop_index(op.f('ix_manual_scores_member_id'), table_name='manual_scores')
    op.drop_table('manual_scores')
    op.drop_table('grade_states')

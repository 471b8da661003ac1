"""grades: learners whose inputs changed, for incremental recomputation

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'grade_dirty',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('actor_key', sa.String(length=600), nullable=True),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'],
                                name=op.f('fk_grade_dirty_workshop_id_workshops'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_dirty')),
    )
    op.create_index(op.f('ix_grade_dirty_workshop_id'), 'grade_dirty', ['workshop_id'], unique=False)
    # Existing states recompute everyone once, as before this revision.
    with op.batch_alter_table('grade_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('grade_states', schema=None) as batch_op:
        batch_op.drop_column('full')
    op.drop_index(op.f('ix_grade_dirty_workshop_id'), table_name='grade_dirty')
    op.drop_table('grade_dirty')

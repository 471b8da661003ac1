"""statements: drop two indexes that others already cover (actor_key; timestamp)

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Every statement stored wrote nine index entries. A query by actor alone uses
    # ix_xapi_statements_actor_object (actor_key first); timestamps are only searched within one
    # workshop (ix_xapi_statements_workshop_timestamp). The two single-column indexes cost each
    # insert without serving a query (`make bench BENCH=ingest`, README "Benchmarks").
    op.drop_index('ix_xapi_statements_actor_key', table_name='xapi_statements')
    op.drop_index('ix_xapi_statements_timestamp', table_name='xapi_statements')


def downgrade():
    op.create_index('ix_xapi_statements_timestamp', 'xapi_statements', ['timestamp'], unique=False)
    op.create_index('ix_xapi_statements_actor_key', 'xapi_statements', ['actor_key'], unique=False)

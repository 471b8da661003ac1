"""statements: indexes ending in (stored, seq), for pages in stored order

Revision ID: 0016
Revises: 0015
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # GET /xapi/statements now orders by stored, then seq (xAPI 1.0.3 §7.2.3), and pages by the two:
    # each index a page is asked by ends in them, so a page is one range of one index. With 1,000,000
    # statements, `since` a fortnight back read half the table in seq order (220 ms on PostgreSQL,
    # 380 ms on SQLite; `make bench BENCH=query`). The three replace single-column or (verb, seq)
    # indexes, which each of them covers: the store keeps as many index entries per statement.
    op.create_index('ix_xapi_statements_stored_seq', 'xapi_statements', ['stored', 'seq'])
    op.create_index('ix_xapi_statements_verb_stored_seq', 'xapi_statements', ['verb_id', 'stored', 'seq'])
    op.create_index('ix_xapi_statements_object_stored_seq', 'xapi_statements', ['object_id', 'stored', 'seq'])
    op.drop_index('ix_xapi_statements_stored', table_name='xapi_statements')
    op.drop_index('ix_xapi_statements_verb_stored', table_name='xapi_statements')
    op.drop_index('ix_xapi_statements_object_id', table_name='xapi_statements')


def downgrade():
    op.create_index('ix_xapi_statements_object_id', 'xapi_statements', ['object_id'])
    op.create_index('ix_xapi_statements_verb_stored', 'xapi_statements', ['verb_id', 'seq'])
    op.create_index('ix_xapi_statements_stored', 'xapi_statements', ['stored'])
    op.drop_index('ix_xapi_statements_object_stored_seq', table_name='xapi_statements')
    op.drop_index('ix_xapi_statements_verb_stored_seq', table_name='xapi_statements')
    op.drop_index('ix_xapi_statements_stored_seq', table_name='xapi_statements')

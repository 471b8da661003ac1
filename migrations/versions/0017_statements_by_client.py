"""statements: a partial index on the client that stored them, for what a course's client may read

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # A client a course's host made reads its own statements and its course's workshops'
    # (statements/query.readable). Without an index on the client, a course with few of a large
    # store's statements read the whole store for a page: 0.65 s on PostgreSQL, 1.35 s on SQLite
    # with 1,000,000 stored. Only rows that have a client: the tool's own statements have none.
    op.create_index('ix_xapi_statements_client', 'xapi_statements', ['client_id'],
                    postgresql_where=sa.text('client_id IS NOT NULL'), sqlite_where=sa.text('client_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_xapi_statements_client', table_name='xapi_statements')

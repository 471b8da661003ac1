"""outbox: keyed by (LRS, statement), without a surrogate id or foreign keys

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    # The intake writes one outbox row per statement stored for every active LRS. On PostgreSQL the
    # two foreign-key checks (row by row) and the surrogate id's sequence and index took 10 of the
    # 15.6 ms it spent on them per 1,000 statements; (lrs_id, statement_seq) was unique already and
    # becomes the key. Why no foreign keys lose nothing: lti_tool/models/statements.py, OutboxEntry.
    # Rows are kept; on SQLite batch mode copies them into the rebuilt table.
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_xapi_outbox_lrs_id_xapi_lrs', type_='foreignkey')
        batch_op.drop_constraint('fk_xapi_outbox_statement_seq_xapi_statements', type_='foreignkey')
        batch_op.drop_constraint('uq_xapi_outbox_lrs_id_statement_seq', type_='unique')
        batch_op.drop_constraint('pk_xapi_outbox', type_='primary')
        batch_op.drop_column('id')
        batch_op.create_primary_key('pk_xapi_outbox', ['lrs_id', 'statement_seq'])


def downgrade():
    # The id comes back numbered by LRS and statement (PostgreSQL) or in the order the rows were
    # inserted (SQLite copies them into the rebuilt table in that order): roughly the order the
    # forwarder of 0011 sent them in, which was by id.
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('xapi_outbox', schema=None, recreate='never' if postgresql else 'always') as batch_op:
        batch_op.drop_constraint('pk_xapi_outbox', type_='primary')
        if not postgresql:
            batch_op.add_column(sa.Column('id', _SEQ, nullable=False))
            batch_op.create_primary_key('pk_xapi_outbox', ['id'])
        batch_op.create_unique_constraint('uq_xapi_outbox_lrs_id_statement_seq', ['lrs_id', 'statement_seq'])
        batch_op.create_foreign_key('fk_xapi_outbox_lrs_id_xapi_lrs', 'xapi_lrs', ['lrs_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key('fk_xapi_outbox_statement_seq_xapi_statements', 'xapi_statements',
                                    ['statement_seq'], ['seq'], ondelete='CASCADE')
    if postgresql:
        op.execute('ALTER TABLE xapi_outbox ADD COLUMN id BIGSERIAL NOT NULL')
        # BIGSERIAL numbers the rows as they lie on disk, which an update may have reordered.
        op.execute('UPDATE xapi_outbox SET id = o.n FROM (SELECT lrs_id, statement_seq, '
                   'row_number() OVER (ORDER BY lrs_id, statement_seq) AS n FROM xapi_outbox) AS o '
                   'WHERE xapi_outbox.lrs_id = o.lrs_id AND xapi_outbox.statement_seq = o.statement_seq')
        op.execute("SELECT setval(pg_get_serial_sequence('xapi_outbox', 'id'), "
                   "(SELECT coalesce(max(id), 0) + 1 FROM xapi_outbox), false)")
        op.create_primary_key('pk_xapi_outbox', 'xapi_outbox', ['id'])

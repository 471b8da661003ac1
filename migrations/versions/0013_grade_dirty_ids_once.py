"""grade_dirty: on SQLite, AUTOINCREMENT, so an id is never handed out twice

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # A recomputation deletes the dirty rows it read, by id (lti_tool/grades/service.py). Without
    # AUTOINCREMENT SQLite numbers a new row max(id) + 1, so once a recomputation had emptied the
    # table, a new row could take the id of a row a slower concurrent recomputation had read, and
    # be deleted unread. PostgreSQL's sequence never hands out an id twice: nothing to do there.
    # Rows are kept: batch mode copies them into the rebuilt table.
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('grade_dirty', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
        pass


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('grade_dirty', recreate='always', table_kwargs={'sqlite_autoincrement': False}):
        pass

"""document_shares.user_id: document shares become rows of the one audience model (core.audience), which also
names single people. Existing rows (all, department, group) keep their scope and ids unchanged.

Revision ID: 0014_groups
Revises: 0013_board_push
Create Date: 2026-12-02 02:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_groups'
down_revision = '0013_board_push'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_shares_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_document_shares_user_id_users'), 'users', ['user_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade():
    # A per-person share has no older form: dropping it would widen nothing, so it simply goes.
    op.execute("DELETE FROM document_shares WHERE scope = 'user'")
    with op.batch_alter_table('document_shares', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_document_shares_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_document_shares_user_id'))
        batch_op.drop_column('user_id')

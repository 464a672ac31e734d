"""push messages' notification buttons and tap action (answering a call-out from the notification)

Revision ID: 0016_push_actions
Revises: 0015_merge_staff_tools
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_push_actions'
down_revision = '0015_merge_staff_tools'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('push_messages') as batch_op:
        batch_op.add_column(sa.Column('actions', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('tap_action', sa.String(length=32), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('push_messages') as batch_op:
        batch_op.drop_column('tap_action')
        batch_op.drop_column('actions')

"""lettering statistics: the holdout arm on each call, provider answer times, callbacks by citizen hash

Revision ID: 0017_stats
Revises: 0016_push_actions
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_stats'
down_revision = '0016_push_actions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(sa.Column('holdout', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('carrier_latency_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('alimtalk_latency_ms', sa.Integer(), nullable=True))
    # A callback is an incoming call from the same citizen's hash within 24 h of ours.
    op.create_index('ix_calls_peer_hash_created_at', 'calls', ['peer_hash', 'created_at'])


def downgrade():
    op.drop_index('ix_calls_peer_hash_created_at', table_name='calls')
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('alimtalk_latency_ms')
        batch_op.drop_column('carrier_latency_ms')
        batch_op.drop_column('holdout')

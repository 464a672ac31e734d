"""shared rate-limit counters for the citizens' look-ups

Revision ID: 0008_rate_limits
Revises: 0007_merge_areas
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_rate_limits'
down_revision = '0007_merge_areas'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limits',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('prev_hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key_hash', name=op.f('pk_rate_limits'))
    )
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limits_scope_window_start', ['scope', 'window_start'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limits_scope_window_start')

    op.drop_table('rate_limits')

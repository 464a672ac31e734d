"""app settings: admin-editable key/value pairs

Revision ID: 0003_app_settings
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_app_settings'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'app_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_app_settings')),
    )


def downgrade():
    op.drop_table('app_settings')

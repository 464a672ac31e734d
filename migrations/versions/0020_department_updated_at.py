"""departments.updated_at: a department's change (its bureau, by an import) moves the directory's stamp

Revision ID: 0020_department_updated_at
Revises: 0019_campaigns
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_department_updated_at'
down_revision = '0019_campaigns'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('departments') as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('departments') as batch_op:
        batch_op.drop_column('updated_at')

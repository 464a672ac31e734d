"""documents.error_detail: a failed document's reason as msgid and parameters, shown in the reader's language

Revision ID: 0009_document_error_detail
Revises: 0008_rate_limits
Create Date: 2026-11-25 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_document_error_detail'
down_revision = '0008_rate_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_detail', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('error_detail')

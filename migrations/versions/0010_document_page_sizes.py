"""documents.page_sizes: each page's width and height, so the viewer reserves its shape before the image

Revision ID: 0010_document_page_sizes
Revises: 0009_document_error_detail
Create Date: 2026-12-01 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_document_page_sizes'
down_revision = '0009_document_error_detail'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_sizes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('page_sizes')

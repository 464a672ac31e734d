"""merge area branches

Revision ID: 0007_merge_areas
Revises: 0002_directory, 0003_app_settings, 0005_documents, 0006_calls_jobs
Create Date: 2026-11-25 03:08:48.417547

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_merge_areas'
down_revision = ('0002_directory', '0003_app_settings', '0005_documents', '0006_calls_jobs')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

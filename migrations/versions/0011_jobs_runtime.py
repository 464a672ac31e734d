"""jobs.dedupe_key (one job per periodic slot); task_runs.params and upload (console tasks run by the worker)

Revision ID: 0011_jobs_runtime
Revises: 0010_document_page_sizes
Create Date: 2026-12-01 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_jobs_runtime'
down_revision = '0010_document_page_sizes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=96), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_jobs_dedupe_key'), ['dedupe_key'])
    with op.batch_alter_table('task_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('upload', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('task_runs', schema=None) as batch_op:
        batch_op.drop_column('upload')
        batch_op.drop_column('params')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_jobs_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')

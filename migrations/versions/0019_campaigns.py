"""campaigns: status (active/paused/archived) instead of ``active``, weekdays and KST hours, priority,
the owning department and the uploaded card-news images

Revision ID: 0019_campaigns
Revises: 0018_merge_lettering_console
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_campaigns'
down_revision = '0018_merge_lettering_console'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns') as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('weekdays', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('hour_from', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hour_until', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('owner_department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('images', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(op.f('fk_campaigns_owner_department_id_departments'), 'departments',
                                    ['owner_department_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE campaigns SET status = CASE WHEN active THEN 'active' ELSE 'paused' END")
    with op.batch_alter_table('campaigns') as batch_op:
        batch_op.drop_column('active')


def downgrade():
    with op.batch_alter_table('campaigns') as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE campaigns SET active = (status = 'active')")
    with op.batch_alter_table('campaigns') as batch_op:
        batch_op.drop_constraint(op.f('fk_campaigns_owner_department_id_departments'), type_='foreignkey')
        for name in ('updated_at', 'images', 'owner_department_id', 'priority', 'hour_until', 'hour_from',
                     'weekdays', 'status'):
            batch_op.drop_column(name)

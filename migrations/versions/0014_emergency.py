"""emergency groups and call-outs (비상연락망)

Revision ID: 0014_emergency
Revises: 0013_board_push
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_emergency'
down_revision = '0013_board_push'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'emergency_groups',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(64), nullable=False, unique=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('pinned', sa.Boolean(), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('updated_at', TZ, nullable=False))
    op.create_table(
        'emergency_members',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('emergency_groups.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id', ondelete='CASCADE'), nullable=False,
                  index=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(64), nullable=False),
        sa.Column('deputy_person_id', sa.Integer(), sa.ForeignKey('people.id', ondelete='SET NULL')),
        sa.UniqueConstraint('group_id', 'person_id', name='uq_emergency_members_group_person'))
    op.create_table(
        'emergency_managers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('emergency_groups.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False,
                  index=True),
        sa.UniqueConstraint('group_id', 'user_id', name='uq_emergency_managers_group_user'))
    op.create_table(
        'emergency_callouts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('emergency_groups.id', ondelete='SET NULL'), index=True),
        sa.Column('group_name', sa.String(64), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('drill', sa.Boolean(), nullable=False),
        sa.Column('escalation_minutes', sa.Integer(), nullable=False),
        sa.Column('started_by', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL')),
        sa.Column('started_at', TZ, nullable=False, index=True),
        sa.Column('closed_at', TZ))
    op.create_table(
        'emergency_targets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('callout_id', sa.Integer(), sa.ForeignKey('emergency_callouts.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id', ondelete='SET NULL'), index=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'), index=True),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('role', sa.String(64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(8), nullable=False),
        sa.Column('called_at', TZ, nullable=False),
        sa.Column('answer', sa.String(12)),
        sa.Column('answered_at', TZ),
        sa.Column('via', sa.String(12)),
        sa.UniqueConstraint('callout_id', 'person_id', name='uq_emergency_targets_callout_person'))
    op.create_table(
        'emergency_escalations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('callout_id', sa.Integer(), sa.ForeignKey('emergency_callouts.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('for_person_id', sa.Integer(), sa.ForeignKey('people.id', ondelete='SET NULL')),
        sa.Column('to_person_id', sa.Integer(), sa.ForeignKey('people.id', ondelete='SET NULL')),
        sa.Column('for_name', sa.String(64), nullable=False),
        sa.Column('to_name', sa.String(64), nullable=False),
        sa.Column('step', sa.String(8), nullable=False),
        sa.Column('at', TZ, nullable=False))


def downgrade():
    for table in ('emergency_escalations', 'emergency_targets', 'emergency_callouts', 'emergency_managers',
                  'emergency_members', 'emergency_groups'):
        op.drop_table(table)

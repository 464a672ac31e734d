"""duty rosters: duties, feed tokens, swaps

Revision ID: 0014_duty
Revises: 0013_board_push
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_duty'
down_revision = '0013_board_push'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'duties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('place', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(length=255), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uid'),
    )
    op.create_index('ix_duties_person_id', 'duties', ['person_id'])
    op.create_index('ix_duties_department_id', 'duties', ['department_id'])
    op.create_index('ix_duties_starts_at', 'duties', ['starts_at'])
    op.create_index('ix_duties_cancelled_at', 'duties', ['cancelled_at'])
    op.create_table(
        'duty_feed_tokens',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_table(
        'duty_swaps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('duty_id', sa.Integer(), nullable=False),
        sa.Column('from_person_id', sa.Integer(), nullable=False),
        sa.Column('to_person_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('offered_by', sa.Integer(), nullable=True),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['duty_id'], ['duties.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_person_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_person_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offered_by'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_duty_swaps_duty_id', 'duty_swaps', ['duty_id'])
    op.create_index('ix_duty_swaps_to_person_id', 'duty_swaps', ['to_person_id'])


def downgrade():
    op.drop_table('duty_swaps')
    op.drop_table('duty_feed_tokens')
    op.drop_table('duties')

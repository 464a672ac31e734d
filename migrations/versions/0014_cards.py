"""business cards: cards, daily counters, policy-of-the-month link

Revision ID: 0014_cards
Revises: 0013_board_push
Create Date: 2026-12-02 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014_cards'
down_revision = '0013_board_push'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('business_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=16), nullable=False),
    sa.Column('show_mobile', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_business_cards_person_id_people'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_cards')),
    sa.UniqueConstraint('person_id', name=op.f('uq_business_cards_person_id')),
    sa.UniqueConstraint('token', name=op.f('uq_business_cards_token'))
    )
    op.create_table('business_card_days',
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('qr_scans', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['business_cards.id'],
                            name=op.f('fk_business_card_days_card_id_business_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('card_id', 'day', name=op.f('pk_business_card_days'))
    )
    op.create_table('card_policy_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_policy_links'))
    )


def downgrade():
    op.drop_table('card_policy_links')
    op.drop_table('business_card_days')
    op.drop_table('business_cards')

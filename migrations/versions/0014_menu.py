"""cafeteria menus: cafeterias, meals, dishes, allergen profiles

Revision ID: 0014_menu
Revises: 0013_board_push
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_menu'
down_revision = '0013_board_push'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('menu_cafeterias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu_cafeterias')),
    sa.UniqueConstraint('name', name=op.f('uq_menu_cafeterias_name'))
    )
    op.create_table('menu_meals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafeteria_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('meal', sa.String(length=16), nullable=False),
    sa.Column('calories', sa.Float(), nullable=True),
    sa.Column('servings', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cafeteria_id'], ['menu_cafeterias.id'], name=op.f('fk_menu_meals_cafeteria_id_menu_cafeterias'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu_meals')),
    sa.UniqueConstraint('cafeteria_id', 'day', 'meal', name='uq_menu_meals_day_meal')
    )
    op.create_index(op.f('ix_menu_meals_cafeteria_id'), 'menu_meals', ['cafeteria_id'], unique=False)
    op.create_index(op.f('ix_menu_meals_day'), 'menu_meals', ['day'], unique=False)
    op.create_table('menu_dishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('allergens', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['meal_id'], ['menu_meals.id'], name=op.f('fk_menu_dishes_meal_id_menu_meals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu_dishes'))
    )
    op.create_index(op.f('ix_menu_dishes_meal_id'), 'menu_dishes', ['meal_id'], unique=False)
    op.create_table('menu_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('allergens', sa.String(length=64), nullable=False),
    sa.Column('cafeteria_id', sa.Integer(), nullable=True),
    sa.Column('morning_push', sa.Boolean(), nullable=False),
    sa.Column('warned_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cafeteria_id'], ['menu_cafeterias.id'], name=op.f('fk_menu_profiles_cafeteria_id_menu_cafeterias'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_menu_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_menu_profiles'))
    )


def downgrade():
    op.drop_table('menu_profiles')
    op.drop_index(op.f('ix_menu_dishes_meal_id'), table_name='menu_dishes')
    op.drop_table('menu_dishes')
    op.drop_index(op.f('ix_menu_meals_day'), table_name='menu_meals')
    op.drop_index(op.f('ix_menu_meals_cafeteria_id'), table_name='menu_meals')
    op.drop_table('menu_meals')
    op.drop_table('menu_cafeterias')

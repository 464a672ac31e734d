"""merge the staff tools' branches: groups, emergency, duty, cards, menu

Revision ID: 0015_merge_staff_tools
Revises: 0014_groups, 0014_emergency, 0014_duty, 0014_cards, 0014_menu
Create Date: 2026-12-02 03:10:00.000000

"""

# revision identifiers, used by Alembic.
revision = '0015_merge_staff_tools'
down_revision = ('0014_groups', '0014_emergency', '0014_duty', '0014_cards', '0014_menu')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

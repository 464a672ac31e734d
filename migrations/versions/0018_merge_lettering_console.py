"""merge the lettering console's branches: AlimTalk templates and the statistics' holdout

Revision ID: 0018_merge_lettering_console
Revises: 0017_alimtalk, 0017_stats
"""

# revision identifiers, used by Alembic.
revision = '0018_merge_lettering_console'
down_revision = ('0017_alimtalk', '0017_stats')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""AlimTalk templates: type (기본형/부가정보형), 부가정보 text, the reviewer's comment and when the inspection
status last changed; ``draft`` (등록) joins approved/pending/rejected

Revision ID: 0017_alimtalk
Revises: 0016_push_actions
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_alimtalk'
down_revision = '0016_push_actions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alimtalk_templates') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='basic'))
        batch_op.add_column(sa.Column('extra', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('review_comment', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('alimtalk_templates') as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('extra')
        batch_op.drop_column('kind')

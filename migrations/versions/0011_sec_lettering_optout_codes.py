"""optout_codes: one-time codes sent by AlimTalk that prove a citizen owns a number (opt-out status, undo)

Revision ID: 0011_sec_lettering_optout_codes
Revises: 0010_document_page_sizes
Create Date: 2026-12-02 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_sec_lettering_optout_codes'
down_revision = '0010_document_page_sizes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('optout_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge', sa.String(length=32), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('send_status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_optout_codes')),
    sa.UniqueConstraint('challenge', name=op.f('uq_optout_codes_challenge'))
    )
    with op.batch_alter_table('optout_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_optout_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_optout_codes_phone_hash'), ['phone_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('optout_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_optout_codes_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_optout_codes_expires_at'))

    op.drop_table('optout_codes')

"""documents: secure viewer documents, shares, reading log and named staff groups

Revision ID: 0005_documents
Revises: 0001_foundation
Create Date: 2026-11-25 01:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_documents'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_staff_groups_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_staff_groups_name'))
    )
    op.create_table('staff_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['staff_groups.id'], name=op.f('fk_staff_group_members_group_id_staff_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_group_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_group_members')),
    sa.UniqueConstraint('group_id', 'user_id', name='uq_staff_group_members_group_user')
    )
    with op.batch_alter_table('staff_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_group_members_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_group_members_user_id'), ['user_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('original_type', sa.String(length=16), nullable=False),
    sa.Column('original_size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('original_path', sa.String(length=255), nullable=False),
    sa.Column('pdf_path', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_documents_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_documents_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_documents_revoked_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_status'), ['status'], unique=False)

    op.create_table('document_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_document_shares_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_shares_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['staff_groups.id'], name=op.f('fk_document_shares_group_id_staff_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_shares'))
    )
    with op.batch_alter_table('document_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_shares_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_shares_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_shares_group_id'), ['group_id'], unique=False)

    op.create_table('document_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_views_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_document_views_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_views'))
    )
    with op.batch_alter_table('document_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_views_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_views_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_views_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_views_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_views_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_views_request_id'))
        batch_op.drop_index(batch_op.f('ix_document_views_document_id'))
        batch_op.drop_index(batch_op.f('ix_document_views_at'))
    op.drop_table('document_views')
    with op.batch_alter_table('document_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_shares_group_id'))
        batch_op.drop_index(batch_op.f('ix_document_shares_document_id'))
        batch_op.drop_index(batch_op.f('ix_document_shares_department_id'))
    op.drop_table('document_shares')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_status'))
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_owner_id'))
        batch_op.drop_index(batch_op.f('ix_documents_department_id'))
        batch_op.drop_index(batch_op.f('ix_documents_created_at'))
    op.drop_table('documents')
    with op.batch_alter_table('staff_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_group_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_group_members_group_id'))
    op.drop_table('staff_group_members')
    op.drop_table('staff_groups')

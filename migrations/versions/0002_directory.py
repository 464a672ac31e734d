"""directory: favourites and recent contacts

Revision ID: 0002_directory
Revises: 0001_foundation
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_directory"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "directory_favourites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_directory_favourites_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_directory_favourites_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_favourites")),
        sa.UniqueConstraint("user_id", "person_id", name="uq_directory_favourites_user_person"),
    )
    with op.batch_alter_table("directory_favourites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_favourites_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_favourites_user_id"), ["user_id"], unique=False)

    op.create_table(
        "directory_recents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_directory_recents_person_id_people"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_directory_recents_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_recents")),
        sa.UniqueConstraint("user_id", "person_id", name="uq_directory_recents_user_person"),
    )
    with op.batch_alter_table("directory_recents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_recents_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_recents_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_recents_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("directory_recents")
    op.drop_table("directory_favourites")

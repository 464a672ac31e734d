"""Named groups of staff accounts ("재난대응 1조", "문서 열람 TF").

Documents are shared with them now; later areas (emergency groups, push targets)
reuse the same tables, so nothing here is specific to documents.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow


class StaffGroup(Base):
    __tablename__ = "staff_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members = relationship("StaffGroupMember", back_populates="group", cascade="all, delete-orphan",
                           passive_deletes=True)


class StaffGroupMember(Base):
    __tablename__ = "staff_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_staff_group_members_group_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("staff_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    group = relationship(StaffGroup, back_populates="members")
    user = relationship("User", lazy="joined")

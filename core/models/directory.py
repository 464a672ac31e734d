"""Per-user directory state: favourite people and recently contacted people."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow


class Favourite(Base):
    __tablename__ = "directory_favourites"
    __table_args__ = (UniqueConstraint("user_id", "person_id", name="uq_directory_favourites_user_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecentContact(Base):
    """The last time a user opened or called a person; one row per pair, refreshed on reuse."""

    __tablename__ = "directory_recents"
    __table_args__ = (UniqueConstraint("user_id", "person_id", name="uq_directory_recents_user_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16), default="view")  # view | call | sms
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

"""The rows of an audience table (see ``core.audience``): one row per scope member, beside its owner."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class AudienceRow:
    """Mixin for a table of audience rows: one row per scope member. The table adds its owner's foreign key."""

    scope: Mapped[str] = mapped_column(String(16))

    @declared_attr
    def department_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def group_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("staff_groups.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def user_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    @classmethod
    def build(cls, scope: str, member_id: int | None, **owner: Any) -> AudienceRow:
        columns = {"department": "department_id", "group": "group_id", "user": "user_id"}
        values = {columns[scope]: member_id} if scope in columns else {}
        return cls(scope=scope, **values, **owner)

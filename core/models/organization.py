"""The organisation: departments and the people (staff and outside contacts) in them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.timeutil import utcnow


class Department(Base):
    """A department, team, district office or neighbourhood centre.

    ``organization`` is the institution (고양특례시 or a related organisation) and
    ``parent`` the bureau or district office above it, both as HR exports name them.
    """

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organization", "name", name="uq_departments_org_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization: Mapped[str] = mapped_column(String(64))
    parent: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(64), index=True)
    # The name without spaces or its 과/팀/동/… suffix, for matching what people type or say.
    search_key: Mapped[str] = mapped_column(String(64), index=True, default="")
    # In the directory's stamp (core.directory.index.stamp_of): a department moved to another bureau by an
    # import changes no person, and every process must still see it.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    people = relationship("Person", back_populates="department")


class Person(Base):
    """One directory entry: a member of staff or a related organisation's contact."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="staff")  # staff | contact
    name: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      index=True)
    title: Mapped[str] = mapped_column(String(32), default="")   # 직위
    grade: Mapped[str] = mapped_column(String(32), default="")   # 직급
    duty: Mapped[str] = mapped_column(String(255), default="")   # 담당업무
    extension: Mapped[str] = mapped_column(String(16), default="", index=True)
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)   # E.164
    mobile: Mapped[str] = mapped_column(String(20), default="")              # E.164
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    employee_no: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    department = relationship(Department, back_populates="people", lazy="joined")

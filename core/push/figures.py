"""The console's push figures: each message's delivery counts, and who push reaches at all.

A subscription "works" while its last deliveries have not failed (``failures`` counts consecutive final
failures and is reset by a success; 404/410 delete it outright). Staff with no working subscription are
listed, so that they can be reached another way (the inbox has everything, but only when they look).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from core.models.accounts import User
from core.models.organization import Department
from core.models.push import PushMessage, PushSubscription

WORKING_MAX_FAILURES = 3


@dataclass(frozen=True)
class Coverage:
    department_id: int | None
    department: str
    staff: int
    reached: int

    @property
    def share(self) -> float:
        return self.reached / self.staff if self.staff else 0.0


def _working_users() -> Select:
    return select(PushSubscription.user_id).where(PushSubscription.failures < WORKING_MAX_FAILURES).distinct()


def recent_messages(session: Session, limit: int = 20) -> list[PushMessage]:
    return list(session.scalars(select(PushMessage).order_by(PushMessage.created_at.desc(), PushMessage.id.desc())
                                .limit(limit)))


def department_coverage(session: Session) -> list[Coverage]:
    """Per department (and the staff without one), active staff and how many have a working subscription."""
    reached = case((User.id.in_(_working_users()), 1), else_=0)
    rows = session.execute(
        select(Department.id, Department.name, func.count(User.id), func.coalesce(func.sum(reached), 0))
        .select_from(User).outerjoin(Department, Department.id == User.department_id)
        .where(User.is_active.is_(True)).group_by(Department.id, Department.name)
        .order_by(Department.name.is_(None), Department.name)).all()
    return [Coverage(dept_id, name or "", int(staff), int(hit)) for dept_id, name, staff, hit in rows]


def staff_without_push(department_id: int | None = None) -> Select:
    """Active staff with no working subscription, by department and name (for ``core.pagination``)."""
    query = (select(User).outerjoin(Department, Department.id == User.department_id)
             .where(User.is_active.is_(True), User.id.not_in(_working_users()))
             .order_by(Department.name.is_(None), Department.name, User.display_name, User.username, User.id))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return query


def totals(session: Session) -> dict[str, int]:
    staff = session.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True))) or 0
    reached = session.scalar(select(func.count()).select_from(User).where(
        User.is_active.is_(True), User.id.in_(_working_users()))) or 0
    devices = session.scalar(select(func.count()).select_from(PushSubscription)) or 0
    return {"staff": staff, "reached": reached, "devices": devices}

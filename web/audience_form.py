"""The audience picker of console forms (all staff / departments / groups), shared by every area that
addresses people (board posts, emergency call-outs): ``templates/_audience_fields.html`` renders it, and
:func:`from_form` reads it back into a ``core.audience.Audience``."""
from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from core.audience import MAX_MEMBERS, Audience, AudienceError
from core.models.groups import StaffGroup
from core.models.organization import Department
from extensions import db


def choices() -> dict[str, Any]:
    """What the picker offers: every department and staff group, by name."""
    return {"audience_departments": db.session.scalars(select(Department).order_by(Department.name)).all(),
            "audience_groups": db.session.scalars(select(StaffGroup).order_by(StaffGroup.name)).all()}


def _ids(name: str) -> list[int]:
    values = request.form.getlist(name)[:MAX_MEMBERS + 1]
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 10]


def from_form(prefix: str = "audience") -> Audience:
    """The submitted choice; unknown department and group ids are left out. Raises ``AudienceError``."""
    departments = set(_ids(f"{prefix}_departments"))
    groups = set(_ids(f"{prefix}_groups"))
    if departments:
        departments = set(db.session.scalars(select(Department.id).where(Department.id.in_(departments))))
    if groups:
        groups = set(db.session.scalars(select(StaffGroup.id).where(StaffGroup.id.in_(groups))))
    all_staff = request.form.get(f"{prefix}_all") == "1"
    if all_staff:
        return Audience.everyone()
    return Audience.of(departments=departments, groups=groups)


__all__ = ["AudienceError", "choices", "from_form"]

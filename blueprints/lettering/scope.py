"""Which department's data the signed-in console user may see."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

NO_DEPARTMENT = -1  # matches no row: a dept_admin without a department sees nothing


def department_scope() -> int | None:
    """None for admins (everything), else the dept_admin's own department id."""
    if current_user.has_role("admin"):
        return None
    return current_user.department_id or NO_DEPARTMENT


def check_department(department_id: int | None) -> None:
    """404 when a dept_admin opens another department's row (its existence is not disclosed)."""
    scope = department_scope()
    if scope is not None and department_id != scope:
        abort(404)

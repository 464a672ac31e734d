"""Fixtures for staff groups: two departments and people in them."""
from __future__ import annotations

import pytest

from core.models.organization import Department
from extensions import db


@pytest.fixture
def departments(app) -> dict[str, Department]:
    rows = {name: Department(organization="고양특례시", name=name, search_key=name[:-1])
            for name in ("교통정책과", "세정과")}
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.fixture
def people(make_user, departments):
    traffic, tax = departments["교통정책과"].id, departments["세정과"].id
    return {"kim": make_user("kim", display_name="김민준", department_id=traffic),
            "lee": make_user("lee", display_name="이서연", department_id=tax),
            "park": make_user("park", display_name="박지훈", department_id=tax),
            "boss": make_user("boss", role="admin", display_name="관리자"),
            "dept": make_user("dept", role="dept_admin", display_name="부서장", department_id=traffic),
            "dept2": make_user("dept2", role="dept_admin", display_name="다른부서장", department_id=tax)}

"""Fixtures for the campaign console: departments with lines, and users of each role."""
from __future__ import annotations

import pytest

from core.lettering.lines_import import department_search_key
from core.models.lettering import Line
from core.models.organization import Department
from extensions import db


@pytest.fixture
def departments(app):
    made = {}
    for parent, name in (("안전교통국", "안전총괄과"), ("재정국", "세정과")):
        made[name] = Department(organization="고양특례시", parent=parent, name=name,
                                search_key=department_search_key(name))
        db.session.add(made[name])
    db.session.commit()
    return made


@pytest.fixture
def lines(departments):
    rows = [Line(number="+823180750001", extension="4001", department_id=departments["안전총괄과"].id,
                 department_name="안전총괄과", message="겨울철 안전 안내 전화입니다"),
            Line(number="+823180750002", extension="4002", department_id=departments["세정과"].id,
                 department_name="세정과", message="지방세 안내 전화입니다")]
    db.session.add_all(rows)
    db.session.commit()
    return rows

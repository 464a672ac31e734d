"""Business-card fixtures: a small directory (two departments) and a staff account linked to one person."""
from __future__ import annotations

import pytest

from core.models.organization import Department, Person
from extensions import db


@pytest.fixture
def directory(app) -> dict:
    traffic = Department(organization="고양특례시", parent="도시교통국", name="교통정책과", search_key="교통정책")
    it = Department(organization="고양특례시", parent="자치행정국", name="정보통신과", search_key="정보통신")
    db.session.add_all([traffic, it])
    db.session.flush()
    person = Person(name="남궁민수", department_id=traffic.id, title="주무관", phone="+823180755101",
                    mobile="+821055101234", email="mnamgung@goyang.go.kr", extension="5101")
    other = Person(name="김민준", department_id=it.id, title="팀장", phone="+823180753301",
                   mobile="+821033011234", email="mjkim@goyang.go.kr", extension="3301")
    db.session.add_all([person, other])
    db.session.commit()
    return {"traffic": traffic, "it": it, "person": person, "other": other}


@pytest.fixture
def owner(directory, make_user):
    return make_user("namgung", display_name="남궁민수", person_id=directory["person"].id)

"""Directory rows for the PWA tests, made directly with the models."""
from __future__ import annotations

import pytest

from core.models.organization import Department, Person
from extensions import db


@pytest.fixture
def directory(app) -> dict[str, Person]:
    traffic = Department(organization="고양특례시", parent="교통국", name="교통정책과", search_key="교통정책")
    madu = Department(organization="고양특례시", parent="일산동구", name="마두1동 행정복지센터", search_key="")
    db.session.add_all([traffic, madu])
    db.session.flush()
    people = {
        "kim": Person(name="김민준", department_id=traffic.id, title="주무관", duty="불법 주정차 단속",
                      extension="5101", phone="+823180751234", mobile="+821012345678",
                      email="minjun@example.go.kr"),
        "lee": Person(name="이서연", department_id=madu.id, title="팀장", duty="주민등록 업무", extension="6201",
                      phone="+82319091234", mobile="", email=None),
    }
    db.session.add_all(people.values())
    db.session.commit()
    return people

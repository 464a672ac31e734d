"""Emergency groups built from the directory: people in a department, staff accounts linked by person_id."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

import core.emergency.jobs  # noqa: F401  (registers emergency.escalate)
from core import jobs
from core.emergency import groups
from core.jobs.registry import Env, registry
from core.models.organization import Department, Person
from extensions import db

NAMES = [("김민준", "kim"), ("이서연", "lee"), ("박지호", "park"), ("최유나", "choi"), ("정하늘", "jung")]


@pytest.fixture
def people(make_user):
    """Five people; the first four have staff accounts, 정하늘 has none (a directory entry only)."""
    dept = Department(organization="고양특례시", name="안전총괄과")
    db.session.add(dept)
    db.session.flush()
    result = {}
    for number, (name, key) in enumerate(NAMES, start=1):
        person = Person(name=name, department_id=dept.id, title="주무관", phone=f"+82319080{number:04d}",
                        mobile=f"+8210555{number:05d}", email=f"{key}@goyang.go.kr")
        db.session.add(person)
        db.session.flush()
        result[key] = person
    db.session.commit()
    users = {key: make_user(key, display_name=result[key].name, person_id=result[key].id)
             for key in ("kim", "lee", "park", "choi")}
    users["admin"] = make_user("admin", role="admin", display_name="관리자")
    users["boss"] = make_user("boss", display_name="과장")
    return {"people": result, "users": users}


@pytest.fixture
def group(people):
    """재난대응 1조: 김민준 (deputy 정하늘), 이서연 (deputy 최유나), 박지호 (no deputy); managed by boss."""
    p, u = people["people"], people["users"]
    data = groups.GroupInput(name="재난대응 1조", description="풍수해 대응", members=[
        groups.MemberInput(p["kim"].id, "상황총괄", p["jung"].id),
        groups.MemberInput(p["lee"].id, "현장지원", p["choi"].id),
        groups.MemberInput(p["park"].id, "연락담당", None)], manager_ids=[u["boss"].id])
    saved = groups.save(db.session, u["admin"], data)
    db.session.commit()
    return saved


@pytest.fixture
def run_due(app):
    """Run the escalation jobs that are due now through the real queue (claim, handler, complete)."""
    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    env = Env(factory, dict(app.config))

    def run() -> int:
        with factory() as session:
            claimed = jobs.claim(session, "test-emergency", limit=100, kinds=("emergency.escalate",))
        for job in claimed:
            registry.kinds[job.kind].handler(env, job.payload)
        with factory() as session:
            jobs.complete(session, [j.id for j in claimed], "test-emergency")
            session.commit()
        db.session.expire_all()
        return len(claimed)
    return run

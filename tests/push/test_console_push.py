"""The console's push page: figures per push (table and chart), each department's share of staff that push
reaches, the staff it does not reach (paginated), and the announcement form, which goes through the job
runtime to the simulator. Admins only."""
from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import func, select

from core.models.groups import StaffGroup, StaffGroupMember
from core.models.jobs import Job
from core.models.organization import Department
from core.models.push import PushMessage, PushSubscription
from extensions import db
from tests.conftest import csrf_token_from


@pytest.fixture
def org(make_user):
    traffic = Department(organization="고양특례시", name="교통정책과")
    passports = Department(organization="고양특례시", name="민원여권과")
    db.session.add_all([traffic, passports])
    db.session.commit()
    people = {"kim": make_user("kim", display_name="김민준", department_id=traffic.id),
              "lee": make_user("lee", display_name="이서연", department_id=traffic.id),
              "park": make_user("park", display_name="박지호", department_id=passports.id),
              "admin": make_user("boss", role="admin", display_name="관리자")}
    return {"traffic": traffic, "passports": passports, **people}


def _admin(client, login) -> str:
    login("boss")
    return csrf_token_from(client.get("/admin/push").get_data(as_text=True))


def test_admins_only(app, client, login, org):
    staff = app.test_client()
    login("kim", test_client=staff)
    assert staff.get("/admin/push").status_code == 403
    assert staff.post("/admin/push/send", data={"title": "x"}).status_code in (400, 403)
    login("boss")
    assert client.get("/admin/push").status_code == 200


def test_coverage_and_staff_without_push(client, login, org, subscribed):
    subscribed(org["kim"])
    broken = subscribed(org["park"])
    db.session.execute(PushSubscription.__table__.update().where(PushSubscription.endpoint == broken["endpoint"])
                       .values(failures=5))
    db.session.commit()
    _admin(client, login)
    page = client.get("/admin/push").get_data(as_text=True)
    coverage = page.split('id="push-coverage"', 1)[1].split("</table>", 1)[0]
    assert "교통정책과</th><td>2</td><td>1</td><td>50%" in coverage
    assert "민원여권과</th><td>1</td><td>0</td><td>0%" in coverage
    missing = page.split('id="push-missing"', 1)[1].split("</table>", 1)[0]
    assert "이서연" in missing and "박지호" in missing and "김민준" not in missing
    assert "알림을 받지 못하는 직원 (3명)" in page     # lee, park and the admin


def test_staff_without_push_is_paginated(client, login, make_user):
    for i in range(60):
        make_user(f"p{i:02d}", display_name=f"직원{i:02d}")
    make_user("boss", role="admin", display_name="하관리")   # sorts after 직원NN
    login("boss")
    first = client.get("/admin/push").get_data(as_text=True)
    second = client.get("/admin/push?page=2").get_data(as_text=True)
    assert "직원00" in first and "직원49" in first and "직원50" not in first and 'rel="next"' in first
    assert "직원50" in second and 'rel="prev"' in second
    assert client.get("/admin/push?page=99999999999999999999").status_code == 200


def test_announcement_through_the_runtime(client, login, org, subscribed, job_worker, push_service):
    kim, park = subscribed(org["kim"]), subscribed(org["park"])
    token = _admin(client, login)
    response = client.post("/admin/push/send", data={
        "csrf_token": token, "title": "교통정책과 회의 안내", "body": "15시 3층 회의실", "url": "/inbox",
        "urgency": "high", "scope": "departments", "departments": [str(org["traffic"].id)]})
    assert response.status_code == 303
    message = db.session.scalar(select(PushMessage))
    assert message.audience == {"all": False, "departments": [org["traffic"].id], "groups": [], "users": []}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(PushMessage, message.id).sent == 1:
            break
        time.sleep(0.05)
    received = httpx.get(f"{push_service.base}/_sim/received").json()["received"]
    assert [r["endpoint"] for r in received] == [kim["endpoint"]] and park["endpoint"] not in str(received)
    assert received[0]["urgency"] == "high" and received[0]["payload"]["title"] == "교통정책과 회의 안내"
    page = client.get("/admin/push").get_data(as_text=True)
    row = re.sub(r">\s+<", "><", page.split('id="push-messages"', 1)[1].split("</table>", 1)[0])
    assert f"#{message.id} 교통정책과 회의 안내</th>" in row
    assert "<td>2</td><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td>" in row
    assert 'id="push-chart"' in page and "<svg" in page


def test_group_audience(client, login, org):
    group = StaffGroup(name="재난대응반")
    db.session.add(group)
    db.session.flush()
    db.session.add(StaffGroupMember(group_id=group.id, user_id=org["lee"].id))
    db.session.commit()
    token = _admin(client, login)
    client.post("/admin/push/send", data={"csrf_token": token, "title": "비상 소집", "urgency": "high",
                                          "scope": "groups", "groups": [str(group.id)]})
    assert db.session.scalar(select(PushMessage.audience))["groups"] == [group.id]
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "push.fanout")) == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": ""}, "제목을 입력하세요."),
    ({"title": "가" * 121}, "자까지 쓸 수 있습니다"),
    ({"url": "https://evil.example/"}, "이 포털 안의 경로"),
    ({"url": "//evil.example/"}, "이 포털 안의 경로"),
    ({"urgency": "now"}, "긴급도를 고르세요."),
    ({"scope": "departments"}, "보낼 부서를 하나 이상 고르세요."),
    ({"scope": "departments", "departments": ["99999"]}, "보낼 부서를 하나 이상 고르세요."),
    ({"scope": "groups", "groups": ["x"]}, "보낼 그룹을 하나 이상 고르세요."),
    ({"scope": "everyone"}, "받는 사람을 고르세요."),
])
def test_bad_forms_are_refused_in_korean(client, login, org, fields, message):
    token = _admin(client, login)
    data = {"csrf_token": token, "title": "공지", "url": "/inbox", "urgency": "normal", "scope": "all", **fields}
    response = client.post("/admin/push/send", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PushMessage)) == 0

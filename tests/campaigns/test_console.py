"""The campaign console: create, edit, schedule, pause/resume/archive; admins manage all, a department's
admin their own; CSRF; audited; bad input answered in Korean next to its field, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.lettering.campaign_edit import link_allowed, youtube_id
from core.lettering.campaigns import active_campaign_for
from core.models.accounts import AuditLog
from core.models.lettering import Campaign
from core.timeutil import utcnow
from extensions import db
from tests.conftest import csrf_token_from

NEW = "/admin/lettering/campaigns/new"


@pytest.fixture
def users(make_user, departments):
    make_user("boss", role="admin")
    make_user("safety_admin", role="dept_admin", department_id=departments["안전총괄과"].id)
    make_user("tax_admin", role="dept_admin", department_id=departments["세정과"].id)
    make_user("clerk", role="staff", department_id=departments["안전총괄과"].id)


def _form(csrf: str, **fields) -> dict:
    data = {"csrf_token": csrf, "title": "겨울철 안전 캠페인", "summary": "눈길 안전 수칙", "youtube": "",
            "link_label": ["행정안전부 국민재난안전포털"], "link_url": ["https://www.safekorea.go.kr/"],
            "starts_on": "", "ends_on": "", "hour_from": "", "hour_until": "", "priority": "0",
            "target": "all"}
    data.update(fields)
    return data


def _csrf(client) -> str:
    return csrf_token_from(client.get(NEW).get_data(as_text=True))


@pytest.mark.parametrize(("value", "expected"), [
    ("M7lc1UVf-VE", "M7lc1UVf-VE"), ("https://www.youtube.com/watch?v=M7lc1UVf-VE&t=10", "M7lc1UVf-VE"),
    ("https://youtu.be/M7lc1UVf-VE?si=x", "M7lc1UVf-VE"), ("youtube.com/shorts/M7lc1UVf-VE", "M7lc1UVf-VE"),
    ("https://www.youtube-nocookie.com/embed/M7lc1UVf-VE", "M7lc1UVf-VE"),
    ("https://m.youtube.com/watch?v=M7lc1UVf-VE", "M7lc1UVf-VE"),
    ("M7lc1UVf-V", None), ("M7lc1UVf-VE1", None), ("https://evil.example/watch?v=M7lc1UVf-VE", None),
    ("javascript:alert(1)", None), ("https://youtube.com/watch?v=<script>", None), ("", None),
])
def test_youtube_ids(value, expected):
    assert youtube_id(value) == expected


@pytest.mark.parametrize(("url", "ok"), [
    ("https://www.goyang.go.kr/", True), ("/verify", True), ("http://127.0.0.1:5000/p/x", True),
    ("http://www.goyang.go.kr/", False), ("javascript:alert(1)", False), ("//evil.example/", False),
    ("https://user:pw@evil.example/", False), ("ftp://x.example/", False), ("data:text/html,hi", False),
])
def test_links(url, ok):
    assert link_allowed(url, "http://127.0.0.1:5000") is ok


def test_admin_creates_schedules_and_the_rule_picks_it(client, login, users, lines, departments, clock):
    clock.set_kst(2026, 12, 7, 10)  # a Monday
    login("boss")
    csrf = _csrf(client)
    answer = client.post(NEW, data=_form(csrf, youtube="https://youtu.be/M7lc1UVf-VE", starts_on="2026-12-01",
                                         ends_on="2027-02-28", weekday=["0", "1", "2", "3", "4"], hour_from="9",
                                         hour_until="18", priority="5", target="departments",
                                         department=[str(departments["안전총괄과"].id)]))
    assert answer.status_code == 303
    item = db.session.scalar(select(Campaign))
    assert item.status == "paused" and item.youtube_id == "M7lc1UVf-VE" and item.priority == 5
    assert item.weekdays == [0, 1, 2, 3, 4] and (item.hour_from, item.hour_until) == (9, 18)
    assert [d.name for d in item.departments] == ["안전총괄과"]
    assert active_campaign_for(db.session, lines[0], utcnow()) is None   # paused until started
    detail = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "월, 화, 수, 목, 금" in detail and "09:00 ~ 18:00" in detail
    assert "2026-12-01 ~ 2027-02-28" in detail   # the last day as entered, not the exclusive end's midnight
    assert "2026-12-01 ~ 2027-02-28" in client.get("/admin/lettering/campaigns").get_data(as_text=True)
    assert client.post(f"/admin/lettering/campaigns/{item.id}/status",
                       data={"csrf_token": csrf, "action": "resume"}).status_code == 303
    db.session.expire_all()
    assert active_campaign_for(db.session, lines[0], utcnow()).id == item.id
    assert active_campaign_for(db.session, lines[1], utcnow()) is None   # 세정과 is not targeted
    # the edit form shows the stored values, the end date inclusive
    form = client.get(f"/admin/lettering/campaigns/{item.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-01"' in form and 'value="2027-02-28"' in form and 'value="M7lc1UVf-VE"' in form
    client.post(f"/admin/lettering/campaigns/{item.id}/status", data={"csrf_token": csrf, "action": "pause"})
    client.post(f"/admin/lettering/campaigns/{item.id}/status", data={"csrf_token": csrf, "action": "archive"})
    db.session.expire_all()
    assert db.session.get(Campaign, item.id).status == "archived"
    assert "겨울철 안전 캠페인" not in client.get("/admin/lettering/campaigns").get_data(as_text=True)
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))
               if a.action.startswith("lettering.campaign")]
    assert actions == ["lettering.campaign.create", "lettering.campaign.resume", "lettering.campaign.pause",
                       "lettering.campaign.archive"]


def test_bad_input_gets_korean_reasons_not_500(client, login, users):
    login("boss")
    csrf = _csrf(client)
    answer = client.post(NEW, data=_form(csrf, title=" ", youtube="https://vimeo.com/123", starts_on="2026-13-01",
                                         ends_on="어제", hour_from="25", priority="abc",
                                         link_label=["", "좋은 링크"], link_url=["https://a.example/", "javascript:x"],
                                         target="departments"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for text in ("제목을 입력해 주세요", "유튜브 영상 주소나 11자리 영상 ID가 아닙니다", "1번째 링크에 이름을 붙여",
                 "2번째 링크는 https://", "시작일은", "종료일은", "시작 시각은 0부터 24 사이", "우선순위는",
                 "대상 부서를 하나 이상"):
        assert text in html, text
    assert db.session.scalar(select(Campaign)) is None
    # hostile sizes and shapes are refused, not crashed on
    big = client.post(NEW, data=_form(csrf, title="x" * 5000, department=["9" * 40, "-1", "abc"],
                                      target="departments", weekday=["9", "x"], priority="9" * 30))
    assert big.status_code == 422
    assert client.post(NEW, data=_form("bad-token")).status_code == 400


def test_department_admin_manages_only_their_own(client, app, login, users, departments):
    login("safety_admin")
    csrf = _csrf(client)
    # a department admin may not target all lines or another department
    refused = client.post(NEW, data=_form(csrf, target="all"))
    assert refused.status_code == 422 and "자기 부서만" in refused.get_data(as_text=True)
    other = client.post(NEW, data=_form(csrf, target="departments", department=[str(departments["세정과"].id)]))
    assert other.status_code == 422
    ok = client.post(NEW, data=_form(csrf, target="departments", department=[str(departments["안전총괄과"].id)]))
    assert ok.status_code == 303
    own = db.session.scalar(select(Campaign))
    assert own.owner_department_id == departments["안전총괄과"].id
    city = Campaign(token="city1", title="시 전체 캠페인", status="active")
    db.session.add(city)
    db.session.commit()
    assert client.get(f"/admin/lettering/campaigns/{city.id}/edit").status_code == 404
    assert client.post(f"/admin/lettering/campaigns/{city.id}/status",
                       data={"csrf_token": csrf, "action": "pause"}).status_code == 404
    tax = app.test_client()
    login("tax_admin", test_client=tax)
    assert tax.get(f"/admin/lettering/campaigns/{own.id}/edit").status_code == 404
    assert tax.get(f"/admin/lettering/campaigns/{own.id}").status_code == 200   # reading is fine
    staff = app.test_client()
    login("clerk", test_client=staff)
    assert staff.get(NEW).status_code == 403
    boss = app.test_client()
    login("boss", test_client=boss)
    assert boss.get(f"/admin/lettering/campaigns/{own.id}/edit").status_code == 200

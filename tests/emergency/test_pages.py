"""The pages through the real app: the members' page (tel:, sms: chunks), starting a call-out from the form,
answering with htmx (CSRF), the board's polling partial (Vary: HX-Request), closing, the CSV, the console's
group form, the offline copy, and bad or random input answered in Korean, never with a 500."""
from __future__ import annotations

import random
import string

import pytest
from sqlalchemy import select

from core.models.emergency import EmergencyCallout, EmergencyGroup
from extensions import db
from tests.conftest import csrf_token_from


def _signed_in(app, login, username):
    client = app.test_client()
    login(username, test_client=client)
    return client, csrf_token_from(client.get("/emergency").get_data(as_text=True))


def test_members_page_lists_numbers_and_text_links(app, login, group, people):
    client, _ = _signed_in(app, login, "kim")
    page = client.get("/emergency")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    assert "재난대응 1조" in html and 'href="tel:+82105550000' in html
    assert 'href="sms:+821055500001,+821055500002,+821055500003"' in html
    data = client.get("/emergency/offline.json").get_json()
    assert [m["name"] for m in data["groups"][0]["members"]] == ["김민준", "이서연", "박지호"]
    assert data["groups"][0]["members"][0]["deputy"]["name"] == "정하늘"
    outsider, _ = _signed_in(app, login, "admin")
    assert outsider.get("/emergency/offline.json").get_json() == {"groups": []}


def test_a_callout_from_the_form_answered_with_htmx_and_watched_on_the_board(app, login, group, people):
    boss, token = _signed_in(app, login, "boss")
    assert boss.get(f"/emergency/groups/{group.id}").status_code == 200
    response = boss.post(f"/emergency/groups/{group.id}/callouts", data={
        "csrf_token": token, "message": "정전 대응 집결", "escalation_minutes": "7", "drill": "1"})
    assert response.status_code == 302
    callout = db.session.scalars(select(EmergencyCallout)).one()
    assert callout.drill and callout.escalation_minutes == 7
    kim, kim_token = _signed_in(app, login, "kim")
    page = kim.get(f"/emergency/callouts/{callout.id}").get_data(as_text=True)
    assert "훈련" in page and "정전 대응 집결" in page and 'value="available"' in page
    assert kim.post(f"/emergency/callouts/{callout.id}/answer", data={"answer": "ack"}).status_code == 400  # no CSRF
    answered = kim.post(f"/emergency/callouts/{callout.id}/answer",
                        data={"answer": "available", "csrf_token": kim_token}, headers={"HX-Request": "true"})
    assert answered.status_code == 200 and "응답: 출동 가능" in answered.get_data(as_text=True)
    assert "HX-Request" in answered.headers["Vary"]
    assert kim.get(f"/emergency/callouts/{callout.id}/board").status_code == 404      # members do not see the board
    board = boss.get(f"/emergency/callouts/{callout.id}/board")
    assert 'hx-trigger="every 3s"' in board.get_data(as_text=True)
    live = boss.get(f"/emergency/callouts/{callout.id}/board?live=1", headers={"HX-Request": "true"})
    html = live.get_data(as_text=True)
    assert "<html" not in html and "호출 3명 · 응답 1명" in html and "출동 가능" in html
    assert "HX-Request" in live.headers["Vary"]
    assert boss.post(f"/emergency/callouts/{callout.id}/close", data={"csrf_token": token}).status_code == 302
    csv_response = boss.get(f"/emergency/callouts/{callout.id}/report.csv")
    assert csv_response.mimetype == "text/csv" and "emergency-drill-" in csv_response.headers["Content-Disposition"]
    assert "훈련" in csv_response.get_data().decode("utf-8-sig")
    late = kim.post(f"/emergency/callouts/{callout.id}/answer", data={"answer": "ack", "csrf_token": kim_token},
                    headers={"HX-Request": "true"})
    assert late.status_code == 400 and "이미 종료된 비상소집입니다." in late.get_data(as_text=True)
    stranger, _ = _signed_in(app, login, "choi")
    assert stranger.get(f"/emergency/callouts/{callout.id}").status_code == 404


def test_console_creates_a_group_from_the_member_text(app, login, people):
    admin, token = _signed_in(app, login, "admin")
    assert admin.get("/admin/emergency/groups/new").status_code == 200
    response = admin.post("/admin/emergency/groups/new", data={
        "csrf_token": token, "name": "재난대응 2조", "description": "", "pinned": "1", "managers": "boss",
        "members": "kim@goyang.go.kr | 총괄 | 정하늘\n이서연 | 기록\n"})
    assert response.status_code == 302
    saved = db.session.scalars(select(EmergencyGroup)).one()
    assert [(m.person.name, m.role) for m in saved.members] == [("김민준", "총괄"), ("이서연", "기록")]
    listing = admin.get("/admin/emergency/groups").get_data(as_text=True)
    assert "재난대응 2조" in listing
    bad = admin.post(f"/admin/emergency/groups/{saved.id}", data={
        "csrf_token": token, "name": "재난대응 2조", "members": "없는사람", "managers": ""})
    assert bad.status_code == 400 and "1번째 줄: ‘없는사람’ 직원을 찾을 수 없습니다." in bad.get_data(as_text=True)
    staff, _ = _signed_in(app, login, "kim")
    assert staff.get("/admin/emergency/groups/new").status_code == 404
    assert staff.get(f"/admin/emergency/groups/{saved.id}").status_code == 404


def test_bad_callout_form_is_a_korean_error(app, login, group, people):
    boss, token = _signed_in(app, login, "boss")
    response = boss.post(f"/emergency/groups/{group.id}/callouts", data={
        "csrf_token": token, "message": "집결", "escalation_minutes": "열"})
    assert response.status_code == 400
    assert "대리인 호출 시간은 1분에서 120분 사이로 정해 주세요." in response.get_data(as_text=True)


def _noise(rng: random.Random) -> str:
    alphabet = string.printable + "가나다라|=+-@\u0000\u202e𝕏"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))


@pytest.mark.parametrize("seed", range(3))
def test_fuzzed_forms_never_500(app, login, group, people, seed):
    rng = random.Random(seed)
    admin, token = _signed_in(app, login, "admin")
    for _ in range(15):
        for url, fields in ((f"/admin/emergency/groups/{group.id}", ("name", "description", "members", "managers")),
                            ("/admin/emergency/groups/new", ("name", "members", "managers", "pinned")),
                            (f"/emergency/groups/{group.id}/callouts", ("message", "escalation_minutes", "drill"))):
            data = {name: _noise(rng) for name in fields} | {"csrf_token": token}
            assert admin.post(url, data=data).status_code in (200, 302, 400), (url, data)
    callout = db.session.scalars(select(EmergencyCallout).limit(1)).first()
    if callout is not None:
        kim, kim_token = _signed_in(app, login, "kim")
        for _ in range(10):
            status = kim.post(f"/emergency/callouts/{callout.id}/answer",
                              data={"answer": _noise(rng), "csrf_token": kim_token}).status_code
            assert status in (302, 404)


def test_home_shows_my_pinned_group_and_the_open_callout(app, login, group, people):
    from core.emergency import callouts

    kim, _ = _signed_in(app, login, "kim")
    html = kim.get("/").get_data(as_text=True)
    assert "home-emergency" in html and "재난대응 1조" in html and "응답해 주세요" not in html
    callout = callouts.start(db.session, people["users"]["boss"], group, message="집결", drill=True,
                             escalation_minutes=5)
    db.session.commit()
    html = kim.get("/").get_data(as_text=True)
    assert f'href="/emergency/callouts/{callout.id}"' in html and "비상소집: 재난대응 1조 — 응답해 주세요" in html
    outsider, _ = _signed_in(app, login, "admin")
    assert "home-emergency" not in outsider.get("/").get_data(as_text=True)

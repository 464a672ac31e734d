"""The roster's edits and conflicts, the feed parsed back with icalendar, token rotation, reminders, swaps."""
from __future__ import annotations

from datetime import date, time

import icalendar
import pytest
from sqlalchemy import select

from core.duty import feed, home_context, jobs, roster, swaps
from core.duty.roster import DutyError
from core.models.duty import Duty
from core.models.push import PushMessage
from extensions import db


def _messages() -> list[PushMessage]:
    return list(db.session.scalars(select(PushMessage).order_by(PushMessage.id)))


@pytest.fixture
def people(directory, make_user):
    """Two colleagues of 민원여권과 with accounts, and their department admin."""
    a, b = directory["staff5021@example.go.kr"], directory["staff5024@example.go.kr"]
    users = {"a": make_user("mi", person_id=a.id, department_id=a.department_id, display_name=a.name),
             "b": make_user("jin", person_id=b.id, department_id=b.department_id, display_name=b.name),
             "boss": make_user("boss", role="dept_admin", department_id=a.department_id)}
    return a, b, users


def test_conflicts_refused_in_korean(app, people, clock):
    clock.set_kst(2026, 12, 1, 9)
    a, _b, _ = people
    starts, ends = roster.span(date(2027, 1, 4), time(9), time(18))
    roster.add(db.session, person_id=a.id, kind="당직(일직)", starts=starts, ends=ends, department_id=a.department_id)
    with pytest.raises(DutyError, match="같은 시간에 이미 근무"):
        s2, e2 = roster.span(date(2027, 1, 4), time(17), time(20))
        roster.add(db.session, person_id=a.id, kind="비상근무", starts=s2, ends=e2, department_id=a.department_id)
    with pytest.raises(DutyError, match="근무자가 없습니다"):
        roster.add(db.session, person_id=0, kind="비상근무", starts=starts, ends=ends, department_id=a.department_id)
    # back to back is no overlap
    s3, e3 = roster.span(date(2027, 1, 4), time(18), time(9))
    roster.add(db.session, person_id=a.id, kind="당직(숙직)", starts=s3, ends=e3, department_id=a.department_id)


def test_feed_uid_sequence_cancelled_vtimezone(app, people, clock, client):
    clock.set_kst(2026, 12, 1, 9)
    a, _b, users = people
    starts, ends = roster.span(date(2027, 1, 4), time(9), time(18))
    duty = roster.add(db.session, person_id=a.id, kind="당직(일직)", starts=starts, ends=ends,
                      department_id=a.department_id, place="시청 당직실")
    other = roster.add(db.session, person_id=a.id, kind="비상근무", starts=starts.replace(day=5),
                       ends=ends.replace(day=5), department_id=a.department_id)
    token = feed.rotate(db.session, users["a"].id)
    db.session.commit()

    def parsed():
        answer = client.get(f"/duty/feed/{token}.ics")
        assert answer.status_code == 200 and answer.mimetype == "text/calendar"
        assert "max-age" in answer.headers["Cache-Control"]
        cal = icalendar.Calendar.from_ical(answer.data)
        assert cal["X-WR-TIMEZONE"] == "Asia/Seoul" and cal["X-WR-CALNAME"]
        assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Seoul"]
        return {str(e["UID"]): e for e in cal.walk("VEVENT")}

    first = parsed()
    assert set(first) == {duty.uid, other.uid}
    event = first[duty.uid]
    assert int(event["SEQUENCE"]) == 0 and event["DTSTAMP"] and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART").hour == 9 and str(event["DTSTART"].params["TZID"]) == "Asia/Seoul"
    roster.change(db.session, duty, starts=starts.replace(hour=1), ends=ends)   # 10:00 KST
    roster.remove(db.session, other)
    db.session.commit()
    second = parsed()
    assert int(second[duty.uid]["SEQUENCE"]) == 1 and second[duty.uid].decoded("DTSTART").hour == 10
    assert str(second[other.uid]["STATUS"]) == "CANCELLED" and int(second[other.uid]["SEQUENCE"]) == 1

    new = feed.rotate(db.session, users["a"].id)
    db.session.commit()
    assert client.get(f"/duty/feed/{token}.ics").status_code == 404
    assert client.get(f"/duty/feed/{new}.ics").status_code == 200
    assert client.get("/duty/feed/x.ics").status_code == 404


def test_reminder_at_18_kst_and_change_notice(app, people, clock):
    a, b, _ = people
    clock.set_kst(2026, 12, 20, 9)
    starts, ends = roster.span(date(2027, 1, 4), time(9), time(18))
    duty = roster.add(db.session, person_id=a.id, kind="당직(일직)", starts=starts, ends=ends,
                      department_id=a.department_id)
    db.session.commit()
    assert _messages() == []                                   # more than 7 days ahead: no notice
    clock.set_kst(2027, 1, 1, 10)
    roster.change(db.session, duty, person_id=b.id)            # within 7 days: both told at once
    db.session.commit()
    assert [m.title for m in _messages()] == ["근무가 변경되었습니다"]
    clock.set_kst(2027, 1, 3, 17, 59)
    settings = dict(app.config)
    assert jobs.remind_due(db.session, settings) == 0
    clock.set_kst(2027, 1, 3, 18, 0)
    assert jobs.remind_due(db.session, settings) == 1
    assert jobs.remind_due(db.session, settings) == 0          # once
    assert _messages()[-1].title.startswith("내일 근무")
    settings["DUTY_REMINDER_AT"] = "20:30"
    clock.set_kst(2027, 1, 3, 19)
    roster.change(db.session, duty, note="바뀜")
    db.session.commit()
    assert jobs.remind_due(db.session, settings) == 0


def test_swap_through_all_states(app, people, clock):
    clock.set_kst(2026, 12, 1, 9)
    a, b, users = people
    starts, ends = roster.span(date(2026, 12, 3), time(9), time(18))
    duty = roster.add(db.session, person_id=a.id, kind="당직(일직)", starts=starts, ends=ends,
                      department_id=a.department_id)
    db.session.commit()
    before = len(_messages())
    with pytest.raises(DutyError):
        swaps.offer(db.session, users["b"], duty, b.id)       # not b's duty
    swap = swaps.offer(db.session, users["a"], duty, b.id)
    with pytest.raises(DutyError):
        swaps.decide(db.session, users["boss"], swap, True)   # not yet accepted
    swaps.answer(db.session, users["b"], swap, True)
    swaps.decide(db.session, users["boss"], swap, True)
    db.session.commit()
    assert swap.state == "approved" and duty.person_id == b.id and duty.sequence == 1
    titles = [m.title for m in _messages()[before:]]
    assert titles == ["근무 교대 요청이 왔습니다", "교대 요청이 수락되었습니다", "근무 교대 승인 요청",
                      "근무 교대가 승인되었습니다"]
    back = swaps.offer(db.session, users["b"], duty, a.id)
    swaps.answer(db.session, users["a"], back, True)
    swaps.decide(db.session, users["boss"], back, False, "안 됨")
    assert back.state == "declined" and duty.person_id == b.id
    assert home_context(db.session, users["b"])["next_duty"].id == duty.id


def test_pages_and_roles(app, people, clock, client, login):
    clock.set_kst(2026, 12, 1, 9)
    a, b, _users = people
    starts, ends = roster.span(date(2026, 12, 1), time(9), time(18))
    duty = roster.add(db.session, person_id=a.id, kind="당직(일직)", starts=starts, ends=ends,
                      department_id=a.department_id, place="시청 당직실")
    db.session.commit()
    login("mi")
    page = client.get("/duty").get_data(as_text=True)
    assert "당직(일직)" in page and "주소 새로 만들기" in page
    assert client.get("/admin/duty").status_code in (302, 403)
    from tests.conftest import csrf_token_from
    token = csrf_token_from(page)
    client.post("/duty/feed/rotate", data={"csrf_token": token})
    page = client.get("/duty").get_data(as_text=True)
    assert "webcal://" in page and ".ics" in page
    boss = app.test_client()
    login("boss", test_client=boss)
    grid = boss.get("/admin/duty?month=2026-12").get_data(as_text=True)
    assert "당직(일직)" in grid
    token = csrf_token_from(grid)
    bad = boss.post("/admin/duty/add", data={"csrf_token": token, "day": "2026-12-01", "start": "10:00",
                                             "end": "11:00", "kind": "비상근무", "person_id": str(a.id)},
                    follow_redirects=True)
    assert bad.status_code == 200 and "같은 시간에 이미 근무" in bad.get_data(as_text=True)
    junk = boss.post("/admin/duty/add", data={"csrf_token": token, "day": "x", "start": "99", "end": "",
                                              "kind": "", "person_id": "zz"}, follow_redirects=True)
    assert junk.status_code == 200 and "확인해 주세요" in junk.get_data(as_text=True)
    none = boss.post("/admin/duty/add", data={"csrf_token": token, "day": "2026-12-02", "start": "09:00",
                                              "end": "18:00", "kind": "비상근무"}, follow_redirects=True)
    assert "근무자가 없습니다" in none.get_data(as_text=True)
    moved = boss.post(f"/admin/duty/{duty.id}/move", data={"csrf_token": token, "day": "2026-12-01",
                                                           "start": "09:00", "end": "18:00",
                                                           "person_id": str(b.id)}, follow_redirects=True)
    assert moved.status_code == 200
    db.session.expire_all()
    assert db.session.get(Duty, duty.id).person_id == b.id
    boss.post(f"/admin/duty/{duty.id}/remove", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Duty, duty.id).cancelled_at is not None


def test_swap_over_http_and_feed_limits(app, people, clock, client, login):
    from tests.conftest import csrf_token_from
    clock.set_kst(2026, 12, 1, 9)
    a, b, users = people
    starts, ends = roster.span(date(2026, 12, 5), time(9), time(18))
    duty = roster.add(db.session, person_id=a.id, kind="당직(일직)", starts=starts, ends=ends,
                      department_id=a.department_id)
    db.session.commit()
    mine, theirs, boss = client, app.test_client(), app.test_client()
    login("mi", test_client=mine)
    login("jin", test_client=theirs)
    login("boss", test_client=boss)

    def post(c, path, **data):
        token = csrf_token_from(c.get("/duty").get_data(as_text=True))
        return c.post(path, data={"csrf_token": token, **data}, follow_redirects=True)

    offered = post(mine, f"/duty/{duty.id}/swap", to_person_id=str(b.id))
    assert "교대 요청을 보냈습니다" in offered.get_data(as_text=True)
    swap_id = swaps.for_user(db.session, users["b"])[0].id
    refused = post(boss, f"/duty/swaps/{swap_id}/approve")            # not accepted yet: a Korean message
    assert refused.status_code == 200 and "승인을 기다리는 교대 요청이 아닙니다" in refused.get_data(as_text=True)
    post(theirs, f"/duty/swaps/{swap_id}/accept")
    assert "승인" in boss.get("/admin/duty").get_data(as_text=True)
    post(boss, f"/duty/swaps/{swap_id}/approve", next="console")
    db.session.expire_all()
    assert db.session.get(Duty, duty.id).person_id == b.id

    old = feed.rotate(db.session, users["a"].id)
    db.session.commit()
    post(mine, "/duty/feed/rotate")                                   # the web's rotation kills the old URL
    assert client.get(f"/duty/feed/{old}.ics").status_code == 404
    codes = [client.get(f"/duty/feed/nothing{i}.ics").status_code for i in range(feed_rate_limit() + 1)]
    assert codes[-1] == 429


def feed_rate_limit() -> int:
    from blueprints.duty.feed import PER_MINUTE
    return PER_MINUTE


def test_home_partial(app, people, clock):
    from flask import render_template
    clock.set_kst(2026, 12, 1, 9)
    a, _b, users = people
    assert home_context(db.session, users["a"]) == {"next_duty": None}
    starts, ends = roster.span(date(2026, 12, 2), time(18), time(9))
    roster.add(db.session, person_id=a.id, kind="당직(숙직)", starts=starts, ends=ends, department_id=a.department_id)
    db.session.commit()
    with app.test_request_context("/"):
        html = render_template("duty/_home.html", **home_context(db.session, users["a"]))
    assert "다음 근무" in html and "12-02 18:00~09:00" in html and "당직(숙직)" in html

"""The console's lines list: bulk actions (move, message, disable/enable) refused line by line with reasons,
within the user's department, CSRF-protected and audited; and each line's live status (last dial, 7-day
lettering success rate, last error) from one grouped query for the page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.lettering.line_status import line_statuses
from core.models.accounts import AuditLog
from core.models.lettering import Line
from core.models.organization import Department, Person
from core.timeutil import utcnow
from extensions import db
from tests.conftest import csrf_token_from, statements_of

LIST = "/admin/lettering/lines"


@pytest.fixture
def users(make_user, departments):
    make_user("boss", role="admin")
    make_user("bus_admin", role="dept_admin", department_id=departments["대중교통과"].id)


def _post(client, data: dict):
    html = client.get(LIST).get_data(as_text=True)
    return client.post(f"{LIST}/bulk", data={"csrf_token": csrf_token_from(html), **data})


def _line(line_id: int) -> Line:
    db.session.expire_all()
    return db.session.get(Line, line_id)


def test_an_admin_moves_lines_and_a_clash_is_refused_with_its_reason(client, login, users, lines, departments):
    # 031-8075-9571 (대중교통과's line) is also a 대중교통과 member's direct line: it may not go to 세정과.
    db.session.add(Person(kind="staff", name="박버스", department_id=departments["대중교통과"].id,
                          phone="+823180759571"))
    extra = Line(number="+823180750001", extension="3099", department_id=departments["대중교통과"].id,
                 institution="고양특례시", department_name="대중교통과", message="안내")
    db.session.add(extra)
    db.session.commit()
    login("boss")
    answer = _post(client, {"action": "move", "scope": "selected", "line": [lines[0].id, extra.id],
                            "department": departments["세정과"].id})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "회선번호 031-8075-9571은(는) 디렉터리에서 다른 부서(대중교통과) 직원의 직통전화입니다." in page
    assert _line(extra.id).department_id == departments["세정과"].id and _line(extra.id).department_name == "세정과"
    assert _line(lines[0].id).department_id == departments["대중교통과"].id
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "lettering.lines.bulk"))
    assert entry.target == "move" and entry.detail["changed"] == 1 and entry.detail["refused"] == 1
    assert entry.detail["numbers"] == ["+823180750001"]


def test_a_department_admin_acts_only_on_their_own_lines(client, login, users, lines):
    login("bus_admin")
    assert _post(client, {"action": "move", "scope": "search", "department": "1"}).status_code == 403
    answer = _post(client, {"action": "message", "scope": "search", "message": "버스 노선 개편 안내입니다"})
    assert answer.status_code == 200
    assert _line(lines[0].id).message == "버스 노선 개편 안내입니다"
    assert _line(lines[1].id).message == "지방세 관련 안내 전화입니다"   # 세정과's: not in their search
    answer = _post(client, {"action": "disable", "scope": "selected", "line": [lines[1].id]})
    assert answer.status_code == 422 and _line(lines[1].id).active  # another department's line: not found


def test_a_long_message_is_refused_for_every_line_and_nothing_is_cut(client, login, users, lines):
    login("boss")
    answer = _post(client, {"action": "message", "scope": "search", "message": "가" * 65})
    assert answer.status_code == 422
    assert answer.get_data(as_text=True).count("안내문구는 64자 이하여야 합니다 (현재 65자).") == 2
    assert {_line(line.id).message for line in lines} == {"버스·택시 민원 안내 전화입니다",
                                                          "지방세 관련 안내 전화입니다"}


def test_disable_and_enable_and_a_clashing_line_stays_off(client, login, users, lines, departments):
    login("boss")
    ids = [line.id for line in lines]
    assert _post(client, {"action": "disable", "scope": "selected", "line": ids}).status_code == 200
    assert not any(_line(i).active for i in ids)
    db.session.add(Person(kind="staff", name="김세정", department_id=departments["세정과"].id, phone=lines[0].number))
    db.session.commit()
    page = _post(client, {"action": "enable", "scope": "selected", "line": ids}).get_data(as_text=True)
    assert "다른 부서(세정과)" in page
    assert not _line(ids[0]).active and _line(ids[1]).active


def test_bulk_actions_need_the_csrf_token_and_a_console_role(client, login, users, make_user, lines):
    login("boss")
    assert client.post(f"{LIST}/bulk", data={"action": "disable", "scope": "search"}).status_code == 400
    assert _line(lines[0].id).active
    make_user("clerk", role="staff")
    other = client.application.test_client()
    login("clerk", test_client=other)
    assert other.post(f"{LIST}/bulk", data={"action": "disable", "scope": "search"}).status_code in (400, 403)


def _calls(make_call, line, now):
    make_call(line, dialed_at=now - timedelta(days=9), lettering_status="failed", lettering_error="오래된 오류")
    make_call(line, dialed_at=now - timedelta(hours=3), lettering_status="accepted")
    make_call(line, dialed_at=now - timedelta(hours=2), lettering_status="failed",
              lettering_error="통신사 응답 시간 초과(2초)")
    make_call(line, dialed_at=now - timedelta(hours=1), lettering_status="unsupported_device")
    make_call(line, dialed_at=now - timedelta(minutes=30), lettering_status="opted_out")
    make_call(line, dialed_at=now - timedelta(minutes=5), lettering_status="incoming")


def test_each_lines_live_status(app, lines, make_call):
    now = utcnow()
    _calls(make_call, lines[0], now)
    statuses = line_statuses(db.session, [lines[0].id, lines[1].id], now)
    status = statuses[lines[0].id]
    assert (status.lettered, status.asked) == (1, 3)   # accepted of accepted + failed + unsupported, in 7 days
    assert status.error == "통신사 응답 시간 초과(2초)"
    assert abs((status.last_dial.replace(tzinfo=None) - (now - timedelta(minutes=30)).replace(tzinfo=None))
               .total_seconds()) < 1   # the incoming call is no dial
    assert lines[1].id not in statuses


def test_the_list_shows_the_status_with_one_query_for_the_page(client, login, users, lines, make_call,
                                                              departments):
    now = utcnow()
    for line in lines:
        _calls(make_call, line, now)
    login("boss")
    client.get(LIST)  # the session's first-request writes (last seen) are not the page's
    status, few = statements_of(client, LIST)
    page = client.get(LIST).get_data(as_text=True)
    assert status == 200 and "33%" in page and "(1/3)" in page and "통신사 응답 시간 초과(2초)" in page
    for n in range(20):
        line = Line(number=f"+82318075{2000 + n}", extension=str(5000 + n), department_id=departments["세정과"].id,
                    institution="고양특례시", department_name="세정과", message="안내")
        db.session.add(line)
        db.session.commit()
        _calls(make_call, line, now)
    status, many = statements_of(client, LIST)
    assert status == 200 and len(many) == len(few), many
    assert sum("calls" in s and "row_number" in s.lower() for s in many) == 1
    assert db.session.scalar(select(func.count(Department.id))) == 2

"""The lettering console: access by role, department scoping, lines, import with progress,
the dispatch log and call timeline, opt-outs entered by admins, dead-job retry."""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import jobs as queue
from core.lettering.optout import is_opted_out
from core.models.accounts import AuditLog
from core.models.calls import CallEvent, CallLog
from core.models.jobs import Job
from core.models.lettering import Line, OptOut
from core.models.tasks import TaskRun
from core.privacy import phone_hash
from core.timeutil import utcnow
from extensions import db
from tests.conftest import csrf_token_from

SAMPLE = Path(__file__).parent / "data" / "lines-sample.csv"  # a copy of samples/lines-sample.csv
PAGES = ["/admin/lettering/lines", "/admin/lettering/lines/new", "/admin/lettering/calls",
         "/admin/lettering/campaigns", "/admin/lettering/optouts", "/admin/lettering/stats"]
ADMIN_ONLY = ["/admin/lettering/lines/import", "/admin/lettering/jobs"]


@pytest.fixture
def users(make_user, departments):
    make_user("boss", role="admin")
    make_user("bus_admin", role="dept_admin", department_id=departments["대중교통과"].id)
    make_user("clerk", role="staff", department_id=departments["대중교통과"].id)


def test_access_by_role(client, login, users):
    for path in PAGES + ADMIN_ONLY:
        assert client.get(path).status_code == 302, path          # to the login page
    login("clerk")
    for path in PAGES + ADMIN_ONLY:
        assert client.get(path).status_code == 403, path
    client = client.application.test_client()
    login("bus_admin", test_client=client)
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    for path in ADMIN_ONLY:
        assert client.get(path).status_code == 403, path


def test_console_menu_lists_lettering_pages(client, login, users):
    login("boss")
    html = client.get("/admin/").get_data(as_text=True)
    for label in ("발신 기록", "레터링 통계", "회선", "캠페인", "수신 거부", "실패 작업"):
        assert label in html


def test_lines_list_search_and_department_scope(client, login, users, lines):
    login("bus_admin")
    html = client.get("/admin/lettering/lines").get_data(as_text=True)
    assert "031-8075-9571" in html and "031-8075-7159" not in html       # only their department
    assert client.get(f"/admin/lettering/lines/{lines[1].id}").status_code == 404
    client = client.application.test_client()
    login("boss", test_client=client)
    html = client.get("/admin/lettering/lines?q=7159").get_data(as_text=True)
    assert "031-8075-7159" in html and "031-8075-9571" not in html
    html = client.get("/admin/lettering/lines?q=세정").get_data(as_text=True)
    assert "031-8075-7159" in html
    partial = client.get("/admin/lettering/lines?q=3005", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "031-8075-9571" in partial and "1개 회선" in partial


def test_edit_line_enforces_64_characters(client, login, users, lines):
    login("bus_admin")
    url = f"/admin/lettering/lines/{lines[0].id}"
    html = client.get(url).get_data(as_text=True)
    # No maxlength: a browser would cut a longer paste silently (issue 11); the server refuses it instead.
    assert 'maxlength="64"' not in html and "버스·택시 민원 안내 전화입니다" in html
    form = {"csrf_token": csrf_token_from(html), "number": "031-8075-9571", "extension": "3005",
            "department": "대중교통과", "institution": "고양특례시", "message": "가" * 65, "logo_url": "",
            "active": "y"}
    bad = client.post(url, data=form)
    assert bad.status_code == 422 and "64자 이하여야 합니다 (현재 65자)" in bad.get_data(as_text=True)
    form["message"] = "버스 노선 개편 안내 전화입니다"
    good = client.post(url, data=form)
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(Line, lines[0].id).message == "버스 노선 개편 안내 전화입니다"
    # A dept_admin cannot move a line to another department.
    form["department"] = "세정과"
    assert client.post(url, data=form).status_code == 422
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "lettering.line.save")) == 1


def test_new_line_by_admin(client, login, users, departments):
    login("boss")
    html = client.get("/admin/lettering/lines/new").get_data(as_text=True)
    answer = client.post("/admin/lettering/lines/new", data={
        "csrf_token": csrf_token_from(html), "number": "031-8075-1212", "extension": "7777",
        "department": "세정과", "institution": "고양특례시", "message": "새 회선입니다", "active": "y"})
    assert answer.status_code == 302
    line = db.session.scalar(select(Line).where(Line.number == "+823180751212"))
    assert line.department_id == departments["세정과"].id and line.extension == "7777"


def _wait_task(task_id: int) -> TaskRun:
    for _ in range(200):
        db.session.expire_all()
        task = db.session.get(TaskRun, task_id)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError("import task did not finish")


def test_import_page_runs_with_progress_and_shows_report(job_worker, client, login, users):
    login("boss")
    html = client.get("/admin/lettering/lines/import").get_data(as_text=True)
    data = SAMPLE.read_bytes() + "bad-number,9,세정과,고양특례시,안내,\n".encode()
    answer = client.post("/admin/lettering/lines/import", data={
        "csrf_token": csrf_token_from(html), "file": (__import__("io").BytesIO(data), "lines.csv")},
        content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="task-' in page
    task_id = int(page.split('id="task-', 1)[1].split('"', 1)[0])
    task = _wait_task(task_id)
    assert task.status == "done", task.error
    assert task.result["added"] == 36 and task.result["rejected_count"] == 1
    progress = client.get(f"/admin/tasks/{task_id}").get_data(as_text=True)
    assert "거부된 행" in progress and "38" in progress and "형식이 올바르지 않습니다" in progress
    assert "every 1s" not in progress


def test_import_page_refuses_unreadable_file(client, login, users, lines):
    login("boss")
    html = client.get("/admin/lettering/lines/import").get_data(as_text=True)
    answer = client.post("/admin/lettering/lines/import", data={
        "csrf_token": csrf_token_from(html), "file": (__import__("io").BytesIO(b"PK\x03\x04junk"), "x.xlsx")},
        content_type="multipart/form-data")
    assert answer.status_code == 422 and "XLSX 파일을 열 수 없습니다" in answer.get_data(as_text=True)
    wrong_type = client.post("/admin/lettering/lines/import", data={
        "csrf_token": csrf_token_from(html), "file": (__import__("io").BytesIO(b"x"), "x.pdf")},
        content_type="multipart/form-data")
    assert wrong_type.status_code == 422 and "CSV 또는 XLSX" in wrong_type.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TaskRun.id))) == 0


def test_dispatch_log_filters_masks_and_scopes(client, login, users, lines, make_call):
    now = utcnow()
    make_call(lines[0], "+821011112222", lettering_status="accepted", outcome="answered")
    make_call(lines[0], "+821033334444", lettering_status="unsupported_device", outcome="missed",
              fallback_decision="send", fallback_reason="unsupported_device", alimtalk_status="delivered",
              alimtalk_result_code=0)
    make_call(lines[1], "+821055556666", lettering_status="accepted", outcome="missed")
    make_call(lines[0], "+821077778888", lettering_status="accepted", dialed_at=now - timedelta(days=3))
    login("bus_admin")
    html = client.get("/admin/lettering/calls").get_data(as_text=True)
    assert "010-****-2222" in html and "010-****-4444" in html and "010-****-8888" in html
    assert "010-****-6666" not in html                           # another department's call
    for full in ("1111", "3333", "5555", "7777"):
        assert f"010-{full}" not in html
    missed = client.get("/admin/lettering/calls?outcome=missed").get_data(as_text=True)
    assert "010-****-4444" in missed and "010-****-2222" not in missed
    lettered = client.get("/admin/lettering/calls?lettering=unsupported_device").get_data(as_text=True)
    assert "010-****-4444" in lettered and "010-****-2222" not in lettered and "미지원 단말" in lettered
    alim = client.get("/admin/lettering/calls?alimtalk=delivered").get_data(as_text=True)
    assert "010-****-4444" in alim and "010-****-2222" not in alim
    day = (now - timedelta(days=3)).astimezone(__import__("core.timeutil", fromlist=["KST"]).KST).date()
    old = client.get(f"/admin/lettering/calls?day={day.isoformat()}").get_data(as_text=True)
    assert "010-****-8888" in old and "010-****-2222" not in old
    assert client.get("/admin/lettering/calls?day=not-a-date&outcome=zzz&dept=abc").status_code == 200
    partial = client.get("/admin/lettering/calls?outcome=missed", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)


def test_dispatch_log_paginates_with_htmx(client, login, users, lines, make_call):
    for i in range(55):
        make_call(lines[0], f"+8210{2000 + i:04d}1234")
    login("boss")
    html = client.get("/admin/lettering/calls").get_data(as_text=True)
    assert html.count("010-****-1234") == 50 and "더 보기" in html
    more = client.get("/admin/lettering/calls?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert more.count("010-****-1234") == 5 and "더 보기" not in more


def test_call_timeline_shows_every_step_and_is_audited(client, login, users, lines, make_call):
    call = make_call(lines[0], "+821033334444", lettering_status="unsupported_device", outcome="missed",
                     carrier_request_id="r-123", fallback_decision="send", fallback_reason="unsupported_device",
                     alimtalk_status="delivered", alimtalk_result_code=0, receipt_status="not_displayed")
    now = utcnow()
    db.session.add_all([
        CallEvent(event_id="e1", call_id=call.call_id, type="dial", at=now, detail={"line": "3005"}),
        CallEvent(event_id="e2", call_id=call.call_id, type="missed", at=now, detail={}),
        CallLog(call_pk=call.id, at=now, kind="event", summary="발신 시작: 031-8075-9571 → 010-****-4444"),
        CallLog(call_pk=call.id, at=now, kind="carrier", summary="통신사 응답: 미지원 단말",
                detail={"http": 200, "status": "unsupported_device"}),
        CallLog(call_pk=call.id, at=now, kind="fallback", summary="알림톡 발송 결정"),
        CallLog(call_pk=call.id, at=now, kind="alimtalk", summary="알림톡 접수 (결과 코드 0)"),
        CallLog(call_pk=call.id, at=now, kind="receipt", summary="알림톡 전달 완료"),
    ])
    db.session.commit()
    login("bus_admin")
    html = client.get(f"/admin/lettering/calls/{call.id}").get_data(as_text=True)
    for text in ("통신사 응답: 미지원 단말", "알림톡 발송 결정", "레터링 미지원 단말", "전달됨", "r-123",
                 "표시 안 됨", "010-****-4444", "e1", "e2", "대체 발송 판단"):
        assert text in html, text
    assert "010-3333-4444" not in html and "현재 수신 거부 중" not in html
    db.session.add(OptOut(phone_hash=call.peer_hash, masked=call.peer_masked))
    db.session.commit()
    assert "현재 수신 거부 중" in client.get(f"/admin/lettering/calls/{call.id}").get_data(as_text=True)
    assert db.session.scalar(select(AuditLog.target).where(AuditLog.action == "lettering.call.view")) == call.call_id


def test_dept_admin_cannot_open_another_departments_call(client, login, users, lines, make_call):
    other = make_call(lines[1])
    login("bus_admin")
    assert client.get(f"/admin/lettering/calls/{other.id}").status_code == 404
    assert client.get("/admin/lettering/calls/999999").status_code == 404


def test_admin_enters_opt_out_by_number_hash_only_and_undoes(app, client, login, users):
    login("bus_admin")
    html = client.get("/admin/lettering/optouts").get_data(as_text=True)
    bad = client.post("/admin/lettering/optouts", data={"csrf_token": csrf_token_from(html), "number": "12ab"})
    assert bad.status_code == 422 and "형식이 올바르지 않습니다" in bad.get_data(as_text=True)
    ok = client.post("/admin/lettering/optouts", data={"csrf_token": csrf_token_from(html),
                                                        "number": "010-4321-8765"}, follow_redirects=True)
    page = ok.get_data(as_text=True)
    assert "010-****-8765" in page and "4321" not in page
    row = db.session.scalar(select(OptOut))
    hashed = phone_hash("+821043218765", app.config["PHONE_HASH_KEY"])
    assert row.phone_hash == hashed and row.source == "admin" and row.masked == "010-****-8765"
    stored = " ".join(str(v) for v in (row.phone_hash, row.masked, row.source))
    assert "4321" not in stored and "01043218765" not in stored
    found = client.get("/admin/lettering/optouts?find=01043218765").get_data(as_text=True)
    assert "010-****-8765" in found
    # Only an admin may undo.
    token = csrf_token_from(page)
    assert client.post(f"/admin/lettering/optouts/{row.id}/undo", data={"csrf_token": token}).status_code == 403
    client = app.test_client()
    login("boss", test_client=client)
    page = client.get("/admin/lettering/optouts").get_data(as_text=True)
    client.post(f"/admin/lettering/optouts/{row.id}/undo", data={"csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert not is_opted_out(db.session, hashed)
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("lettering.optout%"))))
    assert actions == {"lettering.optout.add", "lettering.optout.undo"}


def test_dead_job_retry_button(client, login, users):
    job = queue.enqueue(db.session, "lettering.dial", {"call_id": "c-dead-1"}, max_attempts=1)
    db.session.commit()
    claimed = queue.claim(db.session, "w-test", limit=1)
    assert claimed and claimed[0].id == job.id
    queue.fail(db.session, claimed[0], "w-test", "carrier 503")
    db.session.commit()
    login("boss")
    html = client.get("/admin/lettering/jobs").get_data(as_text=True)
    assert "c-dead-1" in html and "carrier 503" in html and "다시 실행" in html
    answer = client.post(f"/admin/lettering/jobs/{job.id}/retry", data={"csrf_token": csrf_token_from(html)},
                         follow_redirects=True)
    assert "다시 대기열에 넣었습니다" in answer.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(Job, job.id)
    assert again.status == "queued" and again.attempts == 0
    second = client.post(f"/admin/lettering/jobs/{job.id}/retry", data={"csrf_token": csrf_token_from(html)},
                         follow_redirects=True)
    assert "실패 상태가 아니어서" in second.get_data(as_text=True)


def test_campaign_and_template_pages(client, login, users, campaign):
    from core.demo.lettering import TEMPLATE_BODY, TEMPLATE_BUTTONS
    from core.models.lettering import AlimTalkTemplate

    db.session.add(AlimTalkTemplate(code="GY_MISSED_CALL", name="부재중 전화 안내", body=TEMPLATE_BODY,
                                    buttons=TEMPLATE_BUTTONS))
    db.session.commit()
    client.get("/p/bus2026")
    client.get("/p/bus2026/go/0")
    login("bus_admin")
    html = client.get("/admin/lettering/campaigns").get_data(as_text=True)
    assert "2026 고양 버스 노선 개편" in html and "GY_MISSED_CALL" in html and "#{안내문구}" in html
    assert "수신 거부" in html and "진행 중" in html
    detail = client.get(f"/admin/lettering/campaigns/{campaign.id}").get_data(as_text=True)
    assert "/p/bus2026" in detail and "https://www.goyang.go.kr/" in detail
    assert client.get("/admin/lettering/campaigns/9999").status_code == 404


def test_dispatch_log_live_mode_polls_latest_calls(client, login, users, lines, make_call):
    make_call(lines[0], "+821011112222")
    login("boss")
    html = client.get("/admin/lettering/calls?live=1&outcome=").get_data(as_text=True)
    tbody = html.split('id="call-rows"', 1)[1].split(">", 1)[0]
    assert 'hx-trigger="every 5s"' in tbody and "live=1" in tbody
    assert "실시간 보기 끄기" in html
    assert 'hx-trigger="every 5s"' not in client.get("/admin/lettering/calls").get_data(as_text=True)


def test_bad_input_never_gives_a_server_error(client, login, users, lines, campaign):
    login("boss")
    for path in ("/admin/lettering/lines?page=abc&dept=zz&q=%00%ff", "/admin/lettering/lines?page=-3&q=" + "9" * 500,
                 "/admin/lettering/calls?page=0&day=2026-13-45&lettering=<b>&alimtalk=%27",
                 "/admin/lettering/calls/abc", "/admin/lettering/lines/0", "/admin/lettering/optouts?find=%27;--",
                 "/admin/lettering/optouts?page=zz&all=maybe", "/admin/lettering/stats?days=-1&dept=-1",
                 "/admin/lettering/campaigns/0", "/p/" + "x" * 300, "/p/bus2026/go/99999999999999999999",
                 "/optout/%00", "/verify?n=%00%01", "/verify?n=" + "1" * 5000, "/p/%00", "/p/%00/go/0",
                 "/admin/lettering/calls?page=" + "9" * 40 + "&dept=" + "9" * 40,
                 "/admin/lettering/lines?page=" + "9" * 40 + "&dept=" + "9" * 30,
                 "/admin/lettering/optouts?page=" + "9" * 40, "/admin/lettering/stats?dept=" + "9" * 40,
                 "/admin/lettering/calls/" + "9" * 40, "/admin/lettering/lines/" + "9" * 40,
                 "/admin/lettering/campaigns/" + "9" * 40):
        assert client.get(path).status_code < 500, path
    html = client.get("/admin/lettering/optouts").get_data(as_text=True)
    token = csrf_token_from(html)
    assert client.post("/admin/lettering/optouts", data={"csrf_token": token, "number": "x" * 100}).status_code == 422
    assert client.post("/admin/lettering/jobs/424242/retry", data={"csrf_token": token}).status_code == 302
    assert client.post("/admin/lettering/optouts/424242/undo", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/lettering/lines/new", data={"csrf_token": token, "number": "zz",
                                                           "department": "없는 부서"}).status_code == 422
    assert client.post("/admin/lettering/jobs/" + "9" * 40 + "/retry", data={"csrf_token": token}).status_code == 404
    html = client.get(f"/admin/lettering/lines/{lines[0].id}").get_data(as_text=True)
    # A NUL byte is refused at the edge (web.wire) before the view: a 400, and nothing changes.
    saved = client.post(f"/admin/lettering/lines/{lines[0].id}", data={
        "csrf_token": token, "number": "031-8075-9571", "extension": "3005", "department": "대중교통과",
        "institution": "고양\x00특례시", "message": "안내\x00문구", "active": "y"})
    assert saved.status_code == 400
    db.session.expire_all()
    assert db.session.get(Line, lines[0].id).message == "버스·택시 민원 안내 전화입니다"

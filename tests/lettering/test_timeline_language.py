"""The call timeline and the fallback reasons in the reader's language: rows written by the real pipeline
(webhook, worker, simulators) and read back through the console by an English and a Korean admin."""
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from core.models.calls import CallLog
from core.timeutil import utcnow
from extensions import db
from tests.lettering.conftest import call_row, event, iphone_number, supported_number


def _page(app, login, username: str, path: str) -> str:
    client = app.test_client()
    login(username, test_client=client)
    response = client.get(path)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_timeline_of_a_missed_iphone_call_in_english_and_korean(app, post_events, drain, line, template, make_user,
                                                                  login):
    peer = iphone_number()
    post_events([event("c-1", "dial", peer=peer)])
    drain()
    post_events([event("c-1", "missed", peer=peer)])
    drain()
    call = call_row("c-1")
    assert (call.fallback_reason, call.alimtalk_status) == ("unsupported_device", "sent")
    make_user("boss_en", role="admin", locale="en")
    make_user("boss_ko", role="admin", locale="ko")
    masked = call.peer_masked

    english = _page(app, login, "boss_en", f"/admin/lettering/calls/{call.id}")
    for text in (f"Call started: 031-8075-1234 → {masked}",
                 "Phone does not support caller display (e.g. iPhone)",
                 "Missed (not answered)",
                 "Call state reported to the carrier: Missed",
                 "Fallback (AlimTalk) decided: Phone does not support caller display",
                 "AlimTalk accepted (awaiting delivery)"):
        assert text in english, text
    summaries = db.session.scalars(select(CallLog.summary).where(CallLog.call_pk == call.id)).all()
    assert len(summaries) == 6
    for summary in summaries:
        assert summary not in english, summary

    # Korean readers see exactly what was stored.
    korean = _page(app, login, "boss_ko", f"/admin/lettering/calls/{call.id}")
    for summary in summaries:
        assert summary in korean, summary
    assert "레터링 미지원 단말(예: 아이폰)" in korean and "Phone does not support" not in korean

    listing = _page(app, login, "boss_en", "/admin/lettering/calls")
    assert "(Phone does not support caller display)" in listing
    assert "(레터링 미지원 단말)" in _page(app, login, "boss_ko", "/admin/lettering/calls")


def test_without_an_approved_template_the_problem_reads_in_english(app, post_events, drain, line, make_user, login):
    peer = iphone_number()
    post_events([event("c-2", "dial", peer=peer), event("c-2", "missed", peer=peer)])
    drain()
    call = call_row("c-2")
    assert call.alimtalk_status == "template_error"
    make_user("boss_en", role="admin", locale="en")
    english = _page(app, login, "boss_en", f"/admin/lettering/calls/{call.id}")
    assert "No approved AlimTalk template" in english and "승인된 알림톡 템플릿이 없음" not in english


def test_rows_the_detail_cannot_render_show_the_stored_summary(app, line, make_user, login):
    """Rows written before the detail carried its parameters keep their Korean record; rows that name what
    happened only by their detail read in English."""
    from core.models.calls import Call

    call = Call(call_id="c-old", line_id=line.id, department_id=line.department_id, line_number=line.number,
                peer_masked="010-****-5678", lettering_status="failed")
    db.session.add(call)
    db.session.flush()
    now = utcnow()
    db.session.add_all([
        CallLog(call_pk=call.id, at=now, kind="event", summary="발신 시작: 031-8075-1234 → 010-****-5678",
                detail={"type": "dial", "event_id": "e-1"}),
        CallLog(call_pk=call.id, at=now, kind="event", summary="통화 종료 (7초)",
                detail={"type": "ended", "event_id": "e-2"}),
        CallLog(call_pk=call.id, at=now, kind="carrier", summary="레터링 작업이 재시도 한도를 넘어 중단됨",
                detail={"gave_up": True}),
        CallLog(call_pk=call.id, at=now, kind="alimtalk", summary="알림톡 보내지 않음: 발송 빈도 제한 초과",
                detail={"status": "dropped", "reason": "cap"}),
    ])
    db.session.commit()
    make_user("boss_en", role="admin", locale="en")
    english = _page(app, login, "boss_en", f"/admin/lettering/calls/{call.id}")
    assert "발신 시작: 031-8075-1234 → 010-****-5678" in english and "통화 종료 (7초)" in english
    assert "Caller display job stopped after too many retries" in english
    assert "AlimTalk not sent: Sending limit reached (per department, 24 hours)" in english


def test_a_carrier_failure_reads_in_the_readers_language(app, post_events, drain, sim, line, clock, make_user,
                                                         login):
    sim.configure(rate_5xx=1.0)
    post_events([event("c-40", "dial", peer=supported_number(), at=clock() - timedelta(seconds=30))])
    drain()
    sim.configure(rate_5xx=0.0)
    call = call_row("c-40")
    assert call.lettering_error == "통신사 일시 오류(HTTP 503)"   # the record stays Korean
    make_user("boss_en", role="admin", locale="en")
    make_user("boss_ko", role="admin", locale="ko")
    english = _page(app, login, "boss_en", f"/admin/lettering/calls/{call.id}")
    assert "Caller display request failed: Carrier temporarily unavailable (HTTP 503)" in english
    assert "통신사 일시 오류" not in english
    korean = _page(app, login, "boss_ko", f"/admin/lettering/calls/{call.id}")
    assert "레터링 요청 실패: 통신사 일시 오류(HTTP 503)" in korean

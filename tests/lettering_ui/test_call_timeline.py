"""A call's timeline in its true order, even within one second (issue 11): rows are ordered by their event's
own time (to the second, as providers stamp it), then by the step of the call's life, then by sequence. And a
receipt that exists always shows in the 수신 확인 row."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.models.calls import CallEvent, CallLog
from extensions import db

T0 = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)  # 10:00:00 KST


def _log(call, kind, at, summary, **detail):
    db.session.add(CallLog(call_pk=call.id, at=at, kind=kind, summary=summary, detail=detail))
    db.session.flush()


def _page(client, login, make_user, call) -> str:
    make_user("boss", role="admin")
    login("boss")
    answer = client.get(f"/admin/lettering/calls/{call.id}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _positions(html: str, *texts: str) -> list[int]:
    timeline = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return [timeline.index(text) for text in texts]


def test_rows_inserted_out_of_order_within_one_second_show_in_their_true_order(client, login, make_user, lines,
                                                                               make_call):
    call = make_call(lines[0], dialed_at=T0, receipt_status=None, alimtalk_status="delivered")
    # Inserted in the wrong order on purpose; several within the same second.
    _log(call, "event", T0 + timedelta(seconds=31), "통화 종료", type="ended", event_id="e4", seconds=None)
    _log(call, "event", T0 + timedelta(seconds=31), "부재중", type="missed", event_id="e3")
    # Kakao stamps whole seconds: its report (10:00:40) reads earlier than our acceptance (10:00:40.600).
    _log(call, "receipt", T0 + timedelta(seconds=40), "카카오 보고: 알림톡 전달 완료", status="DELIVERED",
         result_code=0, request_id="k1")
    _log(call, "alimtalk", T0 + timedelta(seconds=40, milliseconds=600), "알림톡 접수됨(전달 대기)", status="sent",
         code=0, request_id="k1")
    _log(call, "carrier", T0 + timedelta(milliseconds=700), "통신사 레터링 접수: 화면에 표시됨",
         status="accepted", request_id="r1", attempts=1)
    _log(call, "event", T0, "발신", type="dial", event_id="e1", line="031-8075-9571", peer="010-****-5678")
    _log(call, "receipt", T0, "통신사 보고: 통화 화면에 레터링 표시됨", status="displayed", request_id="r1")
    db.session.commit()
    html = _page(client, login, make_user, call)
    dial, accepted, displayed, missed, ended, sent, delivered = _positions(
        html, "kind-event", "kind-carrier", "통화 화면에 레터링 표시됨", "부재중", "통화 종료", "알림톡 접수됨",
        "알림톡 전달 완료")
    assert dial < accepted < displayed < missed < ended < sent < delivered
    # The 수신 확인 row shows both receipts, though the call's own column never got the carrier's.
    row = html.split("수신 확인</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert "표시됨" in row and "알림톡 전달 완료" in row and "10:00:40" in row


def test_pbx_events_in_their_true_order_within_one_second(client, login, make_user, lines, make_call):
    call = make_call(lines[0], dialed_at=T0)
    for event_id, kind in (("x-ended", "ended"), ("x-missed", "missed"), ("x-ringing", "ringing"),
                           ("x-dial", "dial")):
        db.session.add(CallEvent(event_id=event_id, call_id=call.call_id, type=kind, at=T0, received_at=T0,
                                 detail={}))
    db.session.commit()
    html = _page(client, login, make_user, call)
    table = html.split("PBX 이벤트</caption>", 1)[1]
    assert [table.index(f"x-{k}") for k in ("dial", "ringing", "missed", "ended")] == sorted(
        table.index(f"x-{k}") for k in ("dial", "ringing", "missed", "ended"))


def test_an_empty_receipt_row_says_so(client, login, make_user, lines, make_call):
    call = make_call(lines[0], dialed_at=T0)
    html = _page(client, login, make_user, call)
    assert "수신 확인</dt><dd><span class=\"muted\">아직 없음" in html

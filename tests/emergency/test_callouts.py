"""Call-outs: the fan-out through the real job runtime (urgent PushMessage + inbox entries), answers, the
escalation timing on the test clock (deputy after N minutes, then the next in the list), closing, the report
(median, slowest, never answered), the CSV (formula-safe), drills kept apart, and the audit rows."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.emergency import EmergencyError, callouts, home_context, report
from core.models.accounts import AuditLog
from core.models.push import InboxItem, PushMessage
from extensions import db
from tests.conftest import wait_db


def _start(group, people, drill=False, minutes=5, message="태풍 북상, 1시간 내 상황실 집결"):
    callout = callouts.start(db.session, people["users"]["boss"], group, message=message, drill=drill,
                             escalation_minutes=minutes)
    db.session.commit()
    return callout


def test_every_member_with_an_account_gets_an_urgent_push_and_an_inbox_entry(app, job_worker, group, people):
    callout = _start(group, people)
    message = db.session.scalars(select(PushMessage).where(PushMessage.source == "emergency")).one()
    assert (message.urgency, message.topic, message.url, message.source_id) == (
        "high", f"emergency-{callout.id}", f"/emergency/callouts/{callout.id}", callout.id)
    assert message.title == "비상소집 · 재난대응 1조" and message.body == "태풍 북상, 1시간 내 상황실 집결"
    u = people["users"]
    inbox = wait_db(lambda: set(db.session.scalars(select(InboxItem.user_id)
                                                 .where(InboxItem.message_id == message.id))) or None)
    assert inbox == {u["kim"].id, u["lee"].id, u["park"].id}
    # Every member is on the board, including one with no account (no push, but called and counted).
    assert [t.name for t in callout.targets] == ["김민준", "이서연", "박지호"]
    assert home_context(db.session, u["kim"])["emergency_open"] == [callout]


def test_answers_keep_the_first_time_and_refuse_strangers_and_closed_callouts(group, people, clock):
    u = people["users"]
    start = clock.set_kst(2026, 3, 2, 9, 0)
    callout = _start(group, people)
    clock.move_to(start + timedelta(seconds=40))
    target = callouts.answer(db.session, u["kim"], callout, "ack")
    clock.move_to(start + timedelta(seconds=90))
    callouts.answer(db.session, u["kim"], callout, "available", via="notification")
    db.session.commit()
    assert (target.answer, target.via) == ("available", "page")
    assert report.seconds_to_answer(target) == pytest.approx(40, abs=2)
    for user, value, message in ((u["choi"], "ack", "이 비상소집의 대상이 아닙니다."),
                                 (u["kim"], "maybe", "알 수 없는 응답입니다.")):
        with pytest.raises(EmergencyError) as caught:
            callouts.answer(db.session, user, callout, value)
        assert str(caught.value) == message
    with pytest.raises(EmergencyError, match="권한"):
        callouts.close(db.session, u["kim"], callout)
    callouts.close(db.session, u["boss"], callout)
    db.session.commit()
    with pytest.raises(EmergencyError, match="이미 종료된"):
        callouts.answer(db.session, u["lee"], callout, "ack")


@pytest.mark.parametrize(("fields", "message"), [
    ({"message": " "}, "소집 메시지를 입력해 주세요."),
    ({"message": "가" * 401}, "소집 메시지는 400자까지 쓸 수 있습니다."),
    ({"escalation_minutes": 0}, "대리인 호출 시간은 1분에서 120분 사이로 정해 주세요."),
    ({"escalation_minutes": 121}, "대리인 호출 시간은 1분에서 120분 사이로 정해 주세요."),
])
def test_bad_callouts_are_refused_in_korean(group, people, fields, message):
    args = {"message": "집결", "drill": False, "escalation_minutes": 5, **fields}
    with pytest.raises(EmergencyError) as caught:
        callouts.start(db.session, people["users"]["boss"], group, **args)
    assert str(caught.value) == message
    with pytest.raises(EmergencyError, match="권한"):
        callouts.start(db.session, people["users"]["kim"], group, message="집결", drill=False, escalation_minutes=5)


def test_escalation_goes_to_the_deputy_after_n_minutes_then_to_the_next_person(group, people, clock, run_due):
    u, p = people["users"], people["people"]
    start = clock.set_kst(2026, 3, 2, 9, 0)
    callout = _start(group, people, minutes=5)
    clock.move_to(start + timedelta(minutes=1))
    callouts.answer(db.session, u["lee"], callout, "available")       # 이서연 answers: no escalation for her
    db.session.commit()
    clock.move_to(start + timedelta(minutes=4, seconds=50))
    assert run_due() == 0                                               # nothing is due before N minutes
    clock.move_to(start + timedelta(minutes=5, seconds=1))
    assert run_due() == 3                                               # one job per member
    steps = [(e.for_name, e.step, e.to_name) for e in callout.escalations]
    # 김민준 → deputy 정하늘 (no account: called on the board, no push); 박지호 has no deputy → next in the
    # list, wrapping round to 김민준.
    assert sorted(steps) == [("김민준", "deputy", "정하늘"), ("박지호", "next", "김민준")]
    jung = next(t for t in callout.targets if t.person_id == p["jung"].id)
    assert (jung.reason, jung.role, jung.user_id) == ("deputy", "김민준 대리", None)
    pushes = db.session.scalars(select(PushMessage).where(PushMessage.source == "emergency")
                                .order_by(PushMessage.id)).all()
    assert len(pushes) == 2 and pushes[1].audience["users"] == [u["kim"].id]
    assert pushes[1].urgency == "high" and "박지호님이 응답하지 않아" in pushes[1].body
    # Step 2 of 김민준 comes N minutes after his deputy was called; 정하늘 has not answered either.
    clock.move_to(start + timedelta(minutes=9, seconds=50))
    assert run_due() == 0
    clock.move_to(start + timedelta(minutes=10, seconds=5))
    assert run_due() == 1
    assert [(e.for_name, e.step, e.to_name) for e in callout.escalations][-1] == ("김민준", "next", "이서연")
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "emergency.escalated").limit(1)) is not None


def test_no_escalation_once_answered_or_closed(group, people, clock, run_due):
    u = people["users"]
    start = clock.set_kst(2026, 3, 2, 22, 0)
    callout = _start(group, people, minutes=3)
    for key in ("kim", "lee"):
        callouts.answer(db.session, u[key], callout, "ack")
    callouts.close(db.session, u["boss"], callout)
    db.session.commit()
    clock.move_to(start + timedelta(minutes=3, seconds=5))
    assert run_due() == 3 and callout.escalations == []


def test_report_median_slowest_never_and_csv(group, people, clock):
    u = people["users"]
    start = clock.set_kst(2026, 3, 2, 9, 0)
    callout = _start(group, people, message="=HYPERLINK(\"http://evil\") 집결")
    for key, seconds in (("kim", 30), ("park", 150)):
        clock.move_to(start + timedelta(seconds=seconds))
        callouts.answer(db.session, u[key], callout, "unavailable" if key == "park" else "available")
    clock.move_to(start + timedelta(minutes=10))
    callouts.close(db.session, u["boss"], callout)
    db.session.commit()
    built = report.build(callout)
    assert (built.called, built.answered) == (3, 2)
    assert built.median_seconds == pytest.approx(90, abs=2) and built.slowest.name == "박지호"
    assert built.slowest_seconds == pytest.approx(150, abs=2) and [t.name for t in built.never] == ["이서연"]
    assert built.counts == {"ack": 0, "available": 1, "unavailable": 1}
    data = report.to_csv(built)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == "실제" and rows[1][4].startswith("'=HYPERLINK")
    people_rows = {r[1]: r for r in rows[4:7]}
    assert people_rows["김민준"][5] == "출동 가능" and people_rows["이서연"][5] == "미응답"
    assert 29 <= int(people_rows["김민준"][8]) <= 32
    assert rows[-1][4] == "이서연"
    assert report.format_seconds(150) == "2분 30초" and report.format_seconds(5) == "5초"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_csv_cells_never_start_a_formula(value):
    assert report.safe_cell(value) == "'" + value
    assert report.safe_cell("김민준") == "김민준" and report.safe_cell(None) == ""


def test_drills_are_marked_and_kept_apart(group, people, clock):
    clock.set_kst(2026, 3, 2, 9, 0)
    real = _start(group, people)
    clock.set_kst(2026, 3, 3, 9, 0)
    drill = _start(group, people, drill=True, message="분기 훈련")
    message = db.session.scalars(select(PushMessage).where(PushMessage.source_id == drill.id)).one()
    assert message.title == "[훈련] 비상소집 · 재난대응 1조"
    assert report.history(db.session, group) == {"real": [real], "drill": [drill]}
    rows = list(csv.reader(io.StringIO(report.to_csv(report.build(drill)).decode("utf-8-sig"))))
    assert rows[1][0] == "훈련"
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "emergency.callout_started")
                               .order_by(AuditLog.id)).all()
    assert [a.detail["drill"] for a in audit] == [False, True]
    assert audit[0].detail["members"] == 3 and audit[1].target == f"emergency_callout:{drill.id}"

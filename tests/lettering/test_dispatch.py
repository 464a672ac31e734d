"""Dispatch end to end against the real simulators over HTTP: PBX events in through the webhook, the real
worker, and what actually reached the carrier and Kakao, read from the simulators' request logs."""
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from core import jobs
from core.lettering.optout import opt_out
from core.models.calls import CallLog
from core.models.jobs import Job
from core.models.lettering import Line
from core.models.organization import Department
from core.phone import normalize
from core.privacy import hash_from_optout_token, phone_hash
from core.timeutil import KST, as_utc
from extensions import db
from tests.lettering.conftest import call_row, event, iphone_number, make_due, supported_number

BASE = "http://127.0.0.1:5000"


def timeline(call_id: str) -> list[str]:
    call = call_row(call_id)
    return list(db.session.scalars(select(CallLog.summary).where(CallLog.call_pk == call.id).order_by(CallLog.id)))


def test_a_dial_is_lettered_before_the_phone_rings(post_events, drain, sim, line, campaign):
    peer = supported_number()
    assert post_events([event("c-1", "dial", peer=peer, line="1234")]).status_code == 202
    drain()
    [request] = sim.requests("carrier", "lettering")
    assert request["key"] == "c-1"
    assert request["body"] == {
        "callId": "c-1", "caller": "+823180751234", "callee": normalize(peer),
        "display": {"institution": "고양특례시", "department": "교통정책과",
                    "message": "버스 노선 개편 안내 전화입니다"},
        "afterCall": {"title": "2026 고양 버스 노선 개편", "linkUrl": f"{BASE}/p/AbC123",
                      "imageUrl": f"{BASE}/static/img/card1.png"},
        "expiresInSeconds": 60}
    call = call_row("c-1")
    assert call.lettering_status == "accepted"
    assert call.carrier_request_id.startswith("r")
    assert "통신사 레터링 접수: 화면에 표시됨" in timeline("c-1")

    post_events([event("c-1", "answered", peer=peer), event("c-1", "ended", peer=peer, duration_s=30)])
    drain()
    states = sorted(r["body"]["state"] for r in sim.requests("carrier", "state"))
    assert states == ["answered", "ended"]
    call = call_row("c-1")
    assert (call.fallback_decision, call.fallback_reason) == ("skip", "lettered")
    assert call.peer_encrypted is None  # delivery is over: the number is gone
    assert sim.requests("kakao") == []


def test_without_a_campaign_there_is_no_after_call_content(post_events, drain, sim, line):
    post_events([event("c-1", "dial", peer=supported_number())])
    drain()
    [request] = sim.requests("carrier", "lettering")
    assert "afterCall" not in request["body"]


def test_an_iphone_gets_alimtalk_after_a_missed_call(post_events, drain, sim, line, campaign, template, app):
    peer = iphone_number()
    post_events([event("c-2", "dial", peer=peer), event("c-2", "ringing", peer=peer),
                 event("c-2", "missed", peer=peer)])
    drain()
    call = call_row("c-2")
    assert call.lettering_status == "unsupported_device"
    assert (call.fallback_decision, call.fallback_reason) == ("send", "unsupported_device")
    assert call.alimtalk_status == "sent"
    assert call.alimtalk_result_code == 0 and call.alimtalk_request_id
    assert call.peer_encrypted is None
    [request] = sim.requests("kakao")
    assert request["key"] == "c-2:GY_MISSED_CALL"
    body = request["body"]
    assert (body["senderKey"], body["templateCode"]) == (app.config["KAKAO_SENDER_KEY"], "GY_MISSED_CALL")
    [recipient] = body["recipientList"]
    assert recipient["recipientNo"] == peer.replace("-", "")
    assert recipient["recipientGroupingKey"] == "c-2"
    assert recipient["templateParameter"] == {"기관명": "고양특례시", "부서명": "교통정책과",
                                              "발신번호": "031-8075-1234", "안내문구": "버스 노선 개편 안내 전화입니다"}
    buttons = recipient["buttons"]
    assert [(b["ordering"], b["type"], b["name"]) for b in buttons] == [
        (1, "WL", "기관 확인"), (2, "WL", "안내 보기"), (3, "WL", "수신 거부")]
    assert buttons[0]["linkMo"] == buttons[0]["linkPc"] == f"{BASE}/verify?n=03180751234"
    assert buttons[1]["linkMo"] == f"{BASE}/p/AbC123"
    token = buttons[2]["linkMo"].removeprefix(f"{BASE}/optout/")
    assert hash_from_optout_token(token, app.config["SECRET_KEY"]) == call.peer_hash
    assert "알림톡 접수됨(전달 대기)" in timeline("c-2")


def test_missed_only_skips_answered_calls_and_always_sends_them(post_events, drain, make_worker, sim, line,
                                                                template):
    peer = iphone_number()
    post_events([event("c-3", "dial", peer=peer), event("c-3", "answered", peer=peer),
                 event("c-3", "ended", peer=peer, duration_s=12)])
    drain()
    assert (call_row("c-3").fallback_decision, call_row("c-3").fallback_reason) == ("skip", "answered")
    assert sim.requests("kakao") == []

    other = iphone_number(start=500)
    post_events([event("c-4", "dial", peer=other), event("c-4", "answered", peer=other),
                 event("c-4", "ended", peer=other, duration_s=12)])
    drain(make_worker(FALLBACK_POLICY="always"))
    assert call_row("c-4").alimtalk_status == "sent"
    assert [r["key"] for r in sim.requests("kakao")] == ["c-4:GY_MISSED_CALL"]


def test_policy_never_sends_nothing(post_events, drain, make_worker, sim, line, template):
    peer = iphone_number()
    post_events([event("c-5", "dial", peer=peer), event("c-5", "missed", peer=peer)])
    drain(make_worker(FALLBACK_POLICY="never"))
    assert call_row("c-5").fallback_reason == "policy_never"
    assert sim.requests("kakao") == []


def test_a_kakao_non_user_is_recorded(post_events, drain, sim, line, template):
    peer = iphone_number(kakao=False)
    post_events([event("c-6", "dial", peer=peer), event("c-6", "missed", peer=peer)])
    drain()
    call = call_row("c-6")
    assert (call.alimtalk_status, call.alimtalk_result_code, call.alimtalk_sent_at) == ("not_kakao_user", -3001, None)


def test_quiet_hours_hold_until_morning(post_events, drain, sim, line, template, clock):
    clock.set_kst(2030, 1, 5, 23, 0)
    peer = iphone_number()
    post_events([event("c-7", "dial", peer=peer), event("c-7", "missed", peer=peer)])
    drain()
    call = call_row("c-7")
    assert (call.fallback_decision, call.alimtalk_status) == ("hold", "held")
    assert sim.requests("kakao") == []
    job = db.session.scalar(select(Job).where(Job.kind == "lettering.alimtalk"))
    assert as_utc(job.run_at) == datetime(2030, 1, 6, 8, 0, tzinfo=KST)
    assert call.peer_encrypted is not None  # still needed for the morning

    clock.set_kst(2030, 1, 6, 8, 0)
    make_due("lettering.alimtalk")
    drain()
    assert call_row("c-7").alimtalk_status == "sent"
    assert len(sim.requests("kakao")) == 1


def test_a_held_message_that_went_stale_is_dropped(post_events, drain, sim, line, template, clock):
    clock.set_kst(2030, 1, 5, 21, 30)
    peer = iphone_number()
    post_events([event("c-8", "dial", peer=peer), event("c-8", "missed", peer=peer)])
    drain()
    assert call_row("c-8").alimtalk_status == "held"
    clock.set_kst(2030, 1, 6, 10, 0)  # the worker was down all morning: 12.5 h later
    make_due("lettering.alimtalk")
    drain()
    call = call_row("c-8")
    assert (call.alimtalk_status, call.fallback_reason, call.peer_encrypted) == ("dropped", "stale", None)
    assert sim.requests("kakao") == []


def test_the_frequency_cap_is_per_citizen_per_department(post_events, drain, sim, line, template):
    welfare = Department(organization="고양특례시", name="복지정책과", search_key="복지정책")
    db.session.add(welfare)
    db.session.flush()
    db.session.add(Line(number="+823180752000", extension="2000", department_id=welfare.id, institution="고양특례시",
                        department_name="복지정책과", message="복지 안내 전화입니다"))
    db.session.commit()
    peer = iphone_number()
    for call_id, line_text in (("c-10", "1234"), ("c-11", "1234"), ("c-12", "2000")):
        post_events([event(call_id, "dial", peer=peer, line=line_text), event(call_id, "missed", peer=peer,
                                                                              line=line_text)])
        drain()
    assert call_row("c-10").alimtalk_status == "sent"
    assert (call_row("c-11").fallback_decision, call_row("c-11").fallback_reason) == ("skip", "cap")
    assert call_row("c-12").alimtalk_status == "sent"  # another department
    assert sorted(r["key"] for r in sim.requests("kakao")) == ["c-10:GY_MISSED_CALL", "c-12:GY_MISSED_CALL"]


def test_opted_out_numbers_are_never_contacted(post_events, drain, sim, line, template, app):
    android, iphone = supported_number(), iphone_number()
    for raw in (android, iphone):
        opt_out(db.session, phone_hash(normalize(raw), app.config["PHONE_HASH_KEY"]), masked="010-****-0000")
    db.session.commit()
    post_events([event("c-20", "dial", peer=android), event("c-20", "missed", peer=android),
                 event("c-21", "dial", peer=iphone), event("c-21", "missed", peer=iphone)])
    drain()
    for call_id in ("c-20", "c-21"):
        call = call_row(call_id)
        assert call.lettering_status == "opted_out"
        assert (call.fallback_decision, call.fallback_reason) == ("skip", "opted_out")
        assert "수신 거부한 번호라 레터링을 보내지 않음" in timeline(call_id)
    assert sim.requests("carrier") == []
    assert sim.requests("kakao") == []


def test_an_opt_out_between_dial_and_missed_stops_the_alimtalk(post_events, drain, sim, line, template, app):
    peer = iphone_number()
    post_events([event("c-22", "dial", peer=peer)])
    drain()
    opt_out(db.session, phone_hash(normalize(peer), app.config["PHONE_HASH_KEY"]))
    db.session.commit()
    post_events([event("c-22", "missed", peer=peer)])
    drain()
    assert call_row("c-22").fallback_reason == "opted_out"
    assert sim.requests("kakao") == []


def test_transient_carrier_failures_are_retried_with_the_same_request(post_events, drain, sim, line):
    sim.configure(fail_first=2)  # two 503s, then the carrier answers
    peer = supported_number()
    post_events([event("c-29", "dial", peer=peer)])
    drain()
    call = call_row("c-29")
    assert call.lettering_status == "accepted"
    attempts = sim.requests("carrier", "lettering")
    assert [r["answer"] for r in attempts] == ["5xx", "5xx", "accepted"]
    assert {r["key"] for r in attempts} == {"c-29"}
    assert len({r["body_sha"] for r in attempts}) == 1  # every retry sends the same bytes


def test_when_the_call_no_longer_rings_lettering_fails_and_the_fallback_decides(post_events, drain, sim, line,
                                                                                template, clock):
    sim.configure(rate_5xx=1.0)
    peer = supported_number()
    post_events([event("c-30", "dial", peer=peer, at=clock() - timedelta(seconds=30))])  # long past ringing
    drain()
    call = call_row("c-30")
    assert call.lettering_status == "failed"
    assert "HTTP 503" in call.lettering_error
    assert [r["key"] for r in sim.requests("carrier", "lettering")] == ["c-30"]  # one try, no retries
    sim.configure(rate_5xx=0.0)
    post_events([event("c-30", "missed", peer=peer)])
    drain()
    assert (call_row("c-30").fallback_reason, call_row("c-30").alimtalk_status) == ("failed", "sent")


def test_a_carrier_that_does_not_answer_in_2_seconds_is_given_up(post_events, drain, sim, line, clock):
    sim.configure(rate_timeout=1.0)  # the simulator registers the call but answers after 2.5 s
    post_events([event("c-28", "dial", peer=supported_number(), at=clock() - timedelta(seconds=9))])
    drain()
    call = call_row("c-28")
    assert call.lettering_status == "failed"
    assert "시간 초과" in call.lettering_error
    assert [r["key"] for r in sim.requests("carrier", "lettering")] == ["c-28"]


def test_an_idempotency_conflict_is_recorded(post_events, drain, sim, line, app):
    peer = supported_number()
    other_body = {"callId": "c-31", "caller": "+823180751234", "callee": normalize(peer),
                  "display": {"institution": "다른 기관", "department": "-", "message": "-"}, "expiresInSeconds": 60}
    httpx.post(f"{sim.carrier_url}/v1/lettering", json=other_body, headers={
        "Authorization": f"Bearer {app.config['CARRIER_API_KEY']}", "Idempotency-Key": "c-31"}).raise_for_status()
    post_events([event("c-31", "dial", peer=peer)])
    drain()
    call = call_row("c-31")
    assert call.lettering_status == "failed"
    assert "IDEMPOTENCY_CONFLICT" in call.lettering_error
    assert [r["answer"] for r in sim.requests("carrier", "lettering")] == ["accepted", "409"]


def test_a_wrong_carrier_key_is_not_retried(post_events, drain, make_worker, sim, line):
    post_events([event("c-32", "dial", peer=supported_number())])
    drain(make_worker(CARRIER_API_KEY="wrong"))
    assert call_row("c-32").lettering_status == "failed"
    assert "인증 실패" in call_row("c-32").lettering_error
    assert sim.requests("carrier") == []  # refused before it was logged as a lettering request


def test_kakao_transient_errors_are_retried_with_the_same_key(post_events, drain, sim, line, template):
    peer = iphone_number()
    sim.configure(fail_first=1)  # the first request of every key gets a 503
    post_events([event("c-40", "dial", peer=peer), event("c-40", "missed", peer=peer)])
    drain()
    call = call_row("c-40")
    assert (call.lettering_status, call.alimtalk_status) == ("unsupported_device", "sent")
    answers = [(r["key"], r["answer"]) for r in sim.requests("kakao")]
    assert answers == [("c-40:GY_MISSED_CALL", "5xx"), ("c-40:GY_MISSED_CALL", "0")]
    job = db.session.scalar(select(Job).where(Job.kind == "lettering.alimtalk"))
    assert (job.status, job.attempts) == ("done", 2)
    assert "kakao" in job.last_error


def test_a_send_that_already_got_through_is_not_sent_again(post_events, drain, sim, line, template, app):
    """A worker died after Kakao accepted but before it recorded it: the retry is answered -1005."""
    peer = iphone_number()
    post_events([event("c-41", "dial", peer=peer)])
    drain()
    first = {"senderKey": app.config["KAKAO_SENDER_KEY"], "templateCode": "GY_MISSED_CALL",
             "recipientList": [{"recipientNo": peer.replace("-", ""), "recipientGroupingKey": "c-41",
                                "templateParameter": {"기관명": "a", "부서명": "b", "발신번호": "c", "안내문구": "d"}}]}
    httpx.post(f"{sim.kakao_url}/alimtalk/v2.3/appkeys/{app.config['KAKAO_APP_KEY']}/messages", json=first,
               headers={"X-Secret-Key": app.config["KAKAO_SECRET_KEY"],
                        "X-NC-API-IDEMPOTENCY-KEY": "c-41:GY_MISSED_CALL"}).raise_for_status()
    post_events([event("c-41", "missed", peer=peer)])
    drain()
    call = call_row("c-41")
    assert (call.alimtalk_status, call.alimtalk_result_code) == ("sent", -1005)
    assert [r["answer"] for r in sim.requests("kakao")] == ["0", "-1005"]


def test_dead_jobs_after_the_last_attempt_and_retry(post_events, drain, make_worker, sim, line, template):
    peer = iphone_number()
    worker = make_worker()
    post_events([event("c-42", "dial", peer=peer)])
    drain(worker)
    sim.configure(rate_5xx=1.0)
    post_events([event("c-42", "missed", peer=peer)])
    for _ in range(2):
        worker.run(once=True)  # the fallback queues the AlimTalk, whose attempt fails
        db.session.execute(update(Job).where(Job.kind == "lettering.alimtalk").values(max_attempts=2))
        db.session.commit()
        make_due("lettering.alimtalk")
    db.session.rollback()
    dead = db.session.scalar(select(Job).where(Job.kind == "lettering.alimtalk"))
    assert dead.status == "dead" and dead.attempts >= 2
    assert call_row("c-42").alimtalk_status == "error"
    assert "알림톡 작업이 재시도 한도를 넘어 중단됨" in timeline("c-42")

    sim.configure(rate_5xx=0.0)
    assert jobs.retry_dead(db.session, dead.id)
    db.session.execute(update(Job).where(Job.kind == "lettering.state").values(status="done"))
    db.session.commit()
    drain(worker)
    assert call_row("c-42").alimtalk_status == "sent"


def test_a_missing_template_is_an_admin_problem_not_a_retry(post_events, drain, sim, line):
    peer = iphone_number()
    post_events([event("c-43", "dial", peer=peer), event("c-43", "missed", peer=peer)])
    drain()
    assert call_row("c-43").alimtalk_status == "template_error"
    assert sim.requests("kakao") == []


def test_missed_before_the_carrier_answered_waits_for_it(post_events, drain, sim, line, template):
    """``missed`` may be processed while the dial job is still running: the fallback waits for the answer."""
    peer = iphone_number()
    post_events([event("c-44", "missed", peer=peer), event("c-44", "dial", peer=peer)])
    drain()
    call = call_row("c-44")
    assert (call.lettering_status, call.alimtalk_status) == ("unsupported_device", "sent")

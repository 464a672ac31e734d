"""Delivery receipts and reports: signatures, idempotency, and states that never regress when reports come
late, twice or out of order; then the simulators' own reports arriving at a live server."""
import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import func, select

from core.models.calls import Call, CallLog
from extensions import db
from tests.lettering.conftest import Sim, call_row, event, iphone_number, supported_number


def signed(client, path: str, body: dict, secret: str, header: str, *, bad: bool = False):
    raw = json.dumps(body).encode()
    signature = hmac.new((secret + ("x" if bad else "")).encode(), raw, hashlib.sha256).hexdigest()
    return client.post(path, data=raw, headers={"Content-Type": "application/json", header: signature})


@pytest.fixture
def receipt(client, app):
    def send(status: str, call_id: str = "c-1", bad: bool = False):
        return signed(client, "/api/providers/carrier/receipts",
                      {"callId": call_id, "requestId": "r1", "status": status, "at": "2026-01-05T09:12:34+09:00"},
                      app.config["CARRIER_RECEIPT_SECRET"], "X-Carrier-Signature", bad=bad)
    return send


@pytest.fixture
def report(client, app):
    def send(status: str, call_id: str = "c-1", result_code: int = 0, bad: bool = False):
        return signed(client, "/api/providers/kakao/reports",
                      {"requestId": "20260105091233abcdEf", "recipientSeq": 1, "recipientGroupingKey": call_id,
                       "status": status, "resultCode": result_code, "reportedAt": "2026-01-05T09:12:40+09:00"},
                      app.config["KAKAO_REPORT_SECRET"], "X-Provider-Signature", bad=bad)
    return send


@pytest.fixture
def call(app) -> Call:
    row = Call(call_id="c-1", peer_hash="h" * 64, peer_masked="010-****-5678", lettering_status="accepted",
               alimtalk_status="sent")
    db.session.add(row)
    db.session.commit()
    return row


def receipts_logged() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CallLog).where(CallLog.kind == "receipt"))


def test_forged_reports_are_refused(receipt, report, call):
    assert receipt("displayed", bad=True).status_code == 401
    assert report("DELIVERED", bad=True).status_code == 401
    assert call_row("c-1").receipt_status is None
    assert call_row("c-1").alimtalk_status == "sent"


def test_malformed_reports_get_json_errors(receipt, report, call):
    response = receipt("shown")
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert report("READ").status_code == 400


@pytest.mark.parametrize(("sequence", "final", "logged"), [
    (["displayed"], "displayed", 1),
    (["displayed", "displayed"], "displayed", 1),
    (["displayed", "after_call_displayed"], "after_call_displayed", 2),
    (["after_call_displayed", "displayed"], "after_call_displayed", 1),  # out of order
    (["after_call_displayed", "not_displayed", "displayed"], "after_call_displayed", 1),
    (["not_displayed", "displayed"], "displayed", 2),
])
def test_carrier_receipts_only_move_forward(receipt, call, sequence, final, logged):
    for status in sequence:
        assert receipt(status).status_code == 204
    assert call_row("c-1").receipt_status == final
    assert receipts_logged() == logged


@pytest.mark.parametrize(("sequence", "final", "logged"), [
    (["DELIVERED"], "delivered", 1),
    (["DELIVERED", "DELIVERED"], "delivered", 1),
    (["DELIVERED", "FAILED"], "delivered", 1),   # a late, stale failure
    (["FAILED", "DELIVERED"], "delivered", 2),   # out of order
    (["FAILED", "FAILED"], "failed", 1),
])
def test_kakao_reports_only_move_forward(report, call, sequence, final, logged):
    for status in sequence:
        assert report(status, result_code=0 if status == "DELIVERED" else 3018).status_code == 204
    assert call_row("c-1").alimtalk_status == final
    assert receipts_logged() == logged


def test_reports_for_unknown_calls_are_harmless(receipt, report, app):
    assert receipt("displayed", call_id="nobody").status_code == 204
    assert report("DELIVERED", call_id="nobody").status_code == 204
    assert receipts_logged() == 0


@pytest.fixture
def sim(app, live_server):
    """Simulators that send their reports to the app under a real server."""
    simulator = Sim(app.config, report_to=live_server.url)
    yield simulator
    simulator.close()


def wait_for(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the reports did not arrive"
        time.sleep(0.05)


def test_the_simulators_reports_reach_the_project(post_events, drain, sim, line, template):
    android, iphone = supported_number(), iphone_number()
    post_events([event("c-50", "dial", peer=android), event("c-51", "dial", peer=iphone)])
    drain()
    post_events([event("c-50", "answered", peer=android), event("c-50", "ended", peer=android, duration_s=20),
                 event("c-51", "missed", peer=iphone)])
    drain()
    wait_for(lambda: call_row("c-50").receipt_status == "after_call_displayed"
             and call_row("c-51").alimtalk_status == "delivered")
    reports = sim.reports()
    assert {r["status"] for r in reports} == {204}
    assert sorted(r["body"]["status"] for r in reports) == ["DELIVERED", "after_call_displayed", "displayed"]


def test_refused_reports_carry_a_code_and_a_message_in_the_senders_language(client, app, call):
    secret, header = app.config["CARRIER_RECEIPT_SECRET"], "X-Carrier-Signature"
    raw = json.dumps({"callId": "c-1", "status": "shown"}).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()

    def post(data: bytes, language: str, sig: str | None = None):
        return client.post("/api/providers/carrier/receipts", data=data,
                           headers={"Content-Type": "application/json", header: sig or signature,
                                    "Accept-Language": language})

    english = post(raw, "en")
    assert english.status_code == 400
    assert english.get_json()["code"] == "invalid_receipt"
    assert english.get_json()["error"] == ("callId and status (displayed, after_call_displayed, not_displayed) "
                                           "are required.")
    korean = post(raw, "ko").get_json()
    assert korean["code"] == "invalid_receipt" and korean["error"].endswith("가 필요합니다.")
    forged = post(raw, "en", sig="0" * 64)
    assert forged.status_code == 401
    assert forged.get_json()["code"] == "bad_signature" and forged.get_json()["error"] == "The signature is invalid."
    not_json = b"{nope"
    answer = post(not_json, "en", sig=hmac.new(secret.encode(), not_json, hashlib.sha256).hexdigest())
    assert answer.status_code == 400 and answer.get_json()["code"] == "invalid_json"
    assert answer.get_json()["error"] == "The body is not valid JSON."
    assert call_row("c-1").receipt_status is None


def test_a_report_without_a_call_key_is_named_in_korean_by_default(client, app, call):
    raw = json.dumps({"status": "DELIVERED"}).encode()
    signature = hmac.new(app.config["KAKAO_REPORT_SECRET"].encode(), raw, hashlib.sha256).hexdigest()
    answer = client.post("/api/providers/kakao/reports", data=raw,
                         headers={"Content-Type": "application/json", "X-Provider-Signature": signature})
    assert answer.status_code == 400
    assert answer.get_json()["code"] == "missing_call"
    assert answer.get_json()["error"] == "recipientGroupingKey 또는 requestId가 필요합니다."

"""A call keeps its citizen's encrypted number only while delivery still needs it (docs/lettering.md, Privacy):
every path that finishes a call clears it. And a malformed provider report is a 400, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core.lettering import dispatch
from core.lettering.jobs import lettering_context
from core.lettering.optout import opt_out
from core.models.calls import Call
from core.phone import normalize
from core.privacy import phone_hash
from extensions import db
from tests.lettering.conftest import call_row, event, iphone_number, supported_number
from tests.lettering.test_reports import signed


def kakao_report(client, app, body: dict):
    return signed(client, "/api/providers/kakao/reports", body, app.config["KAKAO_REPORT_SECRET"],
                  "X-Provider-Signature")


@pytest.mark.parametrize("status", [{}, [], {"a": 1}, 5, None, True, "delivered"])
def test_a_kakao_report_with_a_status_that_is_no_status_is_a_400(client, app, status):
    answer = kakao_report(client, app, {"recipientGroupingKey": "c-1", "status": status})
    assert answer.status_code == 400
    assert answer.get_json()["code"] == "invalid_status"


@pytest.mark.parametrize("body", [{"callId": "c-1", "status": {}}, {"callId": {}, "status": "displayed"},
                                  {"callId": ["c-1"], "status": []}])
def test_a_carrier_receipt_with_objects_for_strings_is_a_400(client, app, body):
    answer = signed(client, "/api/providers/carrier/receipts", body, app.config["CARRIER_RECEIPT_SECRET"],
                    "X-Carrier-Signature")
    assert answer.status_code == 400
    assert answer.get_json()["code"] == "invalid_receipt"


def test_a_call_lettered_on_screen_forgets_the_number_at_once(post_events, drain, sim, line):
    """The PBX may never report ``missed`` or ``ended``; an accepted lettering settles the call anyway."""
    post_events([event("n-1", "dial", peer=supported_number())])
    drain()
    call = call_row("n-1")
    assert call.lettering_status == "accepted"
    assert call.peer_encrypted is None


def test_calls_that_can_send_nothing_forget_the_number_at_dial(post_events, drain, sim, line, app):
    opted = iphone_number(start=300)
    opt_out(db.session, phone_hash(normalize(opted), app.config["PHONE_HASH_KEY"]))
    db.session.commit()
    post_events([event("n-2", "dial", peer=iphone_number(), line="031-8075-9999"),  # no such line
                 event("n-3", "dial", peer=opted)])
    drain()
    assert (call_row("n-2").lettering_status, call_row("n-2").peer_encrypted) == ("no_line", None)
    assert (call_row("n-3").lettering_status, call_row("n-3").peer_encrypted) == ("opted_out", None)


def test_a_report_that_finishes_the_message_clears_the_number(client, app, settings):
    """A worker killed after Kakao accepted the message, and the report came first: the retried job finds
    the message delivered, and neither path may leave the number behind."""
    db.session.add_all([Call(call_id="n-4", peer_hash="a" * 64, peer_encrypted="ciphertext", peer_masked="",
                             lettering_status="unsupported_device", fallback_decision="send",
                             alimtalk_status="sending"),
                        Call(call_id="n-5", peer_hash="b" * 64, peer_encrypted="ciphertext", peer_masked="",
                             lettering_status="unsupported_device", fallback_decision="send",
                             alimtalk_status="delivered")])
    db.session.commit()
    assert kakao_report(client, app, {"recipientGroupingKey": "n-4", "status": "DELIVERED"}).status_code == 204
    assert (call_row("n-4").alimtalk_status, call_row("n-4").peer_encrypted) == ("delivered", None)

    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    assert dispatch.handle_alimtalk(factory, lettering_context(settings), {"call_id": "n-5"}) is None
    assert call_row("n-5").peer_encrypted is None


def test_after_a_mixed_run_only_a_held_message_keeps_its_number(post_events, drain, sim, line, template, clock):
    peers = {"answered": supported_number(), "missed": supported_number(start=100),
             "iphone": iphone_number(), "no_kakao": iphone_number(kakao=False), "unknown": iphone_number(start=200)}
    post_events([event("m-1", "dial", peer=peers["answered"]), event("m-1", "answered", peer=peers["answered"]),
                 event("m-1", "ended", peer=peers["answered"], duration_s=40),
                 event("m-2", "dial", peer=peers["missed"]), event("m-2", "missed", peer=peers["missed"]),
                 event("m-3", "dial", peer=peers["iphone"]), event("m-3", "missed", peer=peers["iphone"]),
                 event("m-4", "dial", peer=peers["no_kakao"]), event("m-4", "missed", peer=peers["no_kakao"]),
                 event("m-5", "missed", peer=peers["unknown"], line="031-8075-9999")])
    drain()
    clock.set_kst(2030, 1, 5, 23, 0)  # quiet hours: this one waits for the morning, and needs the number
    held = iphone_number(start=400)
    post_events([event("m-6", "dial", peer=held), event("m-6", "missed", peer=held)])
    drain()
    db.session.rollback()
    kept = {c.call_id: c.alimtalk_status for c in db.session.scalars(select(Call).where(
        Call.peer_encrypted.is_not(None)))}
    assert kept == {"m-6": "held"}
    assert call_row("m-3").alimtalk_status == "sent" and call_row("m-4").alimtalk_status == "not_kakao_user"

"""Only an approved AlimTalk template is ever sent: the real worker and the Kakao simulator over HTTP, as in
test_dispatch. A fallback template in any other state (등록, 검수요청, 반려) is recorded on the call with a clear
reason and never reaches Kakao; the opt-out page's one-time code obeys the same rule."""
import pytest
from sqlalchemy import select

from core.lettering.optout import CODE_TEMPLATE, CODE_TEMPLATE_BODY, request_code
from core.models.calls import CallLog
from core.models.lettering import AlimTalkTemplate
from core.models.optout_codes import OptOutCode
from extensions import db
from tests.lettering.conftest import call_row, event, iphone_number

BASE = "http://127.0.0.1:5000"


def alimtalk_log(call_id: str) -> list[CallLog]:
    call = call_row(call_id)
    return list(db.session.scalars(select(CallLog).where(CallLog.call_pk == call.id, CallLog.kind == "alimtalk")))


@pytest.mark.parametrize("status", ["draft", "pending", "rejected"])
def test_an_unapproved_fallback_template_is_never_sent(post_events, drain, sim, line, template, status):
    template.status = status
    db.session.commit()
    peer = iphone_number()
    post_events([event("c-a1", "dial", peer=peer), event("c-a1", "missed", peer=peer)])
    drain()
    call = call_row("c-a1")
    assert (call.fallback_decision, call.alimtalk_status) == ("send", "template_error")
    assert call.peer_encrypted is None and call.alimtalk_sent_at is None  # nothing went out: no cap slot
    assert sim.requests("kakao") == []
    [entry] = alimtalk_log("c-a1")
    assert entry.detail == {"status": "template_error", "problem": "not_approved", "error": "GY_MISSED_CALL"}
    assert entry.summary.startswith("알림톡 템플릿 GY_MISSED_CALL이(가) 승인 상태가 아니어서 보내지 않음")


def test_once_approved_the_next_call_is_sent(post_events, drain, sim, line, template):
    template.status = "pending"
    db.session.commit()
    peer = iphone_number()
    post_events([event("c-a2", "dial", peer=peer), event("c-a2", "missed", peer=peer)])
    drain()
    assert sim.requests("kakao") == []
    template.status = "approved"
    db.session.commit()
    other = iphone_number(start=300)
    post_events([event("c-a3", "dial", peer=other), event("c-a3", "missed", peer=other)])
    drain()
    assert call_row("c-a3").alimtalk_status == "sent"
    assert [r["key"] for r in sim.requests("kakao")] == ["c-a3:GY_MISSED_CALL"]


def test_the_configured_code_decides(post_events, drain, make_worker, sim, line, template):
    """ALIMTALK_TEMPLATE_CODE names the template: an approved one under another code does not stand in."""
    peer = iphone_number()
    post_events([event("c-a4", "dial", peer=peer), event("c-a4", "missed", peer=peer)])
    drain(make_worker(ALIMTALK_TEMPLATE_CODE="GY_MISSED_CALL_V2"))
    [entry] = alimtalk_log("c-a4")
    assert entry.detail["problem"] == "no_template" and sim.requests("kakao") == []


def test_a_web_link_button_goes_to_our_url(post_events, drain, sim, line, template):
    template.buttons = [{"name": "기관 확인", "kind": "verify"},
                        {"name": "민원 안내", "kind": "link", "url": f"{BASE}/verify"}]
    db.session.commit()
    peer = iphone_number()
    post_events([event("c-a5", "dial", peer=peer), event("c-a5", "missed", peer=peer)])
    drain()
    [request] = sim.requests("kakao")
    buttons = request["body"]["recipientList"][0]["buttons"]
    assert [(b["name"], b["linkMo"]) for b in buttons] == [("기관 확인", f"{BASE}/verify?n=03180751234"),
                                                          ("민원 안내", f"{BASE}/verify")]


def test_a_template_without_buttons_sends_none(post_events, drain, sim, line, template):
    """The message carries the approved template's buttons and no others."""
    template.buttons = []
    db.session.commit()
    peer = iphone_number()
    post_events([event("c-a6", "dial", peer=peer), event("c-a6", "missed", peer=peer)])
    drain()
    [request] = sim.requests("kakao")
    assert request["body"]["recipientList"][0]["buttons"] == []


@pytest.mark.parametrize("status", [None, "rejected", "approved"])
def test_the_optout_code_is_sent_only_with_its_template_approved(app, drain, sim, status):
    if status is not None:
        db.session.add(AlimTalkTemplate(code=CODE_TEMPLATE, name="인증번호", body=CODE_TEMPLATE_BODY, buttons=[],
                                        status=status))
    row = request_code(db.session, "+821024681357", app.config)
    db.session.commit()
    drain()
    db.session.rollback()
    sent = db.session.get(OptOutCode, row.id)
    assert sent.sealed is None  # the number is gone either way
    if status == "approved":
        assert sent.send_status == "sent"
        assert [r["body"]["templateCode"] for r in sim.requests("kakao")] == [CODE_TEMPLATE]
    else:
        assert sent.send_status == "failed" and sim.requests("kakao") == []

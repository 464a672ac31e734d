"""Answering a call-out from its notification: the push that the real worker sends to the push-service
simulator carries the two buttons and the tap answer; the service worker's POST of a button's name with the
delivery's receipt answers for the person the push went to (marked 알림), a tap never overwrites an answer,
and everything else is refused in the reader's language without changing anything."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from core.audience import Audience
from core.emergency import callouts
from core.models.accounts import AuditLog
from core.models.emergency import EmergencyTarget
from core.models.push import PushDelivery, PushMessage
from core.push import send
from core.push.actions import Button
from core.push.sender import read_receipt, receipt_for
from extensions import db
from tests.conftest import wait_db
from tests.push.conftest import browser_subscription, push_service, subscribed  # noqa: F401  (fixtures)


def _payloads(service, count: int) -> dict[str, dict]:
    """The decrypted payloads the simulator received, by endpoint."""
    def got():
        received = httpx.get(f"{service.base}/_sim/received").json()["received"]
        return {r["endpoint"]: r["payload"] for r in received} if len(received) >= count else None
    return wait_db(got)


def _target(callout, user) -> EmergencyTarget:
    db.session.expire_all()
    return db.session.scalars(select(EmergencyTarget).where(EmergencyTarget.callout_id == callout.id,
                                                            EmergencyTarget.user_id == user.id)).one()


def _answer(app, receipt: str, action: str, language: str = "ko"):
    # The service worker: no cookie, no CSRF token, only the receipt.
    return app.test_client().post("/api/push/action", json={"receipt": receipt, "action": action},
                                  headers={"Accept-Language": language})


def _callout_message(callout) -> PushMessage:
    return db.session.scalars(select(PushMessage).where(PushMessage.source == "emergency",
                                                        PushMessage.source_id == callout.id)).one()


def test_the_buttons_answer_for_the_person_the_push_went_to(app, job_worker, push_service, subscribed,  # noqa: F811
                                                              group, people):
    u = people["users"]
    kim, lee = subscribed(u["kim"]), subscribed(u["lee"])
    callout = callouts.start(db.session, u["boss"], group, message="태풍 북상, 상황실 집결", drill=True,
                             escalation_minutes=5)
    db.session.commit()
    payloads = _payloads(push_service, 2)
    for payload in payloads.values():
        assert payload["actions"] == [{"action": "available", "title": "출동 가능"},
                                      {"action": "unavailable", "title": "불가"}]
        assert payload["tap"] == "ack" and payload["url"] == f"/emergency/callouts/{callout.id}"
    kim_receipt, lee_receipt = payloads[kim["endpoint"]]["receipt"], payloads[lee["endpoint"]]["receipt"]

    answered = _answer(app, kim_receipt, "available")
    assert answered.status_code == 200
    assert answered.get_json() == {"title": "응답을 보냈습니다", "message": "응답했습니다: 출동 가능"}
    target = _target(callout, u["kim"])
    assert (target.answer, target.via) == ("available", "notification") and target.answered_at is not None
    delivery = db.session.get(PushDelivery, read_receipt(kim_receipt, app.config["SECRET_KEY"]))
    assert delivery.clicked_at is not None and delivery.user_id == u["kim"].id

    # 이서연 taps the body (확인), then presses 불가; a later tap keeps 불가 and its first time.
    assert _answer(app, lee_receipt, "ack").get_json()["message"] == "응답했습니다: 확인"
    first = _target(callout, u["lee"]).answered_at
    assert _answer(app, lee_receipt, "unavailable").get_json()["message"] == "응답했습니다: 불가"
    again = _answer(app, lee_receipt, "ack")
    assert again.status_code == 200 and again.get_json()["message"] == "이미 응답했습니다: 불가"
    lee_target = _target(callout, u["lee"])
    assert (lee_target.answer, lee_target.via, lee_target.answered_at) == ("unavailable", "notification", first)
    assert _answer(app, kim_receipt, "unavailable", "en").get_json() == {"title": "Answer sent",
                                                                         "message": "Answered: Unavailable"}

    # Four answers; the tap that found 불가 answered nothing.
    audited = db.session.scalars(select(AuditLog).where(AuditLog.action == "emergency.answered")).all()
    assert len(audited) == 4 and all(row.detail["via"] == "notification" and row.detail["drill"] for row in audited)

    # Once closed, a button is refused with the reason, and nothing changes.
    callouts.close(db.session, u["boss"], db.session.merge(callout))
    db.session.commit()
    closed = _answer(app, kim_receipt, "available")
    assert closed.status_code == 409 and closed.get_json()["code"] == "action_refused"
    assert closed.get_json()["error"] == "이미 종료된 비상소집입니다."
    assert _target(callout, u["kim"]).answer == "unavailable"


def test_answers_the_message_did_not_offer_are_refused(app, group, people):
    u = people["users"]
    callout = callouts.start(db.session, u["boss"], group, message="집결", drill=False, escalation_minutes=5)
    notice = send(db.session, audience=Audience.everyone(), title="공지", source="board", source_id=1)
    db.session.flush()
    messages = {m.source: m for m in (_callout_message(callout), notice)}
    deliveries = {}
    for source, message in messages.items():
        delivery = PushDelivery(message_id=message.id, user_id=u["kim"].id, state="sent")
        db.session.add(delivery)
        db.session.flush()
        deliveries[source] = receipt_for(delivery.id, app.config["SECRET_KEY"])
    db.session.commit()
    cases = [
        (deliveries["emergency"], "delete", 409, "action_refused", "이 알림에서 할 수 없는 응답입니다."),
        (deliveries["board"], "ack", 409, "action_refused", "이 알림에서 할 수 없는 응답입니다."),
        (receipt_for(999_999, app.config["SECRET_KEY"]), "ack", 409, "action_refused",
         "이 알림은 더 이상 응답을 받지 않습니다."),
        (receipt_for(1, "a guess"), "ack", 400, "invalid_receipt", "알림 영수증이 올바르지 않습니다."),
        (deliveries["emergency"], "", 400, "invalid_action", "action이 올바르지 않습니다."),
        (deliveries["emergency"], "a" * 33, 400, "invalid_action", "action이 올바르지 않습니다."),
    ]
    for receipt, action, status, code, error in cases:
        response = _answer(app, receipt, action)
        assert (response.status_code, response.get_json()["code"], response.get_json()["error"]) == (
            status, code, error), action
    for body in ([1], {"receipt": deliveries["emergency"], "action": 5}, "x"):
        response = app.test_client().post("/api/push/action", json=body)
        assert response.status_code == 400 and response.is_json
    assert all(t.answer is None for t in callout.targets)

    # An account switched off since the push cannot answer with the push's receipt.
    u["kim"].is_active = False
    db.session.commit()
    gone = _answer(app, deliveries["emergency"], "available")
    assert gone.status_code == 409 and gone.get_json()["error"] == "이 알림은 더 이상 응답을 받지 않습니다."


def test_a_sender_cannot_offer_more_buttons_than_a_notification_shows(app):
    with pytest.raises(ValueError, match="at most 3"):
        send(db.session, audience=Audience.everyone(), title="t",
             buttons=tuple(Button(f"a{i}", "x") for i in range(4)))
    with pytest.raises(ValueError, match="own action"):
        send(db.session, audience=Audience.everyone(), title="t", buttons=(Button("a", "x"), Button("a", "y")))

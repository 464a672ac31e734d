"""Delivery reports from the providers, applied idempotently with a precedence of states.

Reports may come late (up to 72 h), twice or out of order, so a state only ever moves up its ladder, in
one conditional UPDATE (atomic on SQLite and PostgreSQL alike). A repeat or a report that would move a
state down changes nothing and adds nothing to the timeline.
- Carrier receipts: not_displayed < displayed < after_call_displayed.
- Kakao reports: (queued, held, sending, sent) < FAILED < DELIVERED. A message once delivered stays
  delivered; a failure reported after it is a stale duplicate.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.i18n import N_
from core.models.calls import Call, CallLog
from core.timeutil import as_utc, utcnow

RECEIPT_LADDER = ("not_displayed", "displayed", "after_call_displayed")
# Timeline summaries (Korean, see core.lettering.dispatch); the row's detail holds the status.
RECEIPT_LABELS = {"not_displayed": N_("통신사 보고: 레터링이 표시되지 않음"),
                  "displayed": N_("통신사 보고: 통화 화면에 레터링 표시됨"),
                  "after_call_displayed": N_("통신사 보고: 통화 후 안내 화면 표시됨")}
KAKAO_BELOW = {"FAILED": ("queued", "held", "sending", "sent"), "DELIVERED": ("queued", "held", "sending", "sent",
                                                                              "failed")}
KAKAO_STATUS = {"FAILED": "failed", "DELIVERED": "delivered"}
KAKAO_LABELS = {"FAILED": N_("카카오 보고: 알림톡 전달 실패"), "DELIVERED": N_("카카오 보고: 알림톡 전달 완료")}
# Why a report was refused: the code goes on the wire as is, the message in the sender's language.
PROBLEMS = {
    "invalid_receipt": N_("callId와 status(displayed, after_call_displayed, not_displayed)가 필요합니다."),
    "invalid_status": N_("status는 DELIVERED 또는 FAILED여야 합니다."),
    "missing_call": N_("recipientGroupingKey 또는 requestId가 필요합니다."),
}


def valid_signature(secret: str, raw: bytes, signature: str | None) -> bool:
    """Hex HMAC-SHA256 of the raw body."""
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())  # bytes: any header text


def _when(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
        return as_utc(moment) if moment.tzinfo else utcnow()
    except (ValueError, OverflowError):  # OverflowError: an offset taking year 1 or 9999 out of range
        return utcnow()


def apply_carrier_receipt(session: Session, data: dict[str, Any]) -> str:
    """Apply a carrier receipt; returns a key of PROBLEMS for a malformed one, '' otherwise."""
    status, call_id = data.get("status"), data.get("callId")
    if not isinstance(status, str) or status not in RECEIPT_LADDER or not isinstance(call_id, str):
        return "invalid_receipt"
    lower = RECEIPT_LADDER[:RECEIPT_LADDER.index(status)]
    changed = session.execute(
        update(Call).where(Call.call_id == call_id,
                           or_(Call.receipt_status.is_(None), Call.receipt_status.in_(lower)))
        .values(receipt_status=status, updated_at=utcnow()).returning(Call.id)).scalar()
    if changed is not None:
        session.add(CallLog(call_pk=changed, at=_when(data.get("at")), kind="receipt", summary=RECEIPT_LABELS[status],
                            detail={"status": status, "request_id": str(data.get("requestId", ""))[:64]}))
    return ""


def apply_kakao_report(session: Session, data: dict[str, Any]) -> str:
    """Apply a Kakao delivery report; returns a key of PROBLEMS for a malformed one, '' otherwise."""
    status = data.get("status")
    if not isinstance(status, str) or status not in KAKAO_STATUS:  # {} or [] is not even hashable
        return "invalid_status"
    key, request_id = data.get("recipientGroupingKey"), data.get("requestId")
    if isinstance(key, str) and key:
        match = Call.call_id == key
    elif isinstance(request_id, str) and request_id:
        match = Call.alimtalk_request_id == request_id
    else:
        return "missing_call"
    # Delivered or failed, the message is finished: delivery no longer needs the citizen's number.
    values: dict[str, Any] = {"alimtalk_status": KAKAO_STATUS[status], "updated_at": utcnow(), "peer_encrypted": None}
    if isinstance(data.get("resultCode"), int) and status == "FAILED":
        values["alimtalk_result_code"] = data["resultCode"]
    call_pk = session.scalar(select(Call.id).where(match))
    if call_pk is None:
        return ""  # not ours, or purged: a repeat must stay harmless
    changed = session.execute(update(Call).where(Call.id == call_pk, Call.alimtalk_status.in_(KAKAO_BELOW[status]))
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed:
        session.add(CallLog(call_pk=call_pk, at=_when(data.get("reportedAt")), kind="receipt",
                            summary=KAKAO_LABELS[status],
                            detail={"status": status, "result_code": data.get("resultCode"),
                                    "request_id": str(request_id or "")[:64]}))
    return ""

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
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.i18n import N_
from core.models.calls import Call, CallLog
from core.timeutil import as_utc, utcnow

log = logging.getLogger("lettering.reports")

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
    "invalid_report": N_("보고의 필드 형식이 올바르지 않습니다. requestId, recipientGroupingKey, reportedAt은 문자열, "
                         "recipientSeq와 resultCode는 정수여야 합니다."),
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


# The optional fields of each report and their JSON types (the OpenAPI document says the same): a field of
# another type makes the report malformed, rather than being stored or guessed at.
CARRIER_TYPES = {"requestId": str, "at": str}
KAKAO_TYPES = {"requestId": str, "recipientGroupingKey": str, "reportedAt": str, "recipientSeq": int, "resultCode": int}


def _typed(data: dict[str, Any], types: dict[str, type]) -> bool:
    return all(name not in data or data[name] is None or (isinstance(data[name], kind) and
                                                          not isinstance(data[name], bool))
               for name, kind in types.items())


def apply_carrier_receipt(session: Session, data: dict[str, Any]) -> str:
    """Apply a carrier receipt; returns a key of PROBLEMS for a malformed one, '' otherwise."""
    status, call_id = data.get("status"), data.get("callId")
    if not isinstance(status, str) or status not in RECEIPT_LADDER or not isinstance(call_id, str) \
            or not _typed(data, CARRIER_TYPES):
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
    if not _typed(data, KAKAO_TYPES):
        return "invalid_report"
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


# --- storing under load -------------------------------------------------------------------------------
# PROTOCOLS.md: answer within 3 s. A receipt waits for the database (another writer holding SQLite's one write
# lock, a PostgreSQL row lock, a dropped connection) at most this long in all, retrying, and is then refused
# with ``StoreBusy`` (the web answers 503 with Retry-After), so the provider keeps it and sends it again:
# a receipt is either stored or refused, never lost behind a 500.
STORE_WAIT_S = 2.5
RETRY_AFTER_S = 2


class StoreBusy(Exception):
    """The database could not take the receipt in time; ask the provider to send it again."""


def store(engine: Engine, apply: Callable[[Session, dict[str, Any]], str], data: dict[str, Any],
          wait_s: float = STORE_WAIT_S) -> str:
    """Run ``apply`` (``apply_carrier_receipt`` or ``apply_kakao_report``) in its own short transaction and
    commit; returns its problem key ('' when stored). Raises :class:`StoreBusy` after ``wait_s``."""
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return _store_once(engine, apply, data, deadline - time.monotonic())
        except OperationalError as exc:
            if time.monotonic() + delay >= deadline:
                log.warning("receipt refused, database busy: %s", getattr(exc, "orig", exc))
                raise StoreBusy from exc
        time.sleep(delay * random.uniform(0.5, 1.0))  # jitter: a burst does not retry in step
        delay = min(delay * 2, 0.4)


def _store_once(engine: Engine, apply: Callable[[Session, dict[str, Any]], str], data: dict[str, Any],
                wait_s: float) -> str:
    wait_ms = max(int(wait_s * 1000), 1)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # the connection's lock wait, this once (the engine's default is restored below)
            usual = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
            conn.commit()
        try:
            with Session(bind=conn) as session:
                if not sqlite:
                    session.execute(text(f"SET LOCAL lock_timeout = {wait_ms}"))
                problem = apply(session, data)
                if problem:
                    session.rollback()
                else:
                    session.commit()
                return problem
        finally:
            if sqlite:
                conn.rollback()
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual)}")
                conn.commit()

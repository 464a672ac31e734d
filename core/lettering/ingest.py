"""PBX call events (PROTOCOLS.md §1): signature check, validation with per-field errors, and storage.

``store_events`` writes the events, the calls they belong to, the timeline entries and the jobs in the
caller's single transaction, so an event is never stored without its job nor a job without its event.
The citizen's number is kept only as a keyed hash, an encrypted copy and a masked form.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import jobs, jsonsafe
from core.i18n import N_
from core.lettering.holdout import assigner
from core.lettering.lookup import find_lines
from core.models.calls import Call, CallEvent, CallLog
from core.phone import format_korean, mask, try_normalize
from core.privacy import encrypt_phone, phone_hash
from core.timeutil import as_utc, utcnow

MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS = 500
TIMESTAMP_WINDOW_S = 300
ID_MAX = 64
DURATION_MAX_S = 2 ** 31 - 1  # what the calls.duration_s column holds
EVENT_TYPES = ("dial", "ringing", "answered", "missed", "ended", "incoming")
_LINE_TEXT = re.compile(r"^[+\d][\d\s\-()]{2,24}$")

# Which jobs each event type starts (the kinds are handled in core.lettering.dispatch).
JOBS_FOR = {
    "dial": ("lettering.dial",),
    "answered": ("lettering.state",),
    "missed": ("lettering.state", "lettering.fallback"),
    "ended": ("lettering.state", "lettering.fallback"),
}

# The timeline's summaries (Korean, see core.lettering.dispatch); the detail of an event's row holds the
# type and the parameters, so that the console can show it in the reader's language.
SUMMARIES = {
    "dial": N_("발신 시작: %(line)s → %(peer)s"),
    "ringing": N_("상대방 전화벨 울림"),
    "answered": N_("통화 연결됨"),
    "missed": N_("부재중(받지 않음)"),
    "ended": N_("통화 종료"),
    "incoming": N_("수신 전화: %(peer)s → %(line)s"),
}
ENDED_AFTER = N_("통화 종료 (%(seconds)s초)")


@dataclass(frozen=True)
class PbxEvent:
    event_id: str
    call_id: str
    type: str
    line: str
    peer: str          # E.164; never logged
    at: datetime
    duration_s: int | None


def verify_signature(secret: str, timestamp: str | None, signature: str | None, body: bytes,
                     now: float | None = None) -> bool:
    """HMAC-SHA256 over ``"{timestamp}.{raw body}"`` and a timestamp within 300 s of our clock."""
    if not secret or not timestamp or not signature:
        return False
    try:
        stamp = int(timestamp.strip())
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - stamp) > TIMESTAMP_WINDOW_S:
        return False
    expected = hmac.new(secret.encode(), timestamp.strip().encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())  # bytes: any header text


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a PBX sends (used by the demo CLI, the benchmark and tests)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-PBX-Timestamp": stamp, "X-PBX-Signature": signature}


@dataclass(frozen=True)
class FieldError:
    """One entry of a 400 answer: the web layer sends ``{"index", "field", "message"}``, the message being
    ``message % params`` in the sender's language (Korean by default)."""

    index: int
    field: str
    message: str                 # a Korean msgid with %(name)s parameters
    params: dict[str, Any]


def _error(index: int, field: str, message: str, **params: Any) -> FieldError:
    return FieldError(index, field, message, params)


def _check_id(item: dict, field: str, index: int, errors: list) -> str:
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        errors.append(_error(index, field, N_("%(name)s은(는) 비어 있지 않은 문자열이어야 합니다."), name=field))
        return ""
    if len(value) > ID_MAX:
        errors.append(_error(index, field, N_("%(name)s은(는) %(max)s자 이하여야 합니다."), name=field, max=ID_MAX))
    return value


def _parse_event(item: Any, index: int, errors: list) -> PbxEvent | None:
    if not isinstance(item, dict):
        errors.append(_error(index, "event", N_("이벤트는 JSON 객체여야 합니다.")))
        return None
    before = len(errors)
    event_id = _check_id(item, "event_id", index, errors)
    call_id = _check_id(item, "call_id", index, errors)
    kind = item.get("type")
    if kind not in EVENT_TYPES:
        errors.append(_error(index, "type", N_("type은 %(types)s 중 하나여야 합니다."), types=", ".join(EVENT_TYPES)))
    line = item.get("line")
    if not isinstance(line, str) or not _LINE_TEXT.fullmatch(line.strip()):
        errors.append(_error(index, "line",
                             N_("line은 회선 번호(예: 031-8075-1234) 또는 내선번호(예: 1234)여야 합니다.")))
    peer_raw = item.get("peer")
    peer = try_normalize(peer_raw) if isinstance(peer_raw, str) else None
    if peer is None or not peer.startswith("+82"):
        # The message never repeats the number: error answers may end up in someone's logs.
        errors.append(_error(index, "peer", N_("peer는 유효한 국내 전화번호여야 합니다.")))
    at = None
    raw_at = item.get("at")
    if isinstance(raw_at, str):
        try:
            at = datetime.fromisoformat(raw_at.strip())
            at = as_utc(at) if at.tzinfo else None
        except (ValueError, OverflowError):  # OverflowError: an offset taking year 1 or 9999 out of range
            at = None
    if at is None:
        errors.append(_error(index, "at", N_("at은 시간대(오프셋)가 있는 ISO 8601 시각이어야 합니다.")))
    duration = item.get("duration_s")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int) or duration < 0):
        errors.append(_error(index, "duration_s", N_("duration_s는 0 이상의 정수여야 합니다.")))
    elif duration is not None and duration > DURATION_MAX_S:
        errors.append(_error(index, "duration_s", N_("duration_s는 %(max)s 이하여야 합니다."), max=DURATION_MAX_S))
    if len(errors) > before:
        return None
    # Stored in UTC: SQLite keeps the wall time and drops the offset.
    return PbxEvent(event_id=event_id, call_id=call_id, type=kind, line=line.strip(), peer=peer, at=as_utc(at),
                    duration_s=duration if kind == "ended" else None)


def parse_body(body: bytes) -> tuple[list[PbxEvent], list[FieldError]]:
    """Events and per-field errors; any error means the whole request is refused."""
    try:
        data = jsonsafe.loads(body)  # no 500 from nesting, huge numbers, NUL or lone surrogates
    except (ValueError, UnicodeDecodeError):
        return [], [_error(0, "body", N_("본문이 올바른 JSON이 아닙니다."))]
    if isinstance(data, dict) and "events" in data:
        items = data["events"]
        if not isinstance(items, list) or not items:
            return [], [_error(0, "events", N_("events는 비어 있지 않은 배열이어야 합니다."))]
        if len(items) > MAX_EVENTS:
            return [], [_error(0, "events", N_("한 번에 최대 %(max)s개의 이벤트만 보낼 수 있습니다."), max=MAX_EVENTS)]
    else:
        items = [data]
    errors: list[FieldError] = []
    events = [e for i, item in enumerate(items) if (e := _parse_event(item, i, errors)) is not None]
    return (events if not errors else []), errors


def _apply(call: Call, event: PbxEvent) -> None:
    """Fold an event into the call's summary columns (events may come out of order)."""
    if event.type == "dial":
        call.dialed_at = call.dialed_at or event.at
    elif event.type == "answered":
        call.answered_at = call.answered_at or event.at
        call.outcome = "answered"
    elif event.type == "missed":
        if call.outcome != "answered":
            call.outcome = "missed"
        call.ended_at = call.ended_at or event.at
    elif event.type == "ended":
        call.ended_at = event.at
        call.duration_s = event.duration_s
        if call.outcome is None:
            call.outcome = "answered" if event.duration_s else "ended"


def store_events(session: Session, events: list[PbxEvent], settings: dict) -> tuple[int, int]:
    """Store new events with their calls, timeline and jobs; returns (accepted, duplicates).
    The caller commits (and retries on a unique-constraint race with a concurrent request)."""
    seen = set(session.scalars(select(CallEvent.event_id).where(
        CallEvent.event_id.in_({e.event_id for e in events}))))
    fresh: list[PbxEvent] = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            fresh.append(event)
    if not fresh:
        return 0, len(events)
    calls = {c.call_id: c for c in session.scalars(select(Call).where(
        Call.call_id.in_({e.call_id for e in fresh})))}
    lines = find_lines(session, [e.line for e in fresh if e.call_id not in calls])
    hash_key, enc_key = settings["PHONE_HASH_KEY"], settings["PHONE_ENCRYPTION_KEY"]
    held_out = assigner(settings)
    for event in fresh:
        if event.call_id in calls:
            continue
        line = lines.get(event.line)
        call = Call(call_id=event.call_id, line_id=line.id if line else None,
                    department_id=line.department_id if line else None,
                    line_number=line.number if line else (try_normalize(event.line) or ""),
                    peer_hash=phone_hash(event.peer, hash_key), peer_encrypted=encrypt_phone(event.peer, enc_key),
                    peer_masked=mask(event.peer),
                    lettering_status="pending" if line is not None and line.active else "no_line")
        if event.type == "incoming":
            call.lettering_status = "incoming"
            call.peer_encrypted = None  # nothing is ever sent for a call the citizen made
        else:
            # The arm is written once, here: dispatch reads it, and a later change of the share moves no call.
            call.holdout = held_out(event.call_id)
        session.add(call)
        calls[event.call_id] = call
    session.flush()  # the new calls' ids, for their timeline rows
    work: list[tuple[str, dict[str, Any]]] = []
    event_rows: list[dict[str, Any]] = []
    log_rows: list[dict[str, Any]] = []
    received = utcnow()
    for event in fresh:
        call = calls[event.call_id]
        _apply(call, event)
        detail: dict[str, Any] = {"line": event.line}
        if event.duration_s is not None:
            detail["duration_s"] = event.duration_s
        event_rows.append({"event_id": event.event_id, "call_id": event.call_id, "type": event.type, "at": event.at,
                           "received_at": received, "detail": detail})
        log_detail: dict[str, Any] = {"type": event.type, "event_id": event.event_id}
        if event.type in ("dial", "incoming"):
            log_detail.update(line=format_korean(call.line_number) or event.line, peer=call.peer_masked)
        elif event.type == "ended":
            log_detail["seconds"] = event.duration_s
        summary = (ENDED_AFTER if event.type == "ended" and event.duration_s is not None
                   else SUMMARIES[event.type]) % log_detail
        log_rows.append({"call_pk": call.id, "at": event.at, "kind": "event", "summary": summary,
                         "detail": log_detail})
        if call.lettering_status == "incoming":
            continue
        for kind in JOBS_FOR.get(event.type, ()):
            payload: dict[str, Any] = {"call_id": event.call_id, "event_id": event.event_id}
            if kind == "lettering.state":
                payload.update(state=event.type, at=event.at.isoformat())
            work.append((kind, payload))
    session.flush()
    # Plain multi-row INSERTs: a PBX batch of 500 costs three statements, not 1,500 ORM objects.
    session.execute(insert(CallEvent), event_rows)
    session.execute(insert(CallLog), log_rows)
    jobs.enqueue_many(session, work)
    return len(fresh), len(events) - len(fresh)

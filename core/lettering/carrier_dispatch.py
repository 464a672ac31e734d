"""Lettering on ``dial`` and the call states: the carrier's request (PROTOCOLS.md §2), built from the line
and the campaign the rule chooses, and the state reports that follow. Part of ``core.lettering.dispatch``."""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, case, exists, select
from sqlalchemy.orm import Session, lazyload, sessionmaker

from core.jobs import Defer, PermanentError, Record
from core.lettering.dispatch_context import (
    CARRIER_LABELS,
    CARRIER_STATUSES,
    EXPIRES_IN_S,
    NOT_LETTERED,
    RING_WINDOW_S,
    STATE_LABELS,
    STATE_REPORTED,
    WAIT_FOR_DIAL_S,
    Context,
    add_log,
    call_by_id,
    waiting_for_dial,
)
from core.models.calls import Call, CallLog
from core.models.lettering import Campaign, Line, OptOut
from core.privacy import decrypt_phone
from core.timeutil import as_utc, utcnow

log = logging.getLogger("lettering.dispatch")


def _absolute(base: str, url: str) -> str:
    return base + url if url.startswith("/") else url


def lettering_request(call: Call, line: Line, campaign: Campaign | None, callee: str, base: str) -> dict[str, Any]:
    """The carrier's display request (PROTOCOLS.md §2). Deterministic, so a retry has the same body."""
    display = {"institution": line.institution, "department": line.department_name, "message": line.message[:64]}
    if line.logo_url:
        display["logoUrl"] = _absolute(base, line.logo_url)
    body: dict[str, Any] = {"callId": call.call_id, "caller": line.number, "callee": callee, "display": display}
    if campaign is not None:
        after = {"title": campaign.title, "linkUrl": f"{base}/p/{campaign.token}"}
        if campaign.image_urls:
            after["imageUrl"] = _absolute(base, campaign.image_urls[0])
        body["afterCall"] = after
    body["expiresInSeconds"] = EXPIRES_IN_S
    return body


# ---- dial -------------------------------------------------------------------------------------------

# The hot path's statements, built once: building and caching SQL expressions per job costs more CPU
# than running them. Core tables, so no ORM bookkeeping happens for a row we only update.
_calls, _logs = Call.__table__, CallLog.__table__
_DIAL_READ = (select(Call, Line, exists().where(OptOut.phone_hash == Call.peer_hash, OptOut.active)
                     .correlate(Call))
              .outerjoin(Line, Line.id == Call.line_id).options(lazyload(Line.department))
              .where(Call.call_id == bindparam("call_id")))
# A lettering shown on the screen settles the call: the fallback can only be skipped (``policy.decide``), so
# the encrypted number goes in the same statement.
_DIAL_WRITE = (_calls.update()
               .where(_calls.c.call_id == bindparam("key"), _calls.c.lettering_status == "pending")
               .values(lettering_status=bindparam("status"), carrier_request_id=bindparam("request_id"),
                       lettering_error=bindparam("error"), updated_at=bindparam("now"),
                       carrier_latency_ms=bindparam("latency_ms"),
                       peer_encrypted=case((bindparam("status") == "accepted", None),
                                           else_=_calls.c.peer_encrypted))
               .returning(_calls.c.id))
LOG_INSERT = _logs.insert()


def handle_dial(factory: sessionmaker[Session], ctx: Context, payload: dict) -> Record | None:
    with factory() as session:
        # The call, its line and the opt-out check in one query.
        found = session.execute(_DIAL_READ, {"call_id": payload["call_id"]}).first()
        if found is None:
            raise PermanentError(f"unknown call {payload['call_id']}")
        call, line, is_opted = found
        if call.lettering_status != "pending":
            if call.lettering_status == "no_line" and call.peer_encrypted is not None:
                call.peer_encrypted = None  # no line: nothing will ever be sent to this number
                session.commit()
            return None  # already answered (a repeat after a crash)
        now = utcnow()
        callee = decrypt_phone(call.peer_encrypted, ctx.settings["PHONE_ENCRYPTION_KEY"]) \
            if call.peer_encrypted else None
        if line is None or not line.active:
            outcome = "no_line"
        elif is_opted:
            outcome = "opted_out"  # before the holdout: an opted-out citizen is in neither arm
        elif call.holdout:
            outcome = "holdout"    # the one place a held-out call is skipped (its fallback skips in policy)
        elif callee is None:
            outcome = "failed"
        else:
            outcome = ""
        if outcome:
            call.lettering_status = outcome
            call.peer_encrypted = None  # no line, opted out, held out or unreadable: the fallback can only skip
            add_log(session, call, "carrier", NOT_LETTERED[outcome], now, status=outcome)
            session.commit()
            log.info("call %s lettering %s", call.call_id, outcome)
            return None
        body = lettering_request(call, line, ctx.campaign_for(session, line, now), callee, ctx.public_base)
        dialed = as_utc(call.dialed_at) if call.dialed_at else now
        session.rollback()  # no transaction stays open while the carrier answers
    ring_left = RING_WINDOW_S - (now - dialed).total_seconds()
    started = time.monotonic()
    result = ctx.carrier.register(body, started + max(ring_left, 0.0))
    latency_ms = round((time.monotonic() - started) * 1000)  # provider health (core.lettering.health)
    log.info("call %s lettering %s (attempts %d)", payload["call_id"], result.status, result.attempts)
    answered_at = utcnow()

    def apply(session: Session) -> list[dict[str, Any]]:
        # One conditional UPDATE: whoever records first wins, a repeat after a crash changes nothing.
        call_pk = session.execute(_DIAL_WRITE, {"key": payload["call_id"], "status": result.status,
                                                "request_id": result.request_id, "error": result.error[:255],
                                                "now": utcnow(), "latency_ms": latency_ms}).scalar()
        if call_pk is None:
            return []
        detail: dict[str, Any] = {"status": result.status, "request_id": result.request_id,
                                  "attempts": result.attempts}
        if result.status == "failed":
            detail.update(error=result.error, error_code=result.error_code, error_args=dict(result.error_args))
        return [{"call_pk": call_pk, "at": answered_at, "kind": "carrier",
                 "summary": (CARRIER_LABELS[result.status] % {"error": result.error})[:255], "detail": detail}]

    return Record(apply)


# ---- call states ------------------------------------------------------------------------------------

def handle_state(factory: sessionmaker[Session], ctx: Context, payload: dict) -> Defer | None:
    with factory() as session:
        call = call_by_id(session, payload["call_id"])
        if waiting_for_dial(call):
            return Defer(utcnow() + timedelta(seconds=WAIT_FOR_DIAL_S), "레터링 응답 대기")
        if call.lettering_status not in (*CARRIER_STATUSES, "failed"):
            return None  # the carrier never heard of this call
        session.rollback()
    ctx.carrier.report_state(payload["call_id"], payload["state"], payload["at"])
    with factory() as session:
        call = call_by_id(session, payload["call_id"])
        add_log(session, call, "state", STATE_REPORTED % {"state": STATE_LABELS.get(payload["state"], "")},
             utcnow(), state=payload["state"])
        session.commit()
    return None

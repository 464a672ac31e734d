"""After the call: the fallback decision (``core.lettering.policy``) and the AlimTalk it may send
(PROTOCOLS.md §3), only with an approved template. Part of ``core.lettering.dispatch``."""
from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from core import jobs
from core.jobs import Defer, PermanentError, TransientError
from core.lettering.alimtalk_templates import fallback_code, sendable_template
from core.lettering.campaigns import active_campaign_for
from core.lettering.dispatch_context import (
    ALIMTALK_DROPPED,
    ALIMTALK_LABELS,
    ALIMTALK_PROBLEMS,
    ALIMTALK_REPEATED,
    BUTTON_URL_MAX,
    FALLBACK_LABELS,
    WAIT_FOR_DIAL_S,
    Context,
    add_log,
    call_by_id,
    is_postgres,
    waiting_for_dial,
)
from core.lettering.optout import is_opted_out
from core.lettering.policy import REASONS, Decision, Situation, decide
from core.models.calls import Call
from core.models.lettering import AlimTalkTemplate, Campaign, Line
from core.phone import format_korean, to_domestic_digits
from core.privacy import decrypt_phone, optout_token
from core.timeutil import as_utc, utcnow

log = logging.getLogger("lettering.dispatch")
_VARIABLE = re.compile(r"#\{([^}]+)\}")


# ---- fallback decision ------------------------------------------------------------------------------

def _sent_in_window(session: Session, call: Call, now: datetime) -> int:
    other = aliased(Call)
    return int(session.scalar(select(func.count()).select_from(other).where(
        other.peer_hash == call.peer_hash, other.department_id.is_not_distinct_from(call.department_id),
        other.id != call.id, other.alimtalk_sent_at > now - timedelta(hours=24))) or 0)


def _situation(session: Session, call: Call, now: datetime) -> Situation:
    status = call.lettering_status if call.lettering_status != "pending" else "failed"
    return Situation(lettering_status=status,
                     answered=call.answered_at is not None or bool(call.duration_s),
                     call_at=as_utc(call.ended_at or call.dialed_at or call.created_at), now=now,
                     opted_out=is_opted_out(session, call.peer_hash),
                     sent_in_window=_sent_in_window(session, call, now),
                     has_number=call.peer_encrypted is not None)


def handle_fallback(factory: sessionmaker[Session], ctx: Context, payload: dict) -> Defer | None:
    with factory() as session:
        call = call_by_id(session, payload["call_id"])
        now = utcnow()
        if call.fallback_decision is not None:
            return None  # the first of ``missed`` / ``ended`` decided
        if waiting_for_dial(call):
            return Defer(utcnow() + timedelta(seconds=WAIT_FOR_DIAL_S), "레터링 응답 대기")
        decision = decide(_situation(session, call, now), ctx.guards)
        values: dict[str, Any] = {"fallback_decision": decision.action, "fallback_reason": decision.reason,
                                  "updated_at": now}
        if decision.action in ("send", "hold"):
            values["alimtalk_status"] = "queued" if decision.action == "send" else "held"
        else:
            values["peer_encrypted"] = None  # delivery no longer needs the number
        # ``missed`` and ``ended`` each ask for the decision and may run at once: the conditional UPDATE lets
        # exactly one record it (PostgreSQL re-checks the condition after the other's commit, SQLite has one
        # writer), and the other then does nothing.
        if not session.execute(update(Call).where(Call.id == call.id, Call.fallback_decision.is_(None))
                               .values(**values).execution_options(synchronize_session=False)).rowcount:
            session.rollback()
            return None
        add_log(session, call, "fallback", f"{FALLBACK_LABELS[decision.action]}: {decision.label}", now,
             action=decision.action,
             reason=decision.reason, send_at=decision.send_at.isoformat() if decision.send_at else None)
        if decision.action in ("send", "hold"):
            jobs.enqueue(session, "lettering.alimtalk", {"call_id": call.call_id}, run_at=decision.send_at)
        session.commit()
    log.info("call %s fallback %s (%s)", payload["call_id"], decision.action, decision.reason)
    return None


# ---- AlimTalk ---------------------------------------------------------------------------------------

def _reserve(session: Session, call: Call, cap: int, now: datetime) -> bool:
    """Take a slot of the frequency cap atomically: one conditional UPDATE, serialised per citizen and
    department by an advisory lock on PostgreSQL (SQLite serialises all writers anyway)."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                        {"k": f"alimtalk:{call.peer_hash}:{call.department_id}"})
    other = aliased(Call)
    recent = (select(func.count()).select_from(other)
              .where(other.peer_hash == call.peer_hash,
                     other.department_id.is_not_distinct_from(call.department_id),
                     other.id != call.id, other.alimtalk_sent_at > now - timedelta(hours=24))
              .scalar_subquery())
    result = session.execute(update(Call).where(Call.id == call.id,
                                                Call.alimtalk_status.in_(("queued", "held", "error")), recent < cap)
                             .values(alimtalk_status="sending", alimtalk_sent_at=now, updated_at=now)
                             .execution_options(synchronize_session=False))
    return bool(result.rowcount)


def template_variables(body: str) -> list[str]:
    return _VARIABLE.findall(body)


def alimtalk_request(call: Call, line: Line, campaign: Campaign | None, template: AlimTalkTemplate,
                     recipient_e164: str, settings: dict) -> dict[str, Any]:
    """The provider's message request (PROTOCOLS.md §3). Raises PermanentError when the template needs a
    variable we cannot fill or a button we cannot link."""
    base = str(settings.get("PUBLIC_BASE_URL", "")).rstrip("/")
    values = {"기관명": line.institution, "부서명": line.department_name, "발신번호": format_korean(line.number),
              "안내문구": line.message, "캠페인": campaign.title if campaign else ""}
    missing = [name for name in template_variables(template.body) if name not in values]
    if missing:
        raise PermanentError("template variables without a value: " + ", ".join(missing))
    links = {"verify": f"{base}/verify?n={to_domestic_digits(line.number)}",
             "campaign": f"{base}/p/{campaign.token}" if campaign else "",
             "optout": f"{base}/optout/{optout_token(call.peer_hash, settings['SECRET_KEY'])}"}
    buttons = []
    for spec in (template.buttons or [])[:5]:  # the approved template's buttons, no others
        kind = spec.get("kind", "")
        url = str(spec.get("url") or "") if kind == "link" else links.get(kind, "")
        if not url:
            continue  # no campaign running: no 안내 보기 button
        if len(url) > BUTTON_URL_MAX:
            raise PermanentError("button URL longer than 500 characters")
        buttons.append({"ordering": len(buttons) + 1, "type": "WL", "name": spec["name"], "linkMo": url,
                        "linkPc": url})
    return {"senderKey": settings["KAKAO_SENDER_KEY"], "templateCode": template.code,
            "recipientList": [{"recipientNo": to_domestic_digits(recipient_e164),
                               "templateParameter": {name: values[name] for name in
                                                     dict.fromkeys(template_variables(template.body))},
                               "buttons": buttons, "resendParameter": {"isResend": False},
                               "recipientGroupingKey": call.call_id}]}


def _finish_alimtalk(session: Session, call: Call, status: str, summary: str, now: datetime, **detail: Any) -> None:
    call.alimtalk_status = status
    if status not in ("sent", "delivered", "failed"):
        call.alimtalk_sent_at = None  # nothing reached the citizen: it does not count against the cap
    call.peer_encrypted = None
    add_log(session, call, "alimtalk", summary, now, status=status, **detail)


def handle_alimtalk(factory: sessionmaker[Session], ctx: Context, payload: dict) -> Defer | None:
    code = fallback_code(ctx.settings)
    with factory() as session:
        call = call_by_id(session, payload["call_id"])
        now = utcnow()
        if call.alimtalk_status not in ("queued", "held", "sending", "error"):
            if call.peer_encrypted is not None and call.alimtalk_status is not None:
                call.peer_encrypted = None  # finished by a report while this job was lost: the number goes
                session.commit()
            return None  # finished earlier ("error" stays open: the console may retry a dead job)
        if call.alimtalk_status != "sending":
            decision: Decision = decide(_situation(session, call, now), ctx.guards)
            if decision.action == "hold":
                call.alimtalk_status = "held"
                session.commit()
                return Defer(decision.send_at, "야간 발송 제한: 아침까지 보류")
            if decision.action in ("skip", "drop"):
                call.fallback_reason = decision.reason
                _finish_alimtalk(session, call, "dropped", ALIMTALK_DROPPED % {"reason": decision.label}, now,
                                 reason=decision.reason)
                session.commit()
                return None
            if not _reserve(session, call, ctx.guards.cap_per_day, now):
                session.rollback()
                call = call_by_id(session, payload["call_id"])
                _finish_alimtalk(session, call, "dropped", ALIMTALK_DROPPED % {"reason": REASONS["cap"]}, now,
                                 reason="cap")
                session.commit()
                return None
            session.commit()
            session.refresh(call)
        template = sendable_template(session, code)  # only an approved template is ever sent
        line = session.get(Line, call.line_id) if call.line_id else None
        recipient = decrypt_phone(call.peer_encrypted, ctx.settings["PHONE_ENCRYPTION_KEY"]) \
            if call.peer_encrypted else None
        problem: tuple[str, str, str] | None = None  # status, problem, error
        if template is None:
            exists_unapproved = session.scalar(select(AlimTalkTemplate.id).where(AlimTalkTemplate.code == code))
            problem = ("template_error", "not_approved" if exists_unapproved else "no_template",
                       code if exists_unapproved else "")
        elif line is None or recipient is None:
            problem = ("error", "no_recipient", "")
        body = None
        if problem is None:
            try:
                body = alimtalk_request(call, line, active_campaign_for(session, line, now), template, recipient,
                                        ctx.settings)
            except PermanentError as exc:
                problem = ("template_error", "template", str(exc))
        if problem is not None:
            status, kind, error = problem
            _finish_alimtalk(session, call, status, ALIMTALK_PROBLEMS[kind] % {"error": error}, now, problem=kind,
                             **({"error": error} if error else {}))
            session.commit()
            return None
        session.rollback()
    started = time.monotonic()
    result = ctx.kakao.send(f"{payload['call_id']}:{code}", body)
    latency_ms = round((time.monotonic() - started) * 1000)
    if result.code == -9000:
        raise TransientError("kakao -9000 internal error")
    with factory() as session:
        call = call_by_id(session, payload["call_id"])
        call.alimtalk_latency_ms = latency_ms
        status = {0: "sent", -1005: "sent", -2001: "template_error", -3001: "not_kakao_user"}.get(result.code, "error")
        if status == "sent" and call.alimtalk_status in ("delivered", "failed"):
            status = call.alimtalk_status  # the provider's report was faster than this answer
        if result.request_id:
            call.alimtalk_request_id = result.request_id
        call.alimtalk_result_code = result.code
        summary = ALIMTALK_LABELS[status] + (f" ({ALIMTALK_REPEATED})" if result.code == -1005 else "")
        _finish_alimtalk(session, call, status, summary, utcnow(), code=result.code,
                         request_id=result.request_id)
        session.commit()
    log.info("call %s alimtalk %s (code %d)", payload["call_id"], status, result.code)
    return None

"""Job handlers of Smart Lettering: lettering on ``dial``, call states, the fallback decision and AlimTalk
(registered with the job runtime by ``core.lettering.jobs``). Providers are passed in (``Context.carrier`` /
``Context.kakao``, HTTP clients in ``core.lettering.providers``); they answer with the result types below.

Every handler is idempotent: a job may run again after a crash, and then finds its work recorded
(the carrier and Kakao also deduplicate by idempotency key). No handler holds a database transaction
while it waits for a provider. Log lines carry call ids and masked numbers only.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, case, exists, func, select, text, update
from sqlalchemy.orm import Session, aliased, lazyload, sessionmaker

from core import jobs
from core.i18n import N_
from core.jobs import Defer, PermanentError, Record, TransientError
from core.lettering import optout
from core.lettering.alimtalk_templates import fallback_code, sendable_template
from core.lettering.campaigns import active_campaign_for, choose, running_campaigns
from core.lettering.holdout import HOLDOUT_SKIPPED
from core.lettering.optout import is_opted_out
from core.lettering.policy import REASONS, Decision, Guards, Situation, decide
from core.models.calls import Call, CallLog
from core.models.lettering import AlimTalkTemplate, Campaign, Line, OptOut
from core.phone import format_korean, to_domestic_digits
from core.privacy import decrypt_phone, optout_token
from core.timeutil import as_utc, utcnow

log = logging.getLogger("lettering.dispatch")

RING_WINDOW_S = 10          # a call can still ring this long after ``dial``: retry the carrier until then
WAIT_FOR_DIAL_S = 0.2       # a state or fallback job waits this long for the dial job's answer
GIVE_UP_WAITING_S = 120     # ... but not forever (a PBX may report ``missed`` without ``dial``)
EXPIRES_IN_S = 60
BUTTON_URL_MAX = 500
_VARIABLE = re.compile(r"#\{([^}]+)\}")
CARRIER_STATUSES = ("accepted", "unsupported_device", "not_subscriber")


def _is_postgres(session: Session) -> bool:
    """Also works for Flask-SQLAlchemy's scoped session (``core.db.is_postgres`` wants a plain one)."""
    return session.get_bind().dialect.name == "postgresql"


# The timeline's summaries, stored in Korean in ``CallLog.summary``. The console shows each row again in the
# reader's language from its kind and detail (blueprints/lettering/timeline.py), so every summary's detail
# tells which of these it is and carries its parameters.
CARRIER_LABELS = {  # detail: status, request_id, attempts (and error when it failed)
    "accepted": N_("통신사 레터링 접수: 화면에 표시됨"),
    "unsupported_device": N_("레터링 미지원 단말(예: 아이폰)"),
    "not_subscriber": N_("레터링 미가입 통신사 번호"),
    "failed": N_("레터링 요청 실패: %(error)s"),
}
CARRIER_ERRORS = {
    "timeout": N_("통신사 응답 시간 초과(%(seconds)s초)"),
    "unreachable": N_("통신사 연결 실패(%(detail)s)"),
    "unreadable": N_("통신사 응답을 해석할 수 없음"),
    "idempotency_conflict": N_("멱등성 충돌(IDEMPOTENCY_CONFLICT)"),
    "bad_request": N_("잘못된 요청: %(detail)s"),
    "unauthorized": N_("통신사 인증 실패(회선 설정 확인 필요)"),
    "transient": N_("통신사 일시 오류(HTTP %(status)s)"),
    "http": N_("통신사 오류(HTTP %(status)s)"),
}
NOT_LETTERED = {  # nothing asked of the carrier; detail: status only
    "no_line": N_("등록되지 않았거나 사용하지 않는 회선이라 레터링을 보내지 않음"),
    "opted_out": N_("수신 거부한 번호라 레터링을 보내지 않음"),
    "failed": N_("수신 번호를 복호화할 수 없어 레터링을 보내지 못함"),
    "holdout": HOLDOUT_SKIPPED,
}
STATE_LABELS = {"answered": N_("통화 연결"), "missed": N_("부재중"), "ended": N_("통화 종료")}
STATE_REPORTED = N_("통신사에 통화 상태 전달: %(state)s")  # detail: state
FALLBACK_LABELS = {"send": N_("대체 발송(알림톡) 결정"), "hold": N_("대체 발송 보류"), "skip": N_("대체 발송 안 함"),
                   "drop": N_("대체 발송 폐기")}  # followed by the reason; detail: action, reason, send_at
ALIMTALK_LABELS = {  # the provider's answer; detail: status, code, request_id
    "sent": N_("알림톡 접수됨(전달 대기)"), "not_kakao_user": N_("카카오톡 미사용자라 알림톡을 보내지 못함"),
    "template_error": N_("알림톡 템플릿 오류(관리자 확인 필요)"), "error": N_("알림톡 발송 실패"),
    "delivered": N_("알림톡 접수됨(전달 완료 보고가 먼저 도착)"),
    "failed": N_("알림톡 접수됨(전달 실패 보고가 먼저 도착)")}
ALIMTALK_REPEATED = N_("이미 접수된 요청")  # appended in brackets for code -1005
ALIMTALK_DROPPED = N_("알림톡 보내지 않음: %(reason)s")  # detail: status dropped, reason
ALIMTALK_PROBLEMS = {  # nothing sent to the provider; detail: status, problem (and error)
    "no_template": N_("승인된 알림톡 템플릿이 없음"),
    "not_approved": N_("알림톡 템플릿 %(error)s이(가) 승인 상태가 아니어서 보내지 않음"
                       "(알림톡 템플릿 화면에서 검수 상태 확인)"),
    "no_recipient": N_("회선 또는 수신 번호가 없어 보낼 수 없음"),
    "template": N_("알림톡 템플릿 오류: %(error)s"),
}
GAVE_UP = {  # a job died (on_dead); detail: gave_up
    "carrier": N_("레터링 작업이 재시도 한도를 넘어 중단됨"),
    "alimtalk": N_("알림톡 작업이 재시도 한도를 넘어 중단됨"),
    "state": N_("통신사에 통화 상태를 전달하지 못함(재시도 한도 초과)"),
}


@dataclass(frozen=True)
class CarrierResult:
    status: str                 # accepted | unsupported_device | not_subscriber | failed
    request_id: str = ""
    error_code: str = ""        # why it failed: a key of CARRIER_ERRORS
    error_args: tuple[tuple[str, str], ...] = ()   # its parameters (never a number)
    attempts: int = 1

    @property
    def error(self) -> str:
        """The reason in Korean, as stored in ``calls.lettering_error``; the console translates the code."""
        return CARRIER_ERRORS[self.error_code] % dict(self.error_args) if self.error_code else ""


@dataclass(frozen=True)
class KakaoResult:
    code: int                   # 0, -1005, -2001, -3001, -9000 (header or per recipient)
    request_id: str = ""
    message: str = ""


class CarrierPort(Protocol):
    def register(self, body: dict[str, Any], deadline: float) -> CarrierResult: ...
    def report_state(self, call_id: str, state: str, at: str) -> None: ...


class KakaoPort(Protocol):
    def send(self, idempotency_key: str, body: dict[str, Any]) -> KakaoResult: ...


CAMPAIGN_CACHE_S = 5.0      # campaigns change rarely; every dial would otherwise load them all


@dataclass
class Context:
    settings: dict
    carrier: CarrierPort
    kakao: KakaoPort
    guards: Guards = field(init=False)
    _campaigns: tuple[float, list[Campaign]] = field(init=False, default=(0.0, []))
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.guards = Guards.from_settings(self.settings)

    def campaign_for(self, session: Session, line: Line, now: datetime) -> Campaign | None:
        """``core.lettering.campaigns.choose`` over the active campaigns, reloaded every few seconds."""
        with self._lock:
            loaded_at, campaigns = self._campaigns
            if time.monotonic() - loaded_at > CAMPAIGN_CACHE_S:
                campaigns = running_campaigns(session)
                for campaign in campaigns:
                    session.expunge(campaign)  # kept (with its departments) after the session closes
                self._campaigns = (time.monotonic(), campaigns)
        return choose(campaigns, line.department_id, now)

    @property
    def public_base(self) -> str:
        return str(self.settings.get("PUBLIC_BASE_URL", "")).rstrip("/")


def _log(session: Session, call: Call, kind: str, summary: str, at: datetime, **detail: Any) -> None:
    session.add(CallLog(call_pk=call.id, at=at, kind=kind, summary=summary[:255], detail=detail))


def _call(session: Session, call_id: str) -> Call:
    call = session.scalar(select(Call).where(Call.call_id == call_id))
    if call is None:
        raise PermanentError(f"unknown call {call_id}")
    return call


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


def _waiting_for_dial(call: Call) -> bool:
    return call.lettering_status == "pending" and \
        utcnow() - as_utc(call.created_at) < timedelta(seconds=GIVE_UP_WAITING_S)


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
            _log(session, call, "carrier", NOT_LETTERED[outcome], now, status=outcome)
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
        call = _call(session, payload["call_id"])
        if _waiting_for_dial(call):
            return Defer(utcnow() + timedelta(seconds=WAIT_FOR_DIAL_S), "레터링 응답 대기")
        if call.lettering_status not in (*CARRIER_STATUSES, "failed"):
            return None  # the carrier never heard of this call
        session.rollback()
    ctx.carrier.report_state(payload["call_id"], payload["state"], payload["at"])
    with factory() as session:
        call = _call(session, payload["call_id"])
        _log(session, call, "state", STATE_REPORTED % {"state": STATE_LABELS.get(payload["state"], "")},
             utcnow(), state=payload["state"])
        session.commit()
    return None


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
        call = _call(session, payload["call_id"])
        now = utcnow()
        if call.fallback_decision is not None:
            return None  # the first of ``missed`` / ``ended`` decided
        if _waiting_for_dial(call):
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
        _log(session, call, "fallback", f"{FALLBACK_LABELS[decision.action]}: {decision.label}", now,
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
    if _is_postgres(session):
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
    _log(session, call, "alimtalk", summary, now, status=status, **detail)


def handle_alimtalk(factory: sessionmaker[Session], ctx: Context, payload: dict) -> Defer | None:
    code = fallback_code(ctx.settings)
    with factory() as session:
        call = _call(session, payload["call_id"])
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
                call = _call(session, payload["call_id"])
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
        call = _call(session, payload["call_id"])
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


def on_dead(factory: sessionmaker[Session], ctx: Context, kind: str, payload: dict, error: str) -> None:
    """Record on the call that a job gave up, so the console shows it next to the dead job."""
    if kind == optout.CODE_KIND:
        optout.code_gave_up(factory, payload)
        return
    with factory() as session:
        call = session.scalar(select(Call).where(Call.call_id == payload.get("call_id")))
        if call is None:
            return
        now = utcnow()
        if kind == "lettering.dial" and call.lettering_status == "pending":
            call.lettering_status, call.lettering_error = "failed", error[:255]
            _log(session, call, "carrier", GAVE_UP["carrier"], now, gave_up=True)
        elif kind == "lettering.alimtalk" and call.alimtalk_status in ("queued", "held", "sending"):
            call.alimtalk_status, call.alimtalk_sent_at = "error", None
            _log(session, call, "alimtalk", GAVE_UP["alimtalk"], now, gave_up=True)
        elif kind == "lettering.state":
            _log(session, call, "state", GAVE_UP["state"], now, gave_up=True)
        session.commit()


HANDLERS: dict[str, Callable[[sessionmaker[Session], Context, dict], Defer | Record | None]] = {
    "lettering.dial": handle_dial,
    "lettering.state": handle_state,
    "lettering.fallback": handle_fallback,
    "lettering.alimtalk": handle_alimtalk,
    optout.CODE_KIND: optout.handle_code,  # an opt-out's one-time code, sent by the same Kakao client
}

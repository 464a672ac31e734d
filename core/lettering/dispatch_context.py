"""What Smart Lettering's job handlers share: the timeline's labels, the providers' result types and ports,
and the ``Context`` a worker builds once (the providers' clients and the campaign choice: the one selection
rule, ``core.lettering.campaigns.choose``, over the running campaigns cached for a few seconds)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.jobs import PermanentError
from core.lettering.campaigns import choose, running_campaigns
from core.lettering.holdout import HOLDOUT_SKIPPED
from core.lettering.policy import Guards
from core.models.calls import Call, CallLog
from core.models.lettering import Campaign, Line
from core.timeutil import as_utc, utcnow

RING_WINDOW_S = 10          # a call can still ring this long after ``dial``: retry the carrier until then
WAIT_FOR_DIAL_S = 0.2       # a state or fallback job waits this long for the dial job's answer
GIVE_UP_WAITING_S = 120     # ... but not forever (a PBX may report ``missed`` without ``dial``)
EXPIRES_IN_S = 60
BUTTON_URL_MAX = 500
CARRIER_STATUSES = ("accepted", "unsupported_device", "not_subscriber")


def is_postgres(session: Session) -> bool:
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


def add_log(session: Session, call: Call, kind: str, summary: str, at: datetime, **detail: Any) -> None:
    session.add(CallLog(call_pk=call.id, at=at, kind=kind, summary=summary[:255], detail=detail))


def call_by_id(session: Session, call_id: str) -> Call:
    call = session.scalar(select(Call).where(Call.call_id == call_id))
    if call is None:
        raise PermanentError(f"unknown call {call_id}")
    return call


def waiting_for_dial(call: Call) -> bool:
    return call.lettering_status == "pending" and \
        utcnow() - as_utc(call.created_at) < timedelta(seconds=GIVE_UP_WAITING_S)

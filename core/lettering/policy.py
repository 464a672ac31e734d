"""The AlimTalk fallback decision: a pure function of the call and the guards, so it is table-tested.

Order of the guards (the first that applies decides):
1. opted out → skip; 2. lettering was shown (``accepted``) → skip; 3. held out (the comparison arm,
   ``core.lettering.holdout``), no line or no number → skip;
4. policy ``never`` → skip; ``missed_only`` and the citizen answered → skip;
5. the frequency cap is reached → skip;
6. stale (older than ``stale_hours`` now, or by the end of the quiet hours) → drop;
7. quiet hours (KST) → hold until the morning; otherwise send.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.i18n import N_
from core.timeutil import KST, as_utc

POLICIES = ("missed_only", "always", "never")
FALLBACK_STATUSES = ("unsupported_device", "not_subscriber", "failed")

# Korean labels of the reason codes: stored in the timeline's summaries, translated where the console shows
# them (blueprints/lettering/labels.py REASON).
REASONS = {
    "opted_out": N_("수신 거부한 번호"),
    "lettered": N_("레터링이 표시되어 대체 발송 불필요"),
    "no_line": N_("등록되지 않은 회선"),
    "no_number": N_("수신 번호가 보관 기간 경과로 삭제됨"),
    "policy_never": N_("대체 발송 정책: 보내지 않음"),
    "answered": N_("통화가 연결되어 부재중 정책상 발송하지 않음"),
    "cap": N_("발송 빈도 제한(부서별 24시간) 초과"),
    "stale": N_("발송 시한이 지나 폐기"),
    "quiet_hours": N_("야간 발송 제한 시간이라 아침까지 보류"),
    "unsupported_device": N_("레터링 미지원 단말"),
    "not_subscriber": N_("레터링 미가입 통신사"),
    "failed": N_("레터링 요청 실패"),
    "holdout": N_("홀드아웃(비교군)이라 보내지 않음"),
}


@dataclass(frozen=True)
class Guards:
    """The configured policy and guards (settings FALLBACK_POLICY, ALIMTALK_CAP_PER_DAY, QUIET_HOURS_*,
    ALIMTALK_STALE_HOURS)."""

    policy: str = "missed_only"
    cap_per_day: int = 1
    quiet_start: int = 21
    quiet_end: int = 8
    stale_hours: int = 12

    @classmethod
    def from_settings(cls, settings: dict) -> Guards:
        policy = settings.get("FALLBACK_POLICY", "missed_only")
        return cls(policy=policy if policy in POLICIES else "missed_only",
                   cap_per_day=int(settings.get("ALIMTALK_CAP_PER_DAY", 1)),
                   quiet_start=int(settings.get("QUIET_HOURS_START", 21)),
                   quiet_end=int(settings.get("QUIET_HOURS_END", 8)),
                   stale_hours=int(settings.get("ALIMTALK_STALE_HOURS", 12)))


@dataclass(frozen=True)
class Situation:
    """What is known about one call when the fallback is decided."""

    lettering_status: str        # Call.lettering_status
    answered: bool               # the citizen picked up
    call_at: datetime            # when the call was missed or ended
    now: datetime
    opted_out: bool = False
    sent_in_window: int = 0      # AlimTalks to this citizen from this department in the last 24 h
    has_number: bool = True      # the encrypted number is still kept


@dataclass(frozen=True)
class Decision:
    action: str                  # send | hold | skip | drop
    reason: str                  # a key of REASONS
    send_at: datetime | None = None

    @property
    def label(self) -> str:
        return REASONS.get(self.reason, self.reason)


def in_quiet_hours(moment: datetime, start: int, end: int) -> bool:
    """Whether a moment falls in the KST quiet hours [start, end), which may wrap past midnight."""
    hour = as_utc(moment).astimezone(KST).hour
    if start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


def quiet_hours_end(moment: datetime, start: int, end: int) -> datetime:
    """The first moment at or after ``moment`` outside the quiet hours (the morning), in UTC."""
    local = as_utc(moment).astimezone(KST)
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    # With a window inside one day (start < end) the end can be later today; both cases give the next end.
    return as_utc(morning)


def decide(situation: Situation, guards: Guards) -> Decision:
    s, g = situation, guards
    if s.opted_out:
        return Decision("skip", "opted_out")
    if s.lettering_status == "accepted":
        return Decision("skip", "lettered")
    if s.lettering_status == "holdout":
        return Decision("skip", "holdout")
    if s.lettering_status in ("no_line", "opted_out"):
        return Decision("skip", s.lettering_status if s.lettering_status == "no_line" else "opted_out")
    if not s.has_number:
        return Decision("skip", "no_number")
    if g.policy == "never":
        return Decision("skip", "policy_never")
    if g.policy == "missed_only" and s.answered:
        return Decision("skip", "answered")
    if s.sent_in_window >= g.cap_per_day:
        return Decision("skip", "cap")
    stale_after = as_utc(s.call_at) + timedelta(hours=g.stale_hours)
    now = as_utc(s.now)
    if now >= stale_after:
        return Decision("drop", "stale")
    if in_quiet_hours(now, g.quiet_start, g.quiet_end):
        morning = quiet_hours_end(now, g.quiet_start, g.quiet_end)
        if morning >= stale_after:
            return Decision("drop", "stale")
        return Decision("hold", "quiet_hours", send_at=morning)
    return Decision("send", s.lettering_status if s.lettering_status in FALLBACK_STATUSES else "failed")

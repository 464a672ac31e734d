"""Creating and editing campaigns in the console: reading and checking the editor's input (title, YouTube
video, policy links, schedule, targets, priority), who may manage which campaign, and the status changes
(pause, resume, archive). Problems come back as Korean msgids with their parameters, never as exceptions,
so that the console shows every one next to its field."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.models.lettering import Campaign
from core.models.organization import Department
from core.timeutil import KST, as_utc

TITLE_MAX, SUMMARY_MAX, LINKS_MAX, LABEL_MAX, URL_MAX = 128, 2000, 10, 60, 500
PRIORITY_MIN, PRIORITY_MAX = -100, 100
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                 "www.youtube-nocookie.com", "youtu.be", "www.youtu.be"}
WEEKDAY_NAMES = (N_("월"), N_("화"), N_("수"), N_("목"), N_("금"), N_("토"), N_("일"))
# status changes: action -> (allowed from, new status)
TRANSITIONS = {"pause": (("active",), "paused"), "resume": (("paused",), "active"),
               "archive": (("active", "paused"), "archived")}


@dataclass(frozen=True)
class Problem:
    field: str
    msgid: str
    params: dict = field(default_factory=dict)


@dataclass
class CampaignInput:
    """The editor's form, as text (what the browser sent)."""
    title: str = ""
    summary: str = ""
    youtube: str = ""
    link_labels: list[str] = field(default_factory=list)
    link_urls: list[str] = field(default_factory=list)
    starts_on: str = ""        # YYYY-MM-DD, KST, inclusive
    ends_on: str = ""          # YYYY-MM-DD, KST, inclusive
    weekdays: list[str] = field(default_factory=list)
    hour_from: str = ""
    hour_until: str = ""
    target_all: bool = False
    department_ids: list[str] = field(default_factory=list)
    priority: str = "0"


@dataclass
class CampaignValues:
    title: str
    summary: str
    youtube_id: str
    links: list[dict]
    starts_at: datetime | None
    ends_at: datetime | None
    weekdays: list[int]
    hour_from: int | None
    hour_until: int | None
    target_all: bool
    departments: list[Department]
    priority: int


def youtube_id(value: str) -> str | None:
    """The 11-character video id of an id or a YouTube URL (watch?v=, youtu.be/, /shorts/, /embed/, /live/)."""
    value = (value or "").strip()
    if YOUTUBE_ID.fullmatch(value):
        return value
    if "://" not in value and value.split("/")[0].lower() in YOUTUBE_HOSTS:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in YOUTUBE_HOSTS:
        return None
    if parts.hostname.lower().endswith("youtu.be"):
        candidate = parts.path.strip("/").split("/")[0]
    elif parts.path.rstrip("/") == "/watch":
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    else:
        segments = [s for s in parts.path.split("/") if s]
        candidate = segments[1] if len(segments) >= 2 and segments[0] in ("shorts", "embed", "live", "v") else ""
    return candidate if YOUTUBE_ID.fullmatch(candidate) else None


def link_allowed(url: str, public_base: str) -> bool:
    """https anywhere, or our own pages: a path on this site, or the public base URL (even if http)."""
    url = url.strip()
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return True
    base = public_base.rstrip("/")
    if base and (url == base or url.startswith(base + "/")):
        return True
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and not parts.username and not parts.password


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _kst_start(day: date) -> datetime:
    # stored in UTC: SQLite drops the offset, and every reader takes a naive time as UTC
    return datetime.combine(day, time(0), tzinfo=KST).astimezone(UTC)


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) <= 6 else None


def check(session: Session, data: CampaignInput, *, public_base: str,
          allowed_departments: set[int] | None) -> tuple[CampaignValues | None, list[Problem]]:
    """The values to store, or the problems. ``allowed_departments`` None: an admin (any target, all lines)."""
    problems: list[Problem] = []
    title = " ".join(data.title.split())
    if not title:
        problems.append(Problem("title", N_("제목을 입력해 주세요.")))
    elif len(title) > TITLE_MAX:
        problems.append(Problem("title", N_("제목은 %(max)d자 이내로 써 주세요(지금 %(n)d자)."),
                                {"max": TITLE_MAX, "n": len(title)}))
    summary = data.summary.strip().replace("\r\n", "\n")
    if len(summary) > SUMMARY_MAX:
        problems.append(Problem("summary", N_("설명은 %(max)d자 이내로 써 주세요."), {"max": SUMMARY_MAX}))
    video = ""
    if data.youtube.strip():
        video = youtube_id(data.youtube) or ""
        if not video:
            problems.append(Problem("youtube", N_("유튜브 영상 주소나 11자리 영상 ID가 아닙니다. "
                                                  "예: https://youtu.be/M7lc1UVf-VE")))
    links = []
    rows = list(zip(data.link_labels, data.link_urls, strict=False))
    for n, (label, url) in enumerate(rows, start=1):
        label, url = " ".join(label.split()), url.strip()
        if not label and not url:
            continue
        if not label:
            problems.append(Problem("links", N_("%(n)d번째 링크에 이름을 붙여 주세요."), {"n": n}))
        elif len(label) > LABEL_MAX:
            problems.append(Problem("links", N_("%(n)d번째 링크 이름은 %(max)d자 이내로 써 주세요."),
                                    {"n": n, "max": LABEL_MAX}))
        if not url:
            problems.append(Problem("links", N_("%(n)d번째 링크의 주소를 입력해 주세요."), {"n": n}))
        elif len(url) > URL_MAX or not link_allowed(url, public_base):
            problems.append(Problem("links", N_("%(n)d번째 링크는 https:// 로 시작하는 주소나 우리 사이트의 "
                                                "주소만 쓸 수 있습니다."), {"n": n}))
        links.append({"title": label, "url": url})
    if len(links) > LINKS_MAX:
        problems.append(Problem("links", N_("정책 링크는 %(max)d개까지 넣을 수 있습니다."), {"max": LINKS_MAX}))
    starts = _day(data.starts_on) if data.starts_on.strip() else None
    ends = _day(data.ends_on) if data.ends_on.strip() else None
    if data.starts_on.strip() and starts is None:
        problems.append(Problem("schedule", N_("시작일은 2026-01-05 처럼 날짜로 입력해 주세요.")))
    if data.ends_on.strip() and ends is None:
        problems.append(Problem("schedule", N_("종료일은 2026-01-31 처럼 날짜로 입력해 주세요.")))
    if starts and ends and ends < starts:
        problems.append(Problem("schedule", N_("종료일이 시작일보다 빠릅니다.")))
    weekdays = sorted({int(d) for d in data.weekdays if d in ("0", "1", "2", "3", "4", "5", "6")})
    if len(weekdays) == 7:
        weekdays = []  # every day
    hours = []
    for text, msgid in ((data.hour_from, N_("시작 시각은 0부터 24 사이의 시(時)로 입력해 주세요.")),
                        (data.hour_until, N_("끝 시각은 0부터 24 사이의 시(時)로 입력해 주세요."))):
        value = _int(text) if text.strip() else None
        if text.strip() and (value is None or not 0 <= value <= 24):
            problems.append(Problem("schedule", msgid))
        hours.append(value)
    priority = _int(data.priority or "0")
    if priority is None or not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        problems.append(Problem("priority", N_("우선순위는 %(min)d부터 %(max)d 사이의 정수로 입력해 주세요."),
                                {"min": PRIORITY_MIN, "max": PRIORITY_MAX}))
    ids = {int(d) for d in data.department_ids if d.isdigit() and len(d) <= 9}
    departments = list(session.scalars(select(Department).where(Department.id.in_(ids)))) if ids else []
    target_all = data.target_all
    if allowed_departments is not None and (target_all or any(d.id not in allowed_departments
                                                              for d in departments)):
        problems.append(Problem("targets", N_("부서 관리자는 자기 부서만 대상으로 정할 수 있습니다.")))
    if not target_all and not departments:
        problems.append(Problem("targets", N_("대상 부서를 하나 이상 고르거나 ‘모든 회선’을 선택해 주세요.")))
    if problems:
        return None, problems
    return CampaignValues(
        title=title, summary=summary, youtube_id=video, links=links,
        starts_at=_kst_start(starts) if starts else None,
        ends_at=_kst_start(date.fromordinal(ends.toordinal() + 1)) if ends else None,  # until the end of that day
        weekdays=weekdays, hour_from=hours[0], hour_until=hours[1], target_all=target_all,
        departments=[] if target_all else departments, priority=priority or 0), []


def apply(campaign: Campaign, values: CampaignValues) -> list[str]:
    """Store ``values`` on ``campaign``; the names of the fields that changed, for the audit entry."""
    changed = []
    for name in ("title", "summary", "youtube_id", "links", "starts_at", "ends_at", "weekdays", "hour_from",
                 "hour_until", "target_all", "priority"):
        new = getattr(values, name)
        if getattr(campaign, name) != new:
            setattr(campaign, name, new)
            changed.append(name)
    if {d.id for d in campaign.departments} != {d.id for d in values.departments}:
        campaign.departments = values.departments
        changed.append("departments")
    return changed


def new_campaign(owner_department_id: int | None) -> Campaign:
    """A new campaign, paused until its editor schedules it (nothing goes live by accident)."""
    return Campaign(token=secrets.token_urlsafe(8), title="", status="paused", links=[], image_urls=[],
                    images=[], weekdays=[], owner_department_id=owner_department_id)


def may_manage(campaign: Campaign, department_scope: int | None) -> bool:
    """Admins (scope None) manage every campaign; a dept_admin the campaigns their department owns."""
    return department_scope is None or campaign.owner_department_id == department_scope


def transition(campaign: Campaign, action: str) -> bool:
    """Apply ``action`` (pause, resume, archive); False when it is not allowed from the current status."""
    allowed, status = TRANSITIONS.get(action, ((), ""))
    if campaign.status not in allowed:
        return False
    campaign.status = status
    return True


def period_days(campaign: Campaign) -> tuple[str, str]:
    """The campaign's first and last day in KST as the editor wrote them (``YYYY-MM-DD``, the last one inclusive:
    ``ends_at`` is the next day's midnight), ``""`` for an open end."""
    def day(value: datetime | None, shift: int = 0) -> str:
        return (as_utc(value).astimezone(KST) - timedelta(days=shift)).date().isoformat() if value else ""

    return day(campaign.starts_at), day(campaign.ends_at, 1)


def input_from(campaign: Campaign) -> CampaignInput:
    """The editor's form filled from a stored campaign (KST dates, inclusive end)."""
    starts_on, ends_on = period_days(campaign)
    return CampaignInput(
        title=campaign.title, summary=campaign.summary or "", youtube=campaign.youtube_id or "",
        link_labels=[str(link.get("title", "")) for link in campaign.links or []],
        link_urls=[str(link.get("url", "")) for link in campaign.links or []],
        starts_on=starts_on, ends_on=ends_on,
        weekdays=[str(d) for d in campaign.weekdays or []],
        hour_from="" if campaign.hour_from is None else str(campaign.hour_from),
        hour_until="" if campaign.hour_until is None else str(campaign.hour_until),
        target_all=campaign.target_all, department_ids=[str(d.id) for d in campaign.departments],
        priority=str(campaign.priority or 0))

"""AlimTalk templates: the inspection status the admin records, the one rule that says which template may be
sent (``sendable_template``), the console's warning when a configured template is not approved, and the
preview with sample data. The checker itself is ``core.lettering.alimtalk_check``."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.lettering.alimtalk_check import CALL_VARIABLES, CODE_VARIABLES, Problem, check_template
from core.models.lettering import AlimTalkTemplate
from core.timeutil import utcnow

STATUSES = {"draft": N_("등록"), "pending": N_("검수요청"), "approved": N_("승인"), "rejected": N_("반려")}
TYPES = {"basic": N_("기본형"), "extra": N_("부가정보형")}
BUTTON_KINDS = {"verify": N_("기관 확인 페이지"), "campaign": N_("캠페인 안내 페이지"),
                "optout": N_("수신 거부 페이지"), "link": N_("웹링크(우리 주소)")}
# What the admin may record next, following Kakao's inspection: a draft is sent for review, the review approves
# or rejects it, a rejected one is fixed and sent again; any may go back to draft, and Kakao may block an
# approved one later (recorded as 반려 with the reason).
TRANSITIONS = {"draft": ("pending",), "pending": ("approved", "rejected", "draft"),
               "rejected": ("pending", "draft"), "approved": ("rejected", "draft")}
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,30}")
DEFAULT_FALLBACK_CODE = "GY_MISSED_CALL"
DEFAULT_OPTOUT_CODE = "GY_OPTOUT_CODE"

# Sample data for the preview: what a typical missed-call message carries.
SAMPLE_VALUES = {"기관명": "고양특례시", "부서명": "교통정책과", "발신번호": "031-8075-1234",
                 "안내문구": "버스 노선 개편 안내 전화입니다", "캠페인": "2026 고양 버스 노선 개편",
                 "인증번호": "482913"}

REFUSED = {
    "bad_code": N_("템플릿 코드는 영문, 숫자, _ 와 - 로 30자 이내여야 합니다."),
    "duplicate_code": N_("같은 코드의 템플릿이 이미 있습니다."),
    "has_problems": N_("검사에서 문제가 나온 템플릿은 검수요청할 수 없습니다. 문제를 고친 뒤 다시 요청해 주세요."),
    "bad_transition": N_("지금 상태에서는 그 상태로 바꿀 수 없습니다."),
    "comment_required": N_("반려할 때는 검수 의견을 입력해 주세요."),
    "comment_too_long": N_("검수 의견은 1000자 이내로 입력해 주세요."),
}


def fallback_code(settings: Mapping[str, Any]) -> str:
    return str(settings.get("ALIMTALK_TEMPLATE_CODE") or DEFAULT_FALLBACK_CODE)


def optout_code(settings: Mapping[str, Any]) -> str:
    return str(settings.get("OPTOUT_CODE_TEMPLATE_CODE") or DEFAULT_OPTOUT_CODE)


def variables_for(code: str, settings: Mapping[str, Any]) -> dict[str, int]:
    """The variables a template may use: the opt-out code's template carries only the code; every other
    template is a call's fallback, filled from the line (core.lettering.dispatch.alimtalk_request)."""
    return dict(CODE_VARIABLES) if code == optout_code(settings) else dict(CALL_VARIABLES)


def check(template: AlimTalkTemplate, settings: Mapping[str, Any]) -> list[Problem]:
    return check_template(kind=template.kind or "basic", body=template.body or "", extra=template.extra or "",
                          buttons=list(template.buttons or []), public_base=str(settings.get("PUBLIC_BASE_URL", "")),
                          variables=variables_for(template.code or "", settings))


def sendable_template(session: Session, code: str) -> AlimTalkTemplate | None:
    """The template with ``code`` if it may be sent: only an approved template ever is. Every send to Kakao
    asks here (the call fallback and the opt-out code alike)."""
    template = session.scalar(select(AlimTalkTemplate).where(AlimTalkTemplate.code == code))
    return template if template is not None and template.status == "approved" else None


@dataclass(frozen=True)
class Unapproved:
    role: str           # fallback | optout_code
    code: str
    status: str | None  # None: no template with that code


def unapproved_configured(session: Session, settings: Mapping[str, Any]) -> list[Unapproved]:
    """The configured templates that cannot be sent, for the console's red banner."""
    wanted = {"fallback": fallback_code(settings), "optout_code": optout_code(settings)}
    found = dict(session.execute(select(AlimTalkTemplate.code, AlimTalkTemplate.status)
                                 .where(AlimTalkTemplate.code.in_(set(wanted.values())))).all())
    return [Unapproved(role, code, found.get(code)) for role, code in wanted.items()
            if found.get(code) != "approved"]


@dataclass
class TemplateInput:
    code: str
    name: str
    kind: str
    body: str
    extra: str = ""
    buttons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SaveResult:
    template: AlimTalkTemplate | None
    problems: list[Problem]
    refused: str = ""        # a key of REFUSED when nothing was saved
    reset: bool = False      # an approved or pending template's content changed: back to draft


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Line ends as ``\n`` and no control characters (PostgreSQL refuses NUL; Kakao counts what is left)."""
    return _CONTROL.sub("", str(text or "").replace("\r\n", "\n").replace("\r", "\n"))


def normalise(data: TemplateInput) -> TemplateInput:
    buttons = []
    for b in data.buttons:
        item = {"name": clean_text(b.get("name")).strip(), "kind": clean_text(b.get("kind"))}
        if item["kind"] == "link":
            item["url"] = clean_text(b.get("url")).strip()
        buttons.append(item)
    extra = clean_text(data.extra)
    return TemplateInput(code=data.code.strip(), name=clean_text(data.name).strip()[:128], kind=data.kind,
                         body=clean_text(data.body), extra=extra if data.kind == "extra" else extra.strip(),
                         buttons=buttons)


def save_template(session: Session, template: AlimTalkTemplate | None, data: TemplateInput,
                  settings: Mapping[str, Any], *, request_review: bool = False,
                  now: datetime | None = None) -> SaveResult:
    """Create (``template`` None) or update a template; the caller commits. A template with problems is
    saved only as a draft; asking for review with problems saves nothing. Changing the content of an approved
    or pending template sends it back to draft: Kakao reviews every content change again."""
    now = now or utcnow()
    data = normalise(data)
    if template is None:
        if not CODE_PATTERN.fullmatch(data.code):
            return SaveResult(None, [], "bad_code")
        if session.scalar(select(AlimTalkTemplate.id).where(AlimTalkTemplate.code == data.code)) is not None:
            return SaveResult(None, [], "duplicate_code")
    code = template.code if template is not None else data.code
    probe = AlimTalkTemplate(code=code, kind=data.kind, body=data.body, extra=data.extra, buttons=data.buttons)
    problems = check(probe, settings)
    if request_review and problems:
        return SaveResult(template, problems, "has_problems")
    reset = False
    if template is None:
        template = AlimTalkTemplate(code=code, status="draft", status_changed_at=now, review_comment="")
        session.add(template)
    else:
        changed = (template.kind, template.body, template.extra or "", list(template.buttons or [])) != \
            (data.kind, data.body, data.extra, data.buttons)
        if changed and template.status in ("approved", "pending"):
            template.status, template.status_changed_at, reset = "draft", now, True
    template.name, template.kind, template.body = data.name, data.kind, data.body
    template.extra, template.buttons = data.extra, data.buttons
    template.updated_at = now
    if request_review and template.status in ("draft", "rejected"):
        template.status, template.status_changed_at = "pending", now
    session.flush()
    return SaveResult(template, problems, reset=reset)


def change_status(session: Session, template: AlimTalkTemplate, status: str, comment: str,
                  settings: Mapping[str, Any], now: datetime | None = None) -> str:
    """Record an inspection status; returns a key of REFUSED, or "" when recorded (the caller commits)."""
    comment = clean_text(comment).strip()
    if status not in TRANSITIONS.get(template.status, ()):
        return "bad_transition"
    if len(comment) > 1000:
        return "comment_too_long"
    if status == "rejected" and not comment:
        return "comment_required"
    if status in ("pending", "approved") and check(template, settings):
        return "has_problems"
    template.status, template.status_changed_at = status, now or utcnow()
    if status in ("rejected", "approved") or comment:
        template.review_comment = comment
    session.flush()
    return ""


@dataclass(frozen=True)
class Preview:
    body: str
    extra: str
    buttons: list[tuple[str, str]]   # (label, where it leads)


def button_target(button: Mapping[str, Any], base: str) -> str:
    """Where a button leads, as the admin should read it (the real link is built per message)."""
    base = base.rstrip("/")
    return {"verify": f"{base}/verify?n=…", "campaign": f"{base}/p/…", "optout": f"{base}/optout/…"}.get(
        str(button.get("kind")), str(button.get("url") or ""))


def preview(template: AlimTalkTemplate, settings: Mapping[str, Any]) -> Preview:
    """The message as KakaoTalk shows it, with sample data in the variables (unknown ones stay visible)."""
    body = re.sub(r"#\{([^{}]*)\}", lambda m: SAMPLE_VALUES.get(m.group(1), m.group(0)),
                  template.body or "")
    base = str(settings.get("PUBLIC_BASE_URL", ""))
    return Preview(body=body, extra=template.extra if template.kind == "extra" else "",
                   buttons=[(str(b.get("name") or ""), button_target(b, base)) for b in (template.buttons or [])])

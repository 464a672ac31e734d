"""Demo Smart Lettering data: about 4,000 lines over the demo departments, one active campaign
with card-news images from ``static/demo/``, and the approved AlimTalk template GY_MISSED_CALL."""
from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.demo.organization import LATER_UNITS
from core.lettering.line_rules import Directory, clashes, directory_check, line_number_problem, line_prefixes
from core.lettering.lines_import import department_search_key
from core.models.lettering import MESSAGE_MAX, AlimTalkTemplate, Campaign, Line
from core.models.organization import Department
from core.timeutil import utcnow

ORDER = 50
TARGET_LINES = 4000
CAMPAIGN_TITLE = "2026 고양 버스 노선 개편"
TEMPLATE_CODE = "GY_MISSED_CALL"
TEMPLATE_BODY = (
    "[#{기관명}] 부재중 전화 안내\n\n"
    "#{부서명}에서 #{발신번호} 번호로 전화를 드렸습니다.\n"
    "#{안내문구}\n\n"
    "고양특례시의 공식 번호인지 아래 '기관 확인' 버튼으로 확인하실 수 있습니다."
)
TEMPLATE_BUTTONS = [{"name": "기관 확인", "kind": "verify"},
                    {"name": "안내 보기", "kind": "campaign"},
                    {"name": "수신 거부", "kind": "optout"}]

# Used only when the directory's demo (core/demo/organization.py) has made no departments.
FALLBACK_DEPARTMENTS = [
    ("교통국", "교통정책과"), ("교통국", "대중교통과"), ("교통국", "주차교통과"),
    ("자치행정국", "민원여권과"), ("자치행정국", "정보통신과"), ("재정국", "세정과"),
    ("복지국", "노인복지과"), ("안전건설국", "재난안전과"), ("일산서구", "일산서구 세무과"),
    ("행정복지센터", "마두1동 행정복지센터"),
]

# Guidance by a keyword in the department's name; the first match wins.
MESSAGES = [
    ("행정복지센터", "{name}입니다. 민원 관련 연락드립니다"),
    ("세무", "{name} 세무 안내 전화입니다"), ("세정", "지방세 관련 안내 전화입니다"),
    ("대중교통", "버스·택시 민원 안내 전화입니다"), ("주차", "주정차 민원 관련 연락드립니다"),
    ("교통", "교통 정책 관련 안내 전화입니다"), ("민원", "민원 처리 결과 안내 전화입니다"),
    ("여권", "여권 발급 안내 전화입니다"), ("복지", "복지 서비스 안내 전화입니다"),
    ("안전총괄", "재난·안전 정책 안내 전화입니다"),
    ("재난", "재난 안전 안내 전화입니다"), ("안전", "안전 점검 안내 전화입니다"),
    ("보건", "보건·건강 안내 전화입니다"), ("환경", "환경 민원 안내 전화입니다"),
    ("건축", "건축 인허가 안내 전화입니다"), ("도로", "도로 관리 안내 전화입니다"),
    ("정보통신", "정보통신 업무 안내 전화입니다"), ("공사", "고양도시관리공사 안내 전화입니다"),
]


def guidance_for(department: str) -> str:
    for keyword, message in MESSAGES:
        if keyword in department:
            return message.format(name=department)[:MESSAGE_MAX]
    return f"{department} 안내 전화입니다"[:MESSAGE_MAX]


def _departments(session: Session) -> list[Department]:
    departments = session.scalars(select(Department).order_by(Department.id)).all()
    if departments:
        return list(departments)
    for parent, name in FALLBACK_DEPARTMENTS:
        session.add(Department(organization="고양특례시", parent=parent, name=name,
                               search_key=department_search_key(name)))
    session.flush()
    return list(session.scalars(select(Department).order_by(Department.id)))


def _number_pool(rng: random.Random) -> tuple[list[str], list[str]]:
    """City-hall numbers (031-8075-xxxx) and neighbourhood-centre numbers (031-9xx-xxxx)."""
    hall = [f"031-8075-{n:04d}" for n in range(1000, 10000)]
    centres = [f"031-9{p:02d}-{n:04d}" for p in range(0, 100, 7) for n in range(1000, 10000, 37)]
    rng.shuffle(hall)
    rng.shuffle(centres)
    return hall, centres


class _Pool:
    """Numbers for the demo lines, in E.164, that the line rules allow (``LINE_NUMBER_PREFIXES``, never another
    department's directory number): first those nobody in the directory has, then, when they run out, the
    department's own directory numbers (allowed; the import would report them)."""

    def __init__(self, numbers: list[str], taken: set[str], prefixes: tuple[str, ...], directory: Directory) -> None:
        self.free: list[str] = []
        self.own: dict[int, list[str]] = {}
        for text in numbers:
            number = "+82" + text.replace("-", "")[1:]
            if number in taken or line_number_problem(number, prefixes) is not None:
                continue
            holders = {holder.department_id for holder in directory.of(number)}
            if not holders:
                self.free.append(number)
            elif len(holders) == 1 and (owner := holders.pop()) is not None \
                    and directory_check(number, owner, directory)[0] is None:  # the rule itself says so
                self.own.setdefault(owner, []).append(number)

    def take(self, department_id: int) -> str | None:
        """The next number for a line of ``department_id``, or None when none is left."""
        if self.free:
            return self.free.pop()
        own = self.own.get(department_id)
        return own.pop() if own else None


def _is_local(dept: Department) -> bool:
    """A district or neighbourhood office: its lines are 031-9xx numbers, city hall's 031-8075."""
    return ("동" in dept.name and "센터" in dept.name) or dept.parent.endswith("구")


def _seed_lines(session: Session, prefixes: tuple[str, ...]) -> int:
    existing = session.scalar(select(func.count(Line.id))) or 0
    if existing >= TARGET_LINES * 0.95:
        return 0
    rng = random.Random(20260105)  # the same lines on every machine
    later = {name for _parent, name, _size in LATER_UNITS}
    # The later departments get theirs in _seed_missing, so these lines stay the ones an earlier seed made.
    departments = [dept for dept in _departments(session) if dept.name not in later]
    weights = [rng.uniform(0.5, 1.5) for _ in departments]
    scale = TARGET_LINES / sum(weights)
    taken_numbers = set(session.scalars(select(Line.number)))
    taken_extensions = set(session.scalars(select(Line.extension).where(Line.extension.is_not(None))))
    directory = Directory.load(session)
    hall, centres = (_Pool(numbers, taken_numbers, prefixes, directory) for numbers in _number_pool(rng))
    extension = 20000
    added = 0
    for dept, weight in zip(departments, weights, strict=True):
        pool = centres if _is_local(dept) else hall
        message = guidance_for(dept.name)
        for _ in range(max(1, round(weight * scale))):
            number = pool.take(dept.id)
            if number is None:
                break
            extension += 1
            while str(extension) in taken_extensions:
                extension += 1
            session.add(Line(number=number, extension=str(extension), department_id=dept.id,
                             institution=dept.organization or "고양특례시", department_name=dept.name,
                             message=message, logo_url=""))
            taken_numbers.add(number)
            added += 1
    session.flush()
    return added


def _seed_missing(session: Session, prefixes: tuple[str, ...]) -> int:
    """Lines for each department that has none (the later departments, on a fresh or an earlier seeded
    database alike): about a department's share of the demo's lines each, from the numbers still free."""
    with_lines = set(session.scalars(select(Line.department_id).where(Line.department_id.is_not(None))
                                     .distinct()))
    departments = [dept for dept in _departments(session) if dept.id not in with_lines]
    if not departments:
        return 0
    share = max(1, TARGET_LINES // len(_departments(session)))
    taken = set(session.scalars(select(Line.number)))
    extensions = {int(e) for e in session.scalars(select(Line.extension)) if (e or "").isdigit()}
    directory = Directory.load(session)
    hall, centres = (_Pool(numbers, taken, prefixes, directory)
                     for numbers in _number_pool(random.Random(20261202)))
    extension = max(extensions | {20000})
    added = 0
    for dept in departments:
        for _ in range(share):
            number = (centres if _is_local(dept) else hall).take(dept.id)
            if number is None:
                break
            extension += 1
            session.add(Line(number=number, extension=str(extension), department_id=dept.id,
                             institution=dept.organization or "고양특례시", department_name=dept.name,
                             message=guidance_for(dept.name), logo_url=""))
            added += 1
    session.flush()
    return added


def _repair_clashes(session: Session, prefixes: tuple[str, ...]) -> int:
    """Give a new number to each demo line (extension from 20001) that an earlier seed put on another
    department's directory number, so that a database seeded before the rule keeps it too. Returns how many."""
    clashing = {line_id for line_id, _number, _reason in clashes(session)}
    if not clashing:
        return 0
    lines = [line for line in session.scalars(select(Line).where(Line.id.in_(clashing)).order_by(Line.id))
             if (line.extension or "").isdigit() and int(line.extension) > 20000]
    taken = set(session.scalars(select(Line.number)))
    directory = Directory.load(session)
    hall, centres = (_Pool(numbers, taken, prefixes, directory)
                     for numbers in _number_pool(random.Random(20260106)))
    fixed = 0
    for line in lines:
        dept = line.department
        number = (centres if dept is not None and _is_local(dept) else hall).take(line.department_id or 0)
        if number is not None:
            line.number = number
            fixed += 1
    session.flush()
    return fixed


def _seed_campaign(session: Session, settings: dict[str, Any]) -> bool:
    if session.scalar(select(Campaign).where(Campaign.title == CAMPAIGN_TITLE)) is not None:
        return False
    base = str(settings.get("PUBLIC_BASE_URL") or "").rstrip("/")
    now = utcnow()
    session.add(Campaign(
        token=secrets.token_urlsafe(8),
        title=CAMPAIGN_TITLE,
        summary="3월 2일(월) 첫차부터 고양시 시내버스 노선이 바뀝니다. 달라지는 노선과 정류장을 미리 확인하세요.",
        image_urls=[f"{base}/static/demo/card-news-{i}.png" for i in (1, 2, 3)],
        youtube_id="M7lc1UVf-VE",
        links=[{"title": "고양특례시 누리집", "url": "https://www.goyang.go.kr/"},
               {"title": "경기도 버스정보", "url": "https://www.gbis.go.kr/"},
               {"title": "고양시 교통정보센터", "url": "https://its.goyang.go.kr/"}],
        starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=90),
        active=True, target_all=True))
    return True


def _seed_template(session: Session) -> bool:
    if session.scalar(select(AlimTalkTemplate).where(AlimTalkTemplate.code == TEMPLATE_CODE)) is not None:
        return False
    session.add(AlimTalkTemplate(code=TEMPLATE_CODE, name="부재중 전화 안내", body=TEMPLATE_BODY,
                                 buttons=TEMPLATE_BUTTONS, status="approved"))
    return True


def seed(session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    prefixes = line_prefixes(settings)
    added = _seed_lines(session, prefixes) + _seed_missing(session, prefixes)
    repaired = _repair_clashes(session, prefixes)
    campaign = _seed_campaign(session, settings)
    template = _seed_template(session)
    session.flush()
    return {"lines_added": added, "lines_renumbered": repaired, "lines": session.scalar(select(func.count(Line.id))),
            "campaign_created": campaign, "template_created": template}

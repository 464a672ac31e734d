"""Reading the audit log: the console's filters (category, person, KST date range, free text), their checks,
the query they make, and the CSV export of the same rows.

Filters arrive as query-string text; :func:`parse_filters` checks them and returns Korean messages (``N_``
msgids with parameters) for the web layer to show, so bad input is a message, never a database error.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import Select, Text, cast, or_, select
from sqlalchemy.orm import Session

from core.audit_labels import CATEGORIES, action_label, category_label, category_of, undotted_codes
from core.csv_safe import to_csv_bytes
from core.i18n import N_, Detail
from core.models.accounts import AuditLog, User
from core.timeutil import format_kst, kst_dates_to_utc

MAX_TEXT = 100            # characters of a person or free-text filter
EXPORT_MAX_ROWS = 50_000  # rows of one CSV export; the page says so when a filter matches more
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

BAD_CATEGORY = N_("알 수 없는 분류입니다. 목록에서 골라 주세요.")
REVERSED = N_("시작일이 종료일보다 늦습니다.")
# One whole sentence a field: Korean particles and English word order differ too much for a field parameter.
TOO_LONG = {"person": N_("사용자는 %(max)s자까지 입력할 수 있습니다."),
            "q": N_("내용은 %(max)s자까지 입력할 수 있습니다.")}
BAD_DATE = {"from": N_("시작일이 올바른 날짜가 아닙니다. 2026-03-02처럼 입력해 주세요."),
            "until": N_("종료일이 올바른 날짜가 아닙니다. 2026-03-02처럼 입력해 주세요.")}
OUT_OF_RANGE = {"from": N_("시작일은 2000-01-01부터 2099-12-31 사이여야 합니다."),
                "until": N_("종료일은 2000-01-01부터 2099-12-31 사이여야 합니다.")}


@dataclass(frozen=True)
class AuditFilters:
    category: str = ""
    person: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links: pages, the export), empty ones left out."""
        values = {"category": self.category, "person": self.person, "q": self.text,
                  "from": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}
        return {key: value for key, value in values.items() if value}

    def as_detail(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items() if value}


@dataclass
class Parsed:
    filters: AuditFilters
    errors: list[Detail] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)   # what was typed, to show back in the form


def _error(msgid: str, **params: object) -> Detail:
    return {"msgid": msgid, "params": params}


def _day(raw: str, key: str, errors: list[Detail]) -> date | None:
    if not raw:
        return None
    if not _ISO_DAY.fullmatch(raw):
        errors.append(_error(BAD_DATE[key]))
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors.append(_error(BAD_DATE[key]))
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors.append(_error(OUT_OF_RANGE[key]))
        return None
    return day


def parse_filters(args: Mapping[str, str]) -> Parsed:
    """Check the query string's filters; every problem becomes one message, and the filters are then empty."""
    raw = {key: (args.get(key) or "").strip() for key in ("category", "person", "from", "until", "q")}
    errors: list[Detail] = []
    category = raw["category"]
    if category and category not in CATEGORIES:
        errors.append(_error(BAD_CATEGORY))
    for key, msgid in TOO_LONG.items():
        if len(raw[key]) > MAX_TEXT:
            errors.append(_error(msgid, max=MAX_TEXT))
    since, until = _day(raw["from"][:20], "from", errors), _day(raw["until"][:20], "until", errors)
    if since and until and since > until:
        errors.append(_error(REVERSED))
    shown = {key: value[:MAX_TEXT * 2] for key, value in raw.items()}
    if errors:
        return Parsed(AuditFilters(), errors, shown)
    return Parsed(AuditFilters(category, raw["person"], since, until, raw["q"]), [], shown)


def _json_escaped(text: str) -> str:
    """``text`` as the default JSON encoder stores it inside a string (Korean as \\uXXXX escapes)."""
    return json.dumps(text)[1:-1]


def audit_query(filters: AuditFilters) -> Select:
    """The entries matching every given filter, newest first."""
    query = select(AuditLog).order_by(AuditLog.id.desc())
    if filters.category:
        prefix = AuditLog.action.startswith(f"{filters.category}.", autoescape=True)
        undotted = undotted_codes(filters.category)
        query = query.where(or_(prefix, AuditLog.action.in_(undotted)) if undotted else prefix)
    if filters.person:
        names = select(User.id).where(or_(User.username.icontains(filters.person, autoescape=True),
                                          User.display_name.icontains(filters.person, autoescape=True)))
        query = query.where(or_(AuditLog.username.icontains(filters.person, autoescape=True),
                                AuditLog.user_id.in_(names)))
    start, end = kst_dates_to_utc(filters.since, filters.until)
    if start is not None:
        query = query.where(AuditLog.at >= start)
    if end is not None:
        query = query.where(AuditLog.at < end)
    if filters.text:
        detail = cast(AuditLog.detail, Text)
        needles = dict.fromkeys([filters.text, _json_escaped(filters.text)])
        query = query.where(or_(AuditLog.target.icontains(filters.text, autoescape=True),
                                AuditLog.note.icontains(filters.text, autoescape=True),
                                *(detail.icontains(n, autoescape=True) for n in needles)))
    return query


def display_names(session: Session, entries: list[AuditLog]) -> dict[int, str]:
    """user id → display name for the accounts behind ``entries`` (one query for a page)."""
    ids = {e.user_id for e in entries if e.user_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


@dataclass(frozen=True)
class Export:
    body: bytes
    rows: int
    truncated: bool


def export_csv(session: Session, filters: AuditFilters, translate: Callable[[str], str],
               limit: int | None = None) -> Export:
    """The filtered entries as CSV (UTF-8 with a BOM, formula-safe), at most ``limit`` rows, newest first;
    ``translate`` turns a label's msgid into the reader's language."""
    limit = EXPORT_MAX_ROWS if limit is None else limit
    entries = list(session.scalars(audit_query(filters).limit(limit + 1)))
    truncated = len(entries) > limit
    entries = entries[:limit]
    names = display_names(session, entries)
    header = [translate(h) for h in (N_("시각(KST)"), N_("아이디"), N_("이름"), N_("분류"), N_("동작"),
                                      N_("동작 코드"), N_("대상"), N_("내용"), "IP")]

    def rows() -> Iterator[list[object]]:
        yield header
        for e in entries:
            category = category_of(e.action)
            yield [format_kst(e.at, "%Y-%m-%d %H:%M:%S"), e.username, names.get(e.user_id or 0, ""),
                   translate(category_label(category)) if category else "", translate(action_label(e.action)),
                   e.action, e.target, detail_text(e), e.ip]

    return Export(to_csv_bytes(rows()), len(entries), truncated)


def detail_text(entry: AuditLog) -> str:
    """The entry's details (and note) as one readable line: ``key=value`` pairs, Korean unescaped."""
    parts = [f"{key}={json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value}"
             for key, value in (entry.detail or {}).items()]
    if entry.note:
        parts.append(entry.note)
    return ", ".join(parts)

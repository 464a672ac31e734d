"""Administrative lines: bulk import from CSV/XLSX and single-line create/edit.

The file has the columns of ``samples/lines-sample.csv``:
회선번호, 내선, 부서, 표시기관명, 안내문구, 로고URL.

Rules (documented in docs/lettering-console.md):
- numbers are stored in E.164; a re-import updates the line with the same number in place;
- a department is matched by name (preferring the row's institution); a name not yet in the
  directory creates that department under the row's institution, and the report lists it, so
  that lines are never orphaned from the department whose admins look after them;
- a bad row is rejected with its spreadsheet row number (the header is row 1) and a Korean reason,
  and never stops the good rows; a file that cannot be read at all changes nothing.

Reasons are Korean msgids with their values apart (:class:`Message`); the report stores both the Korean
text (the CLI's, the record's) and the msgids with their parameters, which the console translates.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import spreadsheet
from core.i18n import N_, Message, MessageError
from core.lettering.line_rules import (
    DUPLICATE_LINE,
    DUPLICATE_ROW,
    PERSONAL_PREFIXES,  # noqa: F401  (imported from here by older code)
    Directory,
    directory_check,
    line_number_problem,
    line_prefixes,
    message_problem,
)
from core.models.lettering import Line
from core.models.organization import Department
from core.phone import try_normalize
from core.spreadsheet import Limits, SpreadsheetError
from core.tasks import Progress, TaskInput, task

DEFAULT_INSTITUTION = "고양특례시"
COLUMNS = {"회선번호": "number", "내선": "extension", "부서": "department", "표시기관명": "institution",
           "안내문구": "message", "로고URL": "logo_url"}
REQUIRED_COLUMNS = ("회선번호", "부서", "안내문구")
MAX_ROWS = 20_000
_EXTENSION = re.compile(r"^\d{3,6}$")        # the form core.lettering.lookup.find_line accepts
_SUFFIX = re.compile(r"(과|팀|실|국|단|소|센터|사업소|행정복지센터|동|구)$")
PROFILE_FIELDS = ("extension", "department_id", "institution", "department_name", "message", "logo_url")


class LinesFileError(MessageError):
    """The whole file is unreadable; nothing was changed."""


class LineError(ValueError):
    """One line's values are invalid; ``errors`` maps field name to a :class:`Message`."""

    def __init__(self, errors: dict[str, Message]) -> None:
        super().__init__("; ".join(str(p) for p in errors.values()))
        self.errors = errors


@dataclass
class LineValues:
    number: str              # E.164
    extension: str | None
    department: str
    institution: str
    message: str
    logo_url: str


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # [{"row": 7, "reason": "<Korean text>", "messages": [{"msgid": "...", "params": {...}}]}]
    rejected: list[dict[str, Any]] = field(default_factory=list)
    # Imported, but worth a look (a number shared with the department's own directory entry); same shape.
    notices: list[dict[str, Any]] = field(default_factory=list)
    created_departments: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "rejected_count": len(self.rejected), "rejected": self.rejected, "notices": self.notices,
                "created_departments": self.created_departments}


# --- reading files (core.spreadsheet) -----------------------------------------------------------

def _check_header(header: list[str]) -> None:
    names = [h.replace(" ", "") for h in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise LinesFileError(N_("필수 열이 없습니다: %(columns)s. 첫 줄은 %(header)s 이어야 합니다."),
                             columns=", ".join(missing), header=",".join(COLUMNS))


def read_rows(data: bytes, filename: str = "", settings: Mapping[str, Any] | None = None, *,
              header_only: bool = False) -> list[tuple[int, dict[str, str]]]:
    """``(spreadsheet row number, {field: text})`` for every non-empty data row; ``header_only`` checks the file
    up to its header (what the console does before it queues the import) and returns no row. The limits are the
    settings' (``core.spreadsheet.Limits``) with this importer's own row cap, ``MAX_ROWS``.

    Raises :class:`LinesFileError` when the file cannot be read, is over a limit or lacks a required column.
    """
    try:
        table = spreadsheet.read(data, filename, Limits.from_settings(settings or {}, max_rows=MAX_ROWS),
                                 check_header=_check_header, header_only=header_only)
    except SpreadsheetError as exc:
        raise LinesFileError.from_detail(exc.detail) from exc
    positions = {COLUMNS[name]: i for i, name in enumerate(h.replace(" ", "") for h in table.header)
                 if name in COLUMNS}
    return [(number, {key: (cells[i] if i < len(cells) else "") for key, i in positions.items()})
            for number, cells in table.rows]


# --- validation ------------------------------------------------------------------------------

def _valid_logo(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 500 and " " not in url


def _line_number(raw: str) -> str | None:
    text = raw.strip()
    if text.isdigit() and not text.startswith("0") and len(text) in (9, 10):
        text = "0" + text  # a spreadsheet dropped the leading zero
    return try_normalize(text)


def clean_text(value: str | None) -> str:
    """Text without control characters (a NUL byte cannot even be stored in PostgreSQL)."""
    # NFC: a spreadsheet saved on a Mac holds decomposed Hangul (안 as three jamo), which would count three
    # times against the message's 64 characters and never match a department's name.
    text = unicodedata.normalize("NFC", value or "")
    return "".join(c for c in text if c in "\t\n" or unicodedata.category(c) != "Cc")


def validate(raw: dict[str, str], prefixes: tuple[str, ...] | None = None) -> LineValues:
    """Check one line's values; raises :class:`LineError` with a Korean message per field. ``prefixes``:
    the city's number ranges (``line_prefixes(settings)``; the default setting when None)."""
    raw = {key: clean_text(value) for key, value in raw.items()}
    errors: dict[str, Message] = {}
    number_text = (raw.get("number") or "").strip()
    number = _line_number(number_text) if number_text else None
    if not number_text:
        errors["number"] = Message(N_("회선번호가 비어 있습니다."))
    elif number is None:
        errors["number"] = Message(N_("회선번호 형식이 올바르지 않습니다: %(value)s"), {"value": number_text})
    elif problem := line_number_problem(number, line_prefixes() if prefixes is None else prefixes):
        errors["number"] = problem
    extension = (raw.get("extension") or "").strip()
    if extension and not _EXTENSION.fullmatch(extension):
        errors["extension"] = Message(N_("내선은 숫자 3~6자리여야 합니다."))
    department = " ".join((raw.get("department") or "").split())
    if not department:
        errors["department"] = Message(N_("부서가 비어 있습니다."))
    elif len(department) > 64:
        errors["department"] = Message(N_("부서 이름은 64자 이하여야 합니다."))
    institution = " ".join((raw.get("institution") or "").split()) or DEFAULT_INSTITUTION
    if len(institution) > 64:
        errors["institution"] = Message(N_("표시기관명은 64자 이하여야 합니다."))
    message = " ".join((raw.get("message") or "").split())
    if problem := message_problem(message):
        errors["message"] = problem
    logo_url = (raw.get("logo_url") or "").strip()
    if logo_url and not _valid_logo(logo_url):
        errors["logo_url"] = Message(N_("로고URL은 http:// 또는 https:// 로 시작하는 주소여야 합니다."))
    if errors:
        raise LineError(errors)
    return LineValues(number=number or "", extension=extension or None, department=department,
                      institution=institution, message=message, logo_url=logo_url)


# --- departments ------------------------------------------------------------------------------

def department_search_key(name: str) -> str:
    """The name without spaces or its 과/팀/동… suffix, as the directory matches names."""
    compact = name.replace(" ", "")
    return _SUFFIX.sub("", compact) or compact


class _Departments:
    """Departments by name, creating missing ones on demand (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_name: dict[str, list[Department]] = {}
        for dept in session.scalars(select(Department)):
            self.by_name.setdefault(dept.name, []).append(dept)
        self.created: list[str] = []

    def get(self, name: str, institution: str, *, create: bool = True) -> Department | None:
        candidates = self.by_name.get(name, [])
        for dept in candidates:
            if dept.organization == institution:
                return dept
        if candidates:
            return candidates[0]
        if not create:
            return None
        dept = Department(organization=institution, parent="", name=name, search_key=department_search_key(name))
        self.session.add(dept)
        self.session.flush()
        self.by_name[name] = [dept]
        self.created.append(name)
        return dept


def _apply(line: Line, values: LineValues, dept: Department | None) -> None:
    line.extension = values.extension
    line.department_id = dept.id if dept else None
    line.department = dept
    line.institution = values.institution
    line.department_name = values.department
    line.message = values.message
    line.logo_url = values.logo_url


def _profile(line: Line) -> tuple:
    return tuple(getattr(line, name) for name in PROFILE_FIELDS)


# --- bulk import ---------------------------------------------------------------------------------

def import_rows(session: Session, rows: Iterable[tuple[int, dict[str, str]]],
                progress: Progress | None = None, prefixes: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Apply parsed rows; the caller commits. Returns the report as a dict.

    Every row is checked first (reporting progress), and only then written: on SQLite a progress
    write from another connection would otherwise wait on this session's open write transaction.
    An extension is taken when another line holds it before the import or an earlier row claims it.
    """
    rows = list(rows)
    report = ImportReport()
    lines = {line.number: line for line in session.scalars(select(Line))}
    by_extension = {line.extension: line for line in lines.values() if line.extension}
    seen_numbers: dict[str, int] = {}
    seen_extensions: dict[str, int] = {}
    planned: list[LineValues] = []
    total = len(rows)
    departments = _Departments(session)
    directory = Directory.load(session)
    for i, (row_no, raw) in enumerate(rows, start=1):
        try:
            values = validate(raw, prefixes)
        except LineError as exc:
            report.rejected.append(_rejection(row_no, list(exc.errors.values())))
        else:
            problem = _conflict(values, row_no, by_extension, seen_numbers, seen_extensions)
            notice = None
            if problem is None:
                dept = departments.get(values.department, values.institution, create=False)
                problem, notice = directory_check(values.number, dept.id if dept else None, directory)
            if problem:
                report.rejected.append(_rejection(row_no, [problem]))
            else:
                if notice:
                    report.notices.append(_rejection(row_no, [notice]))
                seen_numbers[values.number] = row_no
                if values.extension:
                    seen_extensions[values.extension] = row_no
                planned.append(values)
        if progress:
            progress(i, total)
    for values in planned:
        _store(session, values, departments, lines, report)
    session.flush()
    report.created_departments = departments.created
    return report.as_dict()


def _rejection(row_no: int, problems: list[Message]) -> dict[str, Any]:
    return {"row": row_no, "reason": " ".join(str(p) for p in problems),
            "messages": [p.detail for p in problems]}


def _conflict(values: LineValues, row_no: int, by_extension: dict[str, Line],
              seen_numbers: dict[str, int], seen_extensions: dict[str, int]) -> Message | None:
    if values.number in seen_numbers:
        return Message(DUPLICATE_ROW, {"row": seen_numbers[values.number]})
    if values.extension:
        if values.extension in seen_extensions:
            return Message(N_("내선 %(extension)s이(가) %(row)s행과 중복됩니다."),
                           {"extension": values.extension, "row": seen_extensions[values.extension]})
        owner = by_extension.get(values.extension)
        if owner is not None and owner.number != values.number:
            return Message(N_("내선 %(extension)s은(는) 이미 다른 회선에 있습니다."), {"extension": values.extension})
    return None


def _store(session: Session, values: LineValues, departments: _Departments, lines: dict[str, Line],
           report: ImportReport) -> None:
    dept = departments.get(values.department, values.institution)
    line = lines.get(values.number)
    if line is None:
        line = Line(number=values.number, active=True)
        _apply(line, values, dept)
        session.add(line)
        lines[values.number] = line
        report.added += 1
        return
    before = _profile(line)
    _apply(line, values, dept)
    if _profile(line) == before:
        report.unchanged += 1
    else:
        report.updated += 1


def import_file(session: Session, data: bytes, filename: str = "",
                progress: Progress | None = None, prefixes: tuple[str, ...] | None = None,
                settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read and import a CSV/XLSX file. An unreadable file raises before anything changes."""
    return import_rows(session, read_rows(data, filename, settings), progress, prefixes)


@task("lines_import")
def import_task(session: Session, progress: Progress, given: TaskInput) -> dict[str, Any]:
    """The console's import, run by the worker (``core.tasks``)."""
    return import_file(session, given.upload or b"", given.payload.get("filename", ""), progress,
                       line_prefixes(given.settings), given.settings)


# --- one line from the console -------------------------------------------------------------------

def save_line(session: Session, raw: dict[str, str], line: Line | None = None, *, active: bool = True,
              prefixes: tuple[str, ...] | None = None, notices: list[Message] | None = None) -> Line:
    """Create a line (``line`` None) or edit one; raises :class:`LineError` on bad values, when the number or
    extension belongs to another line, or when the directory gives the number to another department
    (``core.lettering.line_rules``). A notice (the number is also the department's own directory entry) is
    appended to ``notices``. The caller commits."""
    values = validate(raw, prefixes)
    errors: dict[str, Message] = {}
    same_number = session.scalar(select(Line).where(Line.number == values.number))
    if same_number is not None and same_number is not line:
        errors["number"] = Message(DUPLICATE_LINE)
    if values.extension:
        same_ext = session.scalar(select(Line).where(Line.extension == values.extension))
        if same_ext is not None and same_ext is not line:
            errors["extension"] = Message(N_("이미 다른 회선에서 쓰는 내선입니다."))
    departments = _Departments(session)
    existing = departments.get(values.department, values.institution, create=False)
    refusal, notice = directory_check(values.number, existing.id if existing else None,
                                      Directory.load(session, [values.number]))
    if refusal is not None and "number" not in errors:
        errors["number"] = refusal
    if errors:
        raise LineError(errors)
    if notice is not None and notices is not None:
        notices.append(notice)
    dept = existing or departments.get(values.department, values.institution)
    if line is None:
        line = Line(active=True)
        session.add(line)
    line.number = values.number
    line.active = active
    _apply(line, values, dept)
    session.flush()
    return line

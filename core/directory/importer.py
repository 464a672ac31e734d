"""Import the staff directory from HR exports: CSV (UTF-8 or CP949) or XLSX.

The whole file is read and checked before anything is written, so a file that cannot
be read changes nothing. Each row is then checked on its own: a bad row is reported
with its row number and a Korean reason and never stops the good ones. People are
updated in place, keyed on 이메일 or else 직통전화.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core import hangul, jobs, spreadsheet
from core.directory import published
from core.i18n import N_, Message, MessageError
from core.models.organization import Department, Person
from core.phone import try_normalize
from core.spreadsheet import Limits
from core.tasks import Progress, TaskInput, task
from core.timeutil import utcnow

HEADERS = ("성명", "소속기관", "상위부서", "부서", "직위", "직급", "담당업무", "내선", "직통전화", "휴대전화", "이메일")
KIND_HEADER = "구분"  # optional: 직원 (default) or 연락처 for an organisation's contact line
REQUIRED = ("성명", "부서")
DEFAULT_ORGANIZATION = "고양특례시"
KINDS = {"": "staff", "직원": "staff", "staff": "staff", "연락처": "contact", "기관": "contact",
         "기관연락처": "contact", "contact": "contact"}
# Column → (Person attribute, maximum length) for the plain text fields.
TEXT_FIELDS = {"성명": ("name", 64), "직위": ("title", 32), "직급": ("grade", 32), "담당업무": ("duty", 255)}
COMPARED = ("kind", "name", "department_id", "title", "grade", "duty", "extension", "phone", "mobile", "email")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BATCH = 500



class ImportFileError(MessageError):
    """The file as a whole cannot be read."""


@dataclass
class Rejection:
    row: int
    problem: Message                  # the console translates it; str() is the CLI's and the record's Korean
    name: str = ""

    @property
    def reason(self) -> str:
        """The Korean text: the CLI's and the stored report's (older reports hold nothing else)."""
        return str(self.problem)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "rejected_count": len(self.rejected), "total": self.total,
                "rejected": [{"row": r.row, "reason": r.reason, "name": r.name, **r.problem.detail}
                             for r in self.rejected]}

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.rejected)


Row = spreadsheet.Record


# --- Reading files (core.spreadsheet) ---------------------------------------------------------

def _check_header(header: list[str]) -> None:
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ImportFileError(N_("머리글 행에 필요한 열이 없습니다: %(columns)s. 머리글은 %(headers)s 입니다."),
                              columns=", ".join(missing), headers=",".join(HEADERS))
    if not ({"이메일", "직통전화"} & set(header)):
        raise ImportFileError(
            N_("머리글 행에 필요한 열이 없습니다: 이메일 또는 직통전화. 머리글은 %(headers)s 입니다."),
            headers=",".join(HEADERS))


def read_rows(data: bytes, filename: str = "", settings: Mapping[str, Any] | None = None, *,
              header_only: bool = False) -> list[Row]:
    """Parse a CSV or XLSX file into (row number, {header: value}); raises ImportFileError.

    The limits are the settings' (``IMPORT_MAX_ROWS`` and the others of ``core.spreadsheet.Limits``).
    ``header_only`` checks the file up to its header row (what the console does before it queues the import for
    the worker) and returns no row."""
    return spreadsheet.read_records(data, filename, Limits.from_settings(settings or {}), error=ImportFileError,
                                    check_header=_check_header, header_only=header_only)


# --- Applying rows ------------------------------------------------------------------------

def _normalize_phone_cell(value: str) -> str | None:
    """A spreadsheet may have eaten the leading zero (318075… for 0318075…)."""
    digits = value.replace("-", "").replace(" ", "")
    if digits.isdigit() and not digits.startswith("0") and 8 <= len(digits) <= 10:
        value = "0" + digits
    return try_normalize(value)


def _parse(record: dict[str, str]) -> tuple[dict[str, Any] | None, Message | None]:
    """A row's Person fields plus its department, or (None, reason) when it must be rejected."""
    if record.get(spreadsheet.EXTRA):
        return None, Message(N_("열이 머리글보다 많습니다. 값에 쉼표가 있으면 큰따옴표로 감싸 주세요."))
    name = hangul.normalize_spacing(record.get("성명", ""))
    if not name:
        return None, Message(N_("성명이 비어 있습니다."))
    department = hangul.normalize_spacing(record.get("부서", ""))
    if not department:
        return None, Message(N_("부서가 비어 있습니다."))
    out: dict[str, Any] = {}
    for column, (attr, limit) in TEXT_FIELDS.items():
        value = hangul.normalize_spacing(record.get(column, ""))
        if len(value) > limit:
            return None, Message(N_("%(column)s이(가) 너무 깁니다 (최대 %(limit)s자)."),
                                 {"column": column, "limit": limit})
        out[attr] = value
    organization = hangul.normalize_spacing(record.get("소속기관", "")) or DEFAULT_ORGANIZATION
    parent = hangul.normalize_spacing(record.get("상위부서", ""))
    if max(len(organization), len(parent), len(department)) > 64:
        return None, Message(N_("소속기관·상위부서·부서 이름은 64자를 넘을 수 없습니다."))
    kind = KINDS.get(record.get(KIND_HEADER, "").strip().lower())
    if kind is None:
        return None, Message(N_("구분은 '직원' 또는 '연락처'여야 합니다."))
    extension = record.get("내선", "").replace("-", "").replace(" ", "")
    if extension and (not extension.isdigit() or len(extension) > 16):
        return None, Message(N_("내선 번호는 숫자만 쓸 수 있습니다: %(value)s"), {"value": record.get("내선", "")})
    phone = mobile = ""
    if raw := record.get("직통전화", ""):
        phone = _normalize_phone_cell(raw) or ""
        if not phone:
            return None, Message(N_("직통전화 형식이 올바르지 않습니다: %(value)s"), {"value": raw})
    if raw := record.get("휴대전화", ""):
        mobile = _normalize_phone_cell(raw) or ""
        if not mobile:
            return None, Message(N_("휴대전화 형식이 올바르지 않습니다: %(value)s"), {"value": raw})
    email = record.get("이메일", "").strip().lower() or None
    if email and (not EMAIL.match(email) or len(email) > 255):
        return None, Message(N_("이메일 형식이 올바르지 않습니다: %(value)s"), {"value": record.get("이메일", "")})
    if not email and not phone:
        return None, Message(N_("이메일과 직통전화가 모두 비어 있어 기존 사람과 맞춰 볼 수 없습니다."))
    out.update(kind=kind, extension=extension, phone=phone, mobile=mobile, email=email,
               _dept=(organization, department, parent))
    return out, None


def _save_departments(session: Session, wanted: set[tuple[str, str, str]],
                      existing: dict[tuple[str, str], tuple[int, str]]) -> dict[tuple[str, str], int]:
    """Create missing (organisation, department) pairs and refresh parents; returns every id."""
    ids = {key: dept_id for key, (dept_id, _) in existing.items()}
    created: dict[tuple[str, str], Department] = {}
    for organization, name, parent in sorted(wanted):
        key = (organization, name)
        if key not in existing and key not in created:
            created[key] = Department(organization=organization, name=name, parent=parent,
                                      search_key=hangul.strip_department_suffix(name))
        elif key in existing and parent and existing[key][1] != parent:
            session.execute(update(Department).where(Department.id == existing[key][0])
                            .values(parent=parent, updated_at=utcnow()))
    session.add_all(created.values())
    session.flush()
    ids.update({key: dept.id for key, dept in created.items()})
    return ids


def import_rows(session: Session, rows: Iterable[Row], progress: Progress | None = None) -> ImportReport:
    """Upsert people from parsed rows; the caller commits (or rolls back) the session.

    Everything is read and compared first and written in one burst at the end, with no
    progress call in between: on SQLite the progress rows are written by another
    connection, which must not wait behind this session's write lock.
    """
    rows = list(rows)
    total = len(rows)
    report = ImportReport()
    parsed: list[tuple[int, dict[str, Any]]] = []
    first_seen: dict[str, int] = {}
    for number, record in rows:
        values, reason = _parse(record)
        if values is not None:
            key = f"e:{values['email']}" if values["email"] else f"p:{values['phone']}"
            if key in first_seen:
                same = (N_("%(row)s행과 이메일이 같습니다.") if key.startswith("e:")
                        else N_("%(row)s행과 직통전화이 같습니다."))
                values, reason = None, Message(same, {"row": first_seen[key]})
            else:
                first_seen[key] = number
        if values is None:
            report.rejected.append(Rejection(number, reason, record.get("성명", "")[:64]))
        else:
            parsed.append((number, values))

    departments = {(d.organization, d.name): (d.id, d.parent) for d in
                   session.execute(select(Department.id, Department.organization, Department.name, Department.parent))}
    columns = [getattr(Person, c) for c in ("id", *COMPARED)]
    current = {row.id: row._asdict() for row in session.execute(select(*columns))}
    by_email = {p["email"]: pid for pid, p in current.items() if p["email"]}
    by_phone: dict[str, int] = {}
    for pid, p in sorted(current.items()):
        if p["phone"]:
            by_phone.setdefault(p["phone"], pid)

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    touched: dict[int, int] = {}  # person id → the row that already updated it
    now = utcnow()
    for done, (number, values) in enumerate(parsed, len(report.rejected) + 1):
        organization, department, _ = values["_dept"]
        known = departments.get((organization, department))
        values["department_id"] = known[0] if known else None  # a new department is filled in below
        pid = by_email.get(values["email"]) if values["email"] else by_phone.get(values["phone"])
        if pid is not None and pid in touched:
            same_person = Message(N_("%(row)s행과 같은 사람을 가리킵니다."), {"row": touched[pid]})
            report.rejected.append(Rejection(number, same_person, values["name"]))
            continue
        if pid is None:
            inserts.append({**values, "updated_at": now})
            report.added += 1
        else:
            touched[pid] = number
            old = current[pid]
            if values["email"] is None:
                values["email"] = old["email"]  # a row keyed on its phone keeps the address it had
            if known and all(old[c] == values[c] for c in COMPARED):
                report.unchanged += 1
            else:
                updates.append({"id": pid, **values, "updated_at": now})
                report.updated += 1
        if progress and done % BATCH == 0:
            progress(done, total)
    report.rejected.sort(key=lambda r: r.row)
    if progress:
        progress(total, total)

    dept_ids = _save_departments(session, {v["_dept"] for _, v in parsed}, departments)
    for item in (*inserts, *updates):
        organization, department, _ = item.pop("_dept")
        item["department_id"] = dept_ids[(organization, department)]
    for start in range(0, len(updates), BATCH):
        session.execute(update(Person), updates[start:start + BATCH])
    for start in range(0, len(inserts), BATCH):
        session.execute(insert(Person), inserts[start:start + BATCH])
    session.flush()
    return report


def import_file(session: Session, data: bytes, filename: str = "",
                progress: Progress | None = None, settings: Mapping[str, Any] | None = None) -> ImportReport:
    """Read a whole CSV/XLSX upload, then upsert its rows. Nothing is written if reading fails."""
    rows = read_rows(data, filename, settings)
    return import_rows(session, rows, progress)


@task("directory_import")
def import_task(session: Session, progress: Progress, given: TaskInput) -> dict[str, Any]:
    """The console's import, run by the worker (``core.tasks``), within ``IMPORT_MAX_ROWS`` and the other limits."""
    report = import_file(session, given.upload or b"", given.payload.get("filename", ""), progress,
                         given.settings)
    jobs.enqueue(session, published.KIND, {})  # the new index at once, not at the next periodic pass
    return report.as_dict()


def rows_to_csv(records: Iterable[dict[str, str]], *, with_kind: bool = True) -> str:
    """Write directory rows (header → value) as CSV text in the import format."""
    header = [*HEADERS, KIND_HEADER] if with_kind else list(HEADERS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([record.get(h, "") for h in header])
    return out.getvalue()

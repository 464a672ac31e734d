"""Import duty rosters (``duty-sample.csv``'s format) from CSV or XLSX, with the directory import's report.

The whole file is read (``core.spreadsheet``) before anything is written: a file that cannot be read changes
nothing. Each row is checked on its own and a bad one is reported with its row number and a Korean reason.
A row is the same duty as a stored one when its department, kind and start are the same; that duty is then
updated in place (its UID kept, SEQUENCE up) or counted unchanged. People are found on 이메일, else 직통전화,
and 성명 must agree with the directory."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import hangul, spreadsheet
from core.directory.importer import ImportFileError, ImportReport, Rejection, Row, _normalize_phone_cell
from core.duty import roster
from core.i18n import N_, Message
from core.models.duty import Duty
from core.models.organization import Department, Person
from core.spreadsheet import Limits
from core.tasks import Progress, TaskInput, task
from core.timeutil import as_utc

HEADERS = ("날짜", "근무", "시작", "종료", "성명", "이메일", "직통전화", "부서", "장소", "비고")
REQUIRED = ("날짜", "근무", "시작", "종료", "성명", "부서")
HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
PROGRESS_EVERY = 200


def _check_header(header: list[str]) -> None:
    missing = [h for h in REQUIRED if h not in header]
    if not ({"이메일", "직통전화"} & set(header)):
        missing.append("이메일 또는 직통전화")
    if missing:
        raise ImportFileError(N_("머리글 행에 필요한 열이 없습니다: %(columns)s. 머리글은 %(headers)s 입니다."),
                              columns=", ".join(missing), headers=",".join(HEADERS))


def read_rows(data: bytes, filename: str = "", settings: Mapping[str, Any] | None = None, *,
              header_only: bool = False) -> list[Row]:
    """Parse the file into (row number, {header: value}); raises ImportFileError."""
    return spreadsheet.read_records(data, filename, Limits.from_settings(settings or {}), error=ImportFileError,
                                    check_header=_check_header, header_only=header_only)


class _Lookup:
    def __init__(self, session: Session) -> None:
        people = list(session.execute(select(Person.id, Person.name, Person.email, Person.phone)))
        self.names = {p.id: p.name for p in people}
        self.by_email = {p.email.lower(): p.id for p in people if p.email}
        self.by_phone: dict[str, int] = {}
        for p in sorted(people, key=lambda p: p.id):
            if p.phone:
                self.by_phone.setdefault(p.phone, p.id)
        self.departments: dict[str, list[int]] = {}
        for d in session.execute(select(Department.id, Department.name)):
            self.departments.setdefault(d.name, []).append(d.id)


def _parse(record: dict[str, str], lookup: _Lookup) -> tuple[dict[str, Any] | None, Message | None]:
    if record.get(spreadsheet.EXTRA):
        return None, Message(N_("열이 머리글보다 많습니다. 값에 쉼표가 있으면 큰따옴표로 감싸 주세요."))
    try:
        day = date.fromisoformat(record.get("날짜", ""))
    except ValueError:
        return None, Message(N_("날짜 형식이 올바르지 않습니다 (YYYY-MM-DD): %(value)s"),
                             {"value": record.get("날짜", "")[:32]})
    times: list[time] = []
    for column in ("시작", "종료"):
        match = HHMM.match(record.get(column, ""))
        if not match:
            return None, Message(N_("%(column)s 시각 형식이 올바르지 않습니다 (HH:MM): %(value)s"),
                                 {"column": column, "value": record.get(column, "")[:32]})
        times.append(time(int(match[1]), int(match[2])))
    kind = hangul.normalize_spacing(record.get("근무", ""))
    if not kind:
        return None, Message(N_("근무가 비어 있습니다."))
    if len(kind) > roster.KIND_MAX:
        return None, Message(N_("근무가 너무 깁니다 (최대 %(limit)s자)."), {"limit": roster.KIND_MAX})
    name = hangul.normalize_spacing(record.get("성명", ""))
    if not name:
        return None, Message(N_("성명이 비어 있습니다."))
    email = record.get("이메일", "").strip().lower()
    phone_cell = record.get("직통전화", "")
    if email:
        person_id = lookup.by_email.get(email)
        if person_id is None:
            return None, Message(N_("이메일로 디렉터리에서 사람을 찾을 수 없습니다: %(value)s"), {"value": email[:64]})
    elif phone_cell:
        phone = _normalize_phone_cell(phone_cell)
        if not phone:
            return None, Message(N_("직통전화 형식이 올바르지 않습니다: %(value)s"), {"value": phone_cell[:32]})
        person_id = lookup.by_phone.get(phone)
        if person_id is None:
            return None, Message(N_("직통전화로 디렉터리에서 사람을 찾을 수 없습니다: %(value)s"),
                                 {"value": phone_cell[:32]})
    else:
        return None, Message(N_("이메일과 직통전화가 모두 비어 있어 근무자를 찾을 수 없습니다."))
    if lookup.names[person_id] != name:
        return None, Message(N_("성명이 디렉터리와 다릅니다: 파일 %(given)s, 디렉터리 %(known)s"),
                             {"given": name[:64], "known": lookup.names[person_id]})
    department = hangul.normalize_spacing(record.get("부서", ""))
    if not department:
        return None, Message(N_("부서가 비어 있습니다."))
    ids = lookup.departments.get(department, [])
    if len(ids) != 1:
        return None, Message(N_("부서를 디렉터리에서 찾을 수 없습니다: %(value)s") if not ids
                             else N_("같은 이름의 부서가 여럿입니다: %(value)s"), {"value": department[:64]})
    place, note = record.get("장소", ""), record.get("비고", "")
    if len(place) > roster.PLACE_MAX or len(note) > roster.NOTE_MAX:
        return None, Message(N_("장소(최대 %(place)s자)나 비고(최대 %(note)s자)가 너무 깁니다."),
                             {"place": roster.PLACE_MAX, "note": roster.NOTE_MAX})
    starts, ends = roster.span(day, times[0], times[1])
    return {"person_id": person_id, "department_id": ids[0], "kind": kind, "starts": starts, "ends": ends,
            "place": place, "note": note}, None


def import_rows(session: Session, rows: Iterable[Row], progress: Progress | None = None, *,
                only_department: int | None = None) -> ImportReport:
    """Add or update duties from parsed rows; the caller commits (or rolls back).

    ``only_department`` (a department admin's import) rejects the rows of every other department.

    A row that would put someone on two duties at once (with a stored duty or an earlier row) is rejected.
    Every change is flushed through ``roster`` so that SEQUENCE, reminders and change notices follow."""
    rows = list(rows)
    report = ImportReport()
    lookup = _Lookup(session)
    seen: dict[tuple[int | None, str, datetime], int] = {}
    for done, (number, record) in enumerate(rows, 1):
        values, reason = _parse(record, lookup)
        if values is not None and only_department is not None and values["department_id"] != only_department:
            values, reason = None, Message(N_("다른 부서의 근무는 가져올 수 없습니다."))
        if values is not None:
            key = (values["department_id"], values["kind"], values["starts"])
            if key in seen:
                values, reason = None, Message(N_("%(row)s행과 같은 근무(부서·근무·시작)입니다."), {"row": seen[key]})
            else:
                seen[key] = number
        if values is not None:
            reason = _apply(session, values, report)
        if reason is not None:
            report.rejected.append(Rejection(number, reason, record.get("성명", "")[:64]))
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
    if progress:
        progress(len(rows), len(rows))
    report.rejected.sort(key=lambda r: r.row)
    return report


def _apply(session: Session, values: dict[str, Any], report: ImportReport) -> Message | None:
    existing = session.scalars(select(Duty).where(
        Duty.department_id == values["department_id"], Duty.kind == values["kind"],
        Duty.starts_at == values["starts"], Duty.cancelled_at.is_(None))).first()
    try:
        if existing is None:
            roster.add(session, person_id=values["person_id"], kind=values["kind"], starts=values["starts"],
                       ends=values["ends"], department_id=values["department_id"], place=values["place"],
                       note=values["note"])
            report.added += 1
        elif roster.change(session, existing, person_id=values["person_id"], ends=values["ends"],
                           starts=as_utc(values["starts"]), place=values["place"], note=values["note"]):
            report.updated += 1
        else:
            report.unchanged += 1
    except roster.DutyError as exc:
        return Message(exc.msgid, exc.params)
    return None


def import_file(session: Session, data: bytes, filename: str = "", progress: Progress | None = None,
                settings: Mapping[str, Any] | None = None, *, only_department: int | None = None) -> ImportReport:
    """Read the whole file, then apply its rows. Nothing is written if reading fails."""
    return import_rows(session, read_rows(data, filename, settings), progress, only_department=only_department)


@task("duty_import")
def import_task(session: Session, progress: Progress, given: TaskInput) -> dict[str, Any]:
    """The console's import, run by the worker (``core.tasks``)."""
    only = given.payload.get("only_department")
    return import_file(session, given.upload or b"", given.payload.get("filename", ""), progress, given.settings,
                       only_department=only if isinstance(only, int) else None).as_dict()

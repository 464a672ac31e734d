"""Import cafeteria menus from CSV or XLSX in the format of menu-sample.csv: one row a meal, with
식당, 날짜 (YYYY-MM-DD), 식사 (조식·중식·석식), 메뉴 (one dish a line, ``두부새우젓국 (5.9.18)``), 열량 and 식수.

As with the directory import (core.directory.importer, whose report this shares), the whole file is read
through core.spreadsheet before anything is written, so a file that cannot be read changes nothing; a bad row
is rejected with its number and a Korean reason and never stops the good ones. A meal already stored for the
same cafeteria, day and 식사 is replaced by the row's (updated), or left alone when equal (unchanged).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core import hangul, spreadsheet
from core.directory.importer import ImportReport, Rejection
from core.i18n import N_, Message, MessageError
from core.menu import CALORIES_MAX, MEALS, SERVINGS_MAX, cafeteria_named, parse_dishes, set_meal
from core.menu.allergens import DishError
from core.spreadsheet import Limits
from core.tasks import Progress, TaskInput, task

HEADERS = ("식당", "날짜", "식사", "메뉴", "열량", "식수")
REQUIRED = ("식당", "날짜", "식사", "메뉴")
NAME_MAX = 64
ISO_DAY = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$")
EXCEL_EPOCH = date(1899, 12, 30)      # an XLSX date cell is a day count from here (core.spreadsheet keeps it)
Row = spreadsheet.Record


class MenuFileError(MessageError):
    """The file as a whole cannot be read; nothing was imported."""


def _check_header(header: list[str]) -> None:
    if missing := [h for h in REQUIRED if h not in header]:
        raise MenuFileError(N_("머리글 행에 필요한 열이 없습니다: %(columns)s. 머리글은 %(headers)s 입니다."),
                            columns=", ".join(missing), headers=",".join(HEADERS))


def read_rows(data: bytes, filename: str = "", settings: Mapping[str, Any] | None = None, *,
              header_only: bool = False) -> list[Row]:
    """Parse the file into (row number, {header: value}); raises MenuFileError."""
    return spreadsheet.read_records(data, filename, Limits.from_settings(settings or {}), error=MenuFileError,
                                    check_header=_check_header, header_only=header_only)


def parse_day(text: str) -> date | None:
    """``2027-01-04`` (also with dots or slashes), or the day number an XLSX date cell holds."""
    text = text.strip()
    if match := ISO_DAY.match(text):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if text.isdigit() and 20_000 <= int(text) <= 80_000:     # 1954–2119 as Excel counts
        return EXCEL_EPOCH + timedelta(days=int(text))
    return None


def _number(text: str, column: str, limit: float, whole: bool) -> tuple[float | int | None, Message | None]:
    text = text.replace(",", "").replace("kcal", "").strip()
    if not text:
        return None, None
    try:
        value: float | int = int(float(text)) if whole else round(float(text), 1)
    except ValueError:
        value = -1
    if not 0 <= value <= limit or (whole and float(text) != int(float(text))):
        return None, Message(N_("%(column)s 값이 올바르지 않습니다: %(value)s"), {"column": column, "value": text})
    return value, None


def _parse(record: dict[str, str]) -> tuple[dict[str, Any] | None, Message | None]:
    cafeteria = hangul.normalize_spacing(record.get("식당", ""))
    if not cafeteria:
        return None, Message(N_("식당이 비어 있습니다."))
    if len(cafeteria) > NAME_MAX:
        return None, Message(N_("식당 이름이 너무 깁니다 (최대 %(limit)s자)."), {"limit": NAME_MAX})
    day = parse_day(record.get("날짜", ""))
    if day is None:
        return None, Message(N_("날짜 형식이 올바르지 않습니다 (YYYY-MM-DD): %(value)s"),
                             {"value": record.get("날짜", "")[:40]})
    code = MEALS.get(record.get("식사", "").strip())
    if code is None:
        return None, Message(N_("식사는 조식, 중식, 석식 중 하나여야 합니다: %(value)s"),
                             {"value": record.get("식사", "")[:20]})
    try:
        dishes = parse_dishes(record.get("메뉴", ""))
    except DishError as exc:
        return None, Message(exc.msgid, exc.params)
    if not dishes:
        return None, Message(N_("메뉴가 비어 있습니다."))
    calories, problem = _number(record.get("열량", ""), "열량", CALORIES_MAX, whole=False)
    if problem:
        return None, problem
    servings, problem = _number(record.get("식수", ""), "식수", SERVINGS_MAX, whole=True)
    if problem:
        return None, problem
    return {"cafeteria": cafeteria, "day": day, "code": code, "dishes": dishes, "calories": calories,
            "servings": servings}, None


def import_rows(session: Session, rows: Iterable[Row], progress: Progress | None = None) -> ImportReport:
    """Store the rows' meals; the caller commits (or rolls back). Every row is checked before any is written,
    so that the progress rows (another connection on SQLite) never wait behind this session's write lock."""
    rows = list(rows)
    report = ImportReport()
    parsed: list[dict[str, Any]] = []
    first_seen: dict[tuple[str, date, str], int] = {}
    for done, (number, record) in enumerate(rows, 1):
        values, reason = _parse(record)
        if values is not None:
            key = (values["cafeteria"], values["day"], values["code"])
            if key in first_seen:
                values, reason = None, Message(N_("%(row)s행과 식당·날짜·식사가 같습니다."), {"row": first_seen[key]})
            else:
                first_seen[key] = number
        if values is None:
            report.rejected.append(Rejection(number, reason, record.get("식당", "")[:64]))
        else:
            parsed.append(values)
        if progress and done % 200 == 0:
            progress(done, len(rows))
    if progress:
        progress(len(rows), len(rows))
    ids: dict[str, int] = {}
    for values in parsed:
        if values["cafeteria"] not in ids:
            ids[values["cafeteria"]] = cafeteria_named(session, values["cafeteria"]).id
        outcome = set_meal(session, ids[values["cafeteria"]], values["day"], values["code"], values["dishes"],
                           values["calories"], values["servings"])
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def import_file(session: Session, data: bytes, filename: str = "", progress: Progress | None = None,
                settings: Mapping[str, Any] | None = None) -> ImportReport:
    """Read a whole CSV/XLSX file, then store its meals. Nothing is written if reading fails."""
    return import_rows(session, read_rows(data, filename, settings), progress)


@task("menu_import")
def import_task(session: Session, progress: Progress, given: TaskInput) -> dict[str, Any]:
    """The console's import, run by the worker (core.tasks)."""
    report = import_file(session, given.upload or b"", given.payload.get("filename", ""), progress, given.settings)
    return report.as_dict()

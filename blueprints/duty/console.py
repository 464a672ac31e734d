"""The console: a department's roster on a month grid (add, move, remove) and the roster import."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.duty import bp
from core import audit
from core.directory.importer import ImportFileError
from core.duty import roster, swaps
from core.duty.importer import read_rows
from core.duty.roster import DutyError
from core.i18n import N_
from core.models.duty import Duty, DutySwap
from core.models.organization import Department, Person
from core.timeutil import KST, utcnow
from extensions import db
from web import tasks
from web.client import client_info
from web.i18n import translated
from web.sessions import roles_required


def _department_id() -> int | None:
    """The roster shown: a department admin's own; an admin's chosen one (``?department=``)."""
    if current_user.role != "admin":
        return current_user.department_id
    value = request.values.get("department", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _month() -> tuple[int, int]:
    today = utcnow().astimezone(KST).date()
    try:
        year, month = (int(x) for x in request.values.get("month", "").split("-"))
        date(year, month, 1)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        return today.year, today.month
    return year, month


@bp.get("/admin/duty")
@roles_required("dept_admin")
def console():
    department_id = _department_id()
    year, month = _month()
    duties = roster.month_duties(db.session, department_id, year, month) if department_id else []
    by_day: dict[int, list[Duty]] = {}
    for duty in duties:
        by_day.setdefault(duty.starts_at.astimezone(KST).day, []).append(duty)
    departments = (list(db.session.scalars(select(Department).order_by(Department.organization, Department.name)))
                   if current_user.role == "admin" else [])
    people = (list(db.session.scalars(select(Person).where(Person.department_id == department_id,
                                                           Person.kind == "staff").order_by(Person.name)))
              if department_id else [])
    prev_m = (year - (month == 1), 12 if month == 1 else month - 1)
    next_m = (year + (month == 12), 1 if month == 12 else month + 1)
    pending = [s for s in db.session.scalars(select(DutySwap).where(DutySwap.state == "accepted"))
               if swaps.can_manage(current_user, s.duty.department_id)]
    response = render_template(
        "duty/console.html", department_id=department_id, department=db.session.get(Department, department_id)
        if department_id else None, departments=departments, people=people, year=year, month=month,
        weeks=calendar.Calendar(firstweekday=6).monthdayscalendar(year, month), by_day=by_day,
        prev_month=f"{prev_m[0]}-{prev_m[1]:02d}", next_month=f"{next_m[0]}-{next_m[1]:02d}", pending=pending)
    db.session.rollback()
    return response


def _times() -> tuple[datetime, datetime]:
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        start = time.fromisoformat(request.form.get("start", ""))
        end = time.fromisoformat(request.form.get("end", ""))
    except ValueError as exc:
        raise DutyError(N_("날짜(YYYY-MM-DD)와 시각(HH:MM)을 확인해 주세요.")) from exc
    return roster.span(day, start, end)


def _person() -> int | None:
    value = request.form.get("person_id", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _to_grid(department_id: int | None, when: datetime | None = None):
    month = (when or utcnow()).astimezone(KST).strftime("%Y-%m")
    return redirect(url_for("duty.console", department=department_id, month=month), 303)


def _fail(exc: DutyError, department_id: int | None):
    db.session.rollback()
    flash(translated(exc.detail), "error")
    return _to_grid(department_id)


@bp.post("/admin/duty/add")
@roles_required("dept_admin")
def add():
    department_id = _department_id()
    if department_id is None or not swaps.can_manage(current_user, department_id):
        abort(403)
    try:
        starts, ends = _times()
        person_id = _person()
        if person_id is not None and (p := db.session.get(Person, person_id)) and p.department_id != department_id \
                and current_user.role != "admin":
            raise DutyError(N_("이 부서의 직원만 지정할 수 있습니다."))
        duty = roster.add(db.session, person_id=person_id or 0, kind=request.form.get("kind", ""), starts=starts,
                          ends=ends, department_id=department_id, place=request.form.get("place", ""),
                          note=request.form.get("note", ""))
    except DutyError as exc:
        return _fail(exc, department_id)
    audit.record(db.session, "duty.add", user=current_user, target=str(duty.id), **client_info())
    db.session.commit()
    flash(_("근무를 추가했습니다."), "success")
    return _to_grid(department_id, starts)


def _managed(duty_id: int) -> Duty:
    duty = db.session.get(Duty, duty_id)
    if duty is None or duty.cancelled_at is not None:
        abort(404)
    if not swaps.can_manage(current_user, duty.department_id):
        abort(403)
    return duty


@bp.post("/admin/duty/<id:duty_id>/move")
@roles_required("dept_admin")
def move(duty_id: int):
    duty = _managed(duty_id)
    department_id = duty.department_id
    try:
        starts, ends = _times()
        person_id = _person()
        if person_id is None:
            raise DutyError(N_("근무자가 없습니다. 근무자를 지정해 주세요."))
        roster.change(db.session, duty, person_id=person_id, starts=starts, ends=ends,
                      kind=request.form.get("kind") or None, place=request.form.get("place"))
    except DutyError as exc:
        return _fail(exc, department_id)
    audit.record(db.session, "duty.move", user=current_user, target=str(duty.id), **client_info())
    db.session.commit()
    flash(_("근무를 바꿨습니다."), "success")
    return _to_grid(department_id, starts)


@bp.post("/admin/duty/<id:duty_id>/remove")
@roles_required("dept_admin")
def remove(duty_id: int):
    duty = _managed(duty_id)
    roster.remove(db.session, duty)
    audit.record(db.session, "duty.remove", user=current_user, target=str(duty.id), **client_info())
    db.session.commit()
    flash(_("근무를 취소했습니다. 캘린더에는 취소로 표시됩니다."), "success")
    return _to_grid(duty.department_id, duty.starts_at)


@bp.route("/admin/duty/import", methods=["GET", "POST"])
@roles_required("dept_admin")
def import_page():
    task, status, error = None, 200, ""
    if request.method == "POST":
        upload = request.files.get("file")
        filename = (upload.filename if upload else "") or "upload"
        data = upload.read() if upload else b""
        try:
            if not data:
                raise ImportFileError(N_("올릴 파일을 골라 주세요."))
            read_rows(data, filename, current_app.config, header_only=True)
        except ImportFileError as exc:
            error, status = translated(exc.detail), 400
        else:
            only = None if current_user.role == "admin" else current_user.department_id or -1
            task = tasks.submit_import("duty_import", "duty.import", filename, data, {"only_department": only})
            if request.htmx:
                return render_template("admin/_task_progress.html", task=task)
        if status == 400 and request.htmx:
            return render_template("duty/_import_error.html", error=error), 400
    return render_template("duty/import.html", task=task, error=error, recent_tasks=tasks.recent("duty_import")), status

"""Console: the dispatch log (filtered by KST day, department and outcome) and each call's timeline."""
from datetime import date

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from blueprints.lettering import bp, labels
from blueprints.lettering.scope import check_department, department_scope
from blueprints.lettering.timeline import carrier_error, describe, ordered, ordered_events, receipts
from core.audit import record
from core.lettering.optout import is_opted_out
from core.models.calls import Call, CallEvent, CallLog
from core.models.organization import Department
from core.timeutil import kst_dates_to_utc
from extensions import db
from web.client import client_info
from web.converters import int_arg, page_arg

PAGE_SIZE = 50


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/calls")
def calls():
    args = request.args
    day = parse_day(args.get("day"))
    filters = {key: args.get(key, "") for key in ("lettering", "outcome", "alimtalk")}
    dept_id = int_arg("dept")
    live = args.get("live") == "1"
    page = 1 if live else page_arg()
    query = select(Call).order_by(Call.created_at.desc(), Call.id.desc())
    scope = department_scope()
    if scope is not None:
        query = query.where(Call.department_id == scope)
    elif dept_id:
        query = query.where(Call.department_id == dept_id)
    if day:
        start, end = kst_dates_to_utc(day, day)
        query = query.where(Call.created_at >= start, Call.created_at < end)
    if filters["lettering"] in labels.LETTERING:
        query = query.where(Call.lettering_status == filters["lettering"])
    if filters["outcome"] in labels.OUTCOME:
        query = query.where(Call.outcome == filters["outcome"])
    if filters["alimtalk"] in labels.ALIMTALK:
        query = query.where(Call.alimtalk_status == filters["alimtalk"])
    elif filters["alimtalk"] == "none":
        query = query.where(Call.alimtalk_status.is_(None))
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    departments = (list(db.session.scalars(select(Department).order_by(Department.name)))
                   if scope is None else [])
    names = {d.id: d.name for d in departments} if departments else _names([r.department_id for r in rows])
    template = "lettering/_call_rows.html" if request.htmx and not request.htmx.boosted else "lettering/calls.html"
    query_args = {"day": day.isoformat() if day else "", "dept": dept_id or "", **filters}
    return render_template(template, rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE and not live, page=page,
                           live=live,
                           day=day, dept_id=dept_id, filters=filters, departments=departments, names=names,
                           labels=labels, query_args=query_args)


def _names(ids: list[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(wanted))).all())


@bp.get("/calls/<id:call_pk>")
def call_detail(call_pk: int):
    call = db.session.get(Call, call_pk) or abort(404)
    check_department(call.department_id)
    # In their true order even within one second (blueprints/lettering/timeline.py), not by the stored time alone.
    logs = ordered(list(db.session.scalars(select(CallLog).where(CallLog.call_pk == call.id))))
    events = ordered_events(list(db.session.scalars(select(CallEvent).where(CallEvent.call_id == call.call_id))))
    # Who looked at which citizen's call is itself a record the privacy law asks for.
    record(db.session, "lettering.call.view", user=current_user, target=call.call_id, **client_info())
    db.session.commit()
    opted_out = bool(call.peer_hash) and is_opted_out(db.session, call.peer_hash)
    failures = [carrier_error(log.detail) for log in logs if log.kind == "carrier" and isinstance(log.detail, dict)]
    lettering_error = next((text for text in reversed(failures) if text), None) or call.lettering_error
    return render_template("lettering/call_detail.html", call=call, logs=logs, events=events, labels=labels,
                           receipts=receipts(call, logs),
                           opted_out=opted_out, describe=describe, lettering_error=lettering_error,
                           department=db.session.get(Department, call.department_id)
                           if call.department_id else None)

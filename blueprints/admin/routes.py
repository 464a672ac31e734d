from flask import Response, abort, make_response, render_template, request, url_for
from flask_babel import format_percent, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select

from blueprints.admin import bp
from core import audit_labels, audit_query
from core.audit import record
from core.console_figures import TodayFigures, today_figures
from core.lettering.health import provider_health
from core.models.tasks import TaskRun
from core.pagination import paginate
from core.timeutil import format_kst, utcnow
from extensions import db
from web.client import client_info
from web.converters import page_arg
from web.i18n import translated
from web.sessions import roles_required

PAGE_SIZE = 50
NO_DEPARTMENT = -1   # matches no call: a department admin without a department sees none


def _figures(f: TodayFigures) -> list[dict]:
    """Today's figures as cards: label, value, an optional note, and the page that explains each."""
    day = f.day.isoformat()
    calls = url_for("lettering.calls", day=day)
    stats = url_for("lettering.stats", days=7)
    cards = [
        {"label": _l("오늘 통화"), "value": f.calls, "url": calls},
        {"label": _l("레터링 표시율"), "url": url_for("lettering.calls", day=day, lettering="accepted"),
         "value": "–" if f.lettering_rate is None else format_percent(f.lettering_rate),
         "note": _l("표시됨 %(accepted)s / %(calls)s건", accepted=f.accepted, calls=f.calls)},
        {"label": _l("알림톡 발송"), "value": f.alimtalk_sent, "url": stats},
        {"label": _l("알림톡 전달됨"), "value": f.alimtalk_delivered, "url": stats},
        {"label": _l("알림톡 실패"), "value": f.alimtalk_failed, "url": stats, "alert": f.alimtalk_failed > 0},
    ]
    if current_user.has_role("admin"):
        jobs = url_for("lettering.dead_jobs")
        cards += [
            {"label": _l("대기 작업"), "value": f.jobs["queued"], "url": jobs},
            {"label": _l("실행 중 작업"), "value": f.jobs["running"], "url": jobs},
            {"label": _l("실패 작업"), "value": f.jobs["dead"], "url": jobs, "alert": f.jobs["dead"] > 0},
            {"label": _l("오늘 연락처 가져오기"), "value": f.imports.get("directory_import", 0),
             "url": url_for("directory.import_page")},
            {"label": _l("오늘 회선 가져오기"), "value": f.imports.get("lines_import", 0),
             "url": url_for("lettering.lines_import")},
            {"label": _l("계정"), "value": f.accounts, "url": url_for("admin.users")},
            {"label": _l("오늘 감사 기록"), "value": f.audit_entries, "url": url_for("admin.audit_log")},
        ]
        if f.imports_failed:
            cards[-3]["note"] = _l("오늘 실패한 가져오기 %(n)s건", n=f.imports_failed)
    return cards


@bp.get("/")
def dashboard():
    department = None if current_user.has_role("admin") else (current_user.department_id or NO_DEPARTMENT)
    figures = today_figures(db.session, department_id=department)
    recent_tasks = db.session.scalars(_own_tasks(select(TaskRun)).order_by(TaskRun.id.desc()).limit(5)).all()
    # Smart Lettering's provider health (core.lettering.health), for admins: the console's lettering home.
    health = provider_health(db.session) if current_user.has_role("admin") else None
    return render_template("admin/dashboard.html", figures=figures, cards=_figures(figures),
                           recent_tasks=recent_tasks, health=health)


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    """The audit log with its filters; an HTMX request (active search, not a boosted navigation) gets the
    results partial only. Bad filters answer 400 with the reason, in place of the rows."""
    parsed = audit_query.parse_filters(request.args)
    page = None
    if not parsed.errors:
        page = paginate(db.session, audit_query.audit_query(parsed.filters), page_arg(), PAGE_SIZE)
    partial = bool(request.htmx and not request.htmx.boosted)
    body = render_template("admin/_audit_rows.html" if partial else "admin/audit.html", page=page,
                           parsed=parsed, errors=[translated(e) for e in parsed.errors],
                           args=parsed.filters.as_args(), categories=audit_labels.CATEGORIES,
                           names=audit_query.display_names(db.session, page.items) if page else {},
                           action_label=audit_labels.action_label, category_of=audit_labels.category_of,
                           detail_text=audit_query.detail_text, export_max=audit_query.EXPORT_MAX_ROWS)
    response = make_response(body, 400 if parsed.errors else 200)
    response.headers.add("Vary", "HX-Request")
    return response


@bp.get("/audit/export.csv")
@roles_required("admin")
def audit_export():
    """The filtered entries as CSV (at most ``EXPORT_MAX_ROWS``); the export is itself an audit entry."""
    parsed = audit_query.parse_filters(request.args)
    if parsed.errors:
        return render_template("admin/audit.html", page=None, parsed=parsed,
                               errors=[translated(e) for e in parsed.errors], args={},
                               categories=audit_labels.CATEGORIES, export_max=audit_query.EXPORT_MAX_ROWS), 400
    export = audit_query.export_csv(db.session, parsed.filters, gettext)
    record(db.session, "audit.export", user=current_user, rows=export.rows, truncated=export.truncated,
           **parsed.filters.as_detail(), **client_info())
    db.session.commit()
    stamp = format_kst(utcnow(), "%Y%m%d-%H%M")
    response = Response(export.body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Export-Rows"] = str(export.rows)
    if export.truncated:
        response.headers["X-Export-Truncated"] = str(audit_query.EXPORT_MAX_ROWS)
    return response


def _own_tasks(query: Select) -> Select:
    """Tasks the signed-in user may see: an admin every task; a department admin only the tasks they submitted
    (another's import report holds rejected raw values, a conversion the document's title)."""
    return query if current_user.has_role("admin") else query.where(TaskRun.created_by == current_user.id)


@bp.get("/tasks/<id:task_id>")
def task_progress(task_id: int):
    """The progress partial that import and conversion pages poll every second; 404 for a task not one's own."""
    task = db.session.scalar(_own_tasks(select(TaskRun).where(TaskRun.id == task_id))) or abort(404)
    return render_template("admin/_task_progress.html", task=task)

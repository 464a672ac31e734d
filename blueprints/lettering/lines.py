"""Console: the administrative lines, one-line editing and the bulk import with progress."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from blueprints.lettering import bp
from blueprints.lettering.forms import LineForm, LinesImportForm
from blueprints.lettering.scope import check_department, department_scope
from core.audit import record
from core.i18n import N_, Message
from core.lettering.line_status import WINDOW_DAYS, line_statuses
from core.lettering.lines_import import LineError, LinesFileError, clean_text, line_prefixes, read_rows, save_line
from core.models.lettering import Line
from core.models.organization import Department
from core.phone import digits, format_korean
from core.timeutil import utcnow
from extensions import db
from web import tasks
from web.client import client_info
from web.converters import int_arg, page_arg
from web.i18n import translated
from web.sessions import roles_required

PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _departments() -> list[Department]:
    query = select(Department).order_by(Department.organization, Department.name)
    scope = department_scope()
    if scope is not None:
        query = query.where(Department.id == scope)
    return list(db.session.scalars(query))


def search_query(q: str, dept_id: int | None):
    """The list's lines for a search, within what the signed-in user may see (the bulk actions use it too)."""
    query = select(Line).order_by(Line.department_name, Line.number)
    scope = department_scope()
    if scope is not None:
        query = query.where(Line.department_id == scope)
    elif dept_id:
        query = query.where(Line.department_id == dept_id)
    if q:
        number_part = digits(q).lstrip("0")
        text_match = or_(Line.department_name.contains(q), Line.message.contains(q), Line.extension == q)
        query = query.where(or_(text_match, Line.number.contains(number_part)) if number_part else text_match)
    return query


def search_args() -> tuple[str, int | None]:
    source = request.form if request.method == "POST" else request.args
    q = clean_text(source.get("q", "")).strip()[:40]
    return q, int_arg("dept") if request.method == "GET" else _form_int("dept")


def _form_int(name: str) -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.get("/lines")
def lines():
    q, dept_id = search_args()
    page = page_arg()
    scope = department_scope()
    query = search_query(q, dept_id)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    partial = bool(request.htmx and not request.htmx.boosted)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    # Each line's last dial, 7-day success rate and last error: one grouped query for the page.
    statuses = line_statuses(db.session, [line.id for line in rows[:PAGE_SIZE]], utcnow())
    # htmx: "더 보기" appends rows; a filter change replaces the count and the table.
    template = ("lettering/lines.html" if not partial else
                "lettering/_line_rows.html" if page > 1 else "lettering/_line_results.html")
    departments = _departments()
    return render_template(template, rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page, q=q, total=total,
                           dept_id=dept_id, departments=departments if scope is None else [],
                           move_departments=departments if scope is None else [], statuses=statuses,
                           bulk_actions=bulk_actions(), window_days=WINDOW_DAYS)


def _line_form(line: Line | None) -> LineForm:
    form = LineForm(obj=None)
    form.department.choices = [(d.name, d.name if d.organization == "고양특례시" else f"{d.name} ({d.organization})")
                               for d in _departments()]
    if line is not None and request.method == "GET":
        form.number.data = format_korean(line.number)
        form.extension.data = line.extension or ""
        form.department.data = line.department.name if line.department else line.department_name
        form.institution.data = line.institution
        form.message.data = line.message
        form.logo_url.data = line.logo_url
        form.active.data = line.active
    return form


def _save(form: LineForm, line: Line | None):
    """Validate with the domain rules (the same as the import) and save, or re-render with errors."""
    if form.validate_on_submit():
        raw = {name: getattr(form, name).data or "" for name in
               ("number", "extension", "department", "institution", "message", "logo_url")}
        notices: list[Message] = []
        try:
            saved = save_line(db.session, raw, line, active=form.active.data,
                              prefixes=line_prefixes(current_app.config), notices=notices)
        except LineError as exc:
            db.session.rollback()
            for name, problem in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, translated(problem.detail)]
        else:
            record(db.session, "lettering.line.save", user=current_user, target=saved.number,
                   created=line is None, notices=[str(n) for n in notices], **client_info())
            db.session.commit()
            flash(_("회선 %(number)s을(를) 저장했습니다.", number=format_korean(saved.number)), "success")
            for notice in notices:
                flash(translated(notice.detail), "info")
            return redirect(url_for("lettering.lines", q=saved.extension or format_korean(saved.number)))
    status = 422 if request.method == "POST" else 200
    return render_template("lettering/line_form.html", form=form, line=line), status


@bp.route("/lines/new", methods=["GET", "POST"])
def line_new():
    return _save(_line_form(None), None)


@bp.route("/lines/<id:line_id>", methods=["GET", "POST"])
def line_edit(line_id: int):
    line = db.session.get(Line, line_id) or abort(404)
    check_department(line.department_id)
    return _save(_line_form(line), line)


@bp.route("/lines/import", methods=["GET", "POST"])
@roles_required("admin")
def lines_import():
    form = LinesImportForm()
    task = None
    error = ""
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        try:
            if len(data) > MAX_UPLOAD_BYTES:
                raise LinesFileError(N_("파일이 너무 큽니다 (최대 10MB)."))
            # Only up to the header here: the worker reads the rest, within the limits (core.spreadsheet).
            read_rows(data, upload.filename or "", current_app.config, header_only=True)
        except LinesFileError as exc:
            error = translated(exc.detail)
        else:
            record(db.session, "lettering.lines.import", user=current_user, target=upload.filename or "",
                   size=len(data), **client_info())
            task = tasks.submit("lines_import", upload.filename or "", payload={"filename": upload.filename or ""},
                                upload=data)
    elif request.method == "POST":
        error = " ".join(str(e) for e in form.file.errors) or _("파일을 골라 주세요.")
    status = 422 if error else 200
    return render_template("lettering/lines_import.html", form=form, task=task, error=error), status


def bulk_actions() -> list[tuple[str, str]]:
    """The bulk actions this user may take: moving lines between departments is an admin's."""
    actions = [("message", _("안내문구 바꾸기")), ("disable", _("사용 중지")), ("enable", _("사용 재개"))]
    if current_user.has_role("admin"):
        actions.insert(0, ("move", _("다른 부서로 옮기기")))
    return actions


from blueprints.lettering import lines_bulk  # noqa: E402, F401  (its routes; kept beside the list they act on)

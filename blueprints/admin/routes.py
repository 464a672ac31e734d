from flask import abort, render_template, request
from sqlalchemy import func, select

from blueprints.admin import bp
from core.models.accounts import AuditLog, User
from core.models.tasks import TaskRun
from extensions import db
from web.sessions import roles_required

PAGE_SIZE = 50


@bp.get("/")
def dashboard():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "audit_today": db.session.scalar(select(func.count(AuditLog.id))),
    }
    recent_tasks = db.session.scalars(select(TaskRun).order_by(TaskRun.id.desc()).limit(5)).all()
    return render_template("admin/dashboard.html", counts=counts, recent_tasks=recent_tasks)


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    page = max(request.args.get("page", 1, type=int), 1)
    action = request.args.get("action", "").strip()
    username = request.args.get("user", "").strip()
    query = select(AuditLog).order_by(AuditLog.id.desc())
    if action:
        query = query.where(AuditLog.action.startswith(action))
    if username:
        query = query.where(AuditLog.username == username)
    rows = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    template = "admin/_audit_rows.html" if request.htmx and not request.htmx.boosted else "admin/audit.html"
    return render_template(template, rows=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE,
                           action=action, username=username)


@bp.get("/users")
@roles_required("admin")
def users():
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.get("/tasks/<int:task_id>")
def task_progress(task_id: int):
    """The progress partial that import and conversion pages poll every second."""
    task = db.session.get(TaskRun, task_id) or abort(404)
    return render_template("admin/_task_progress.html", task=task)

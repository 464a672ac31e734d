"""Submit a :mod:`core.tasks` console task from a request; a worker runs it and the console polls its row."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_login import current_user

from core import audit, tasks
from core.i18n import N_
from core.models.tasks import TaskRun
from extensions import db
from web.client import client_info

# The progress box's heading per kind; the task's stored label is only its subject (a file name or a title),
# so that every admin reads the heading in their own language.
TITLES = {
    "directory_import": N_("연락처 가져오기: %(subject)s"),
    "lines_import": N_("회선 가져오기: %(subject)s"),
    "document_convert": N_("문서 변환: %(subject)s"),
    "menu_import": N_("식단 가져오기: %(subject)s"),
    "duty_import": N_("근무표 가져오기: %(subject)s"),
}


def submit(kind: str, subject: str = "", *, payload: dict[str, Any] | None = None,
           upload: bytes | None = None) -> TaskRun:
    """Record the task and queue it for the worker, and commit; render the returned row with
    ``admin/_task_progress.html`` (it polls ``admin.task_progress`` until done)."""
    user_id = current_user.id if current_user.is_authenticated else None
    run = tasks.submit(db.session, kind, label=subject, user_id=user_id, payload=payload, upload=upload)
    db.session.commit()
    return run


def submit_import(kind: str, audit_action: str, filename: str, data: bytes,
                  payload: dict[str, Any] | None = None) -> TaskRun:
    """Queue an uploaded file whose header the page has checked: audited with its name and size, then submitted
    with the file as the task's upload."""
    audit.record(db.session, audit_action, user=current_user, target=filename, size=len(data), **client_info())
    return submit(kind, filename, payload={"filename": filename, **(payload or {})}, upload=data)


def recent(kind: str, limit: int = 5) -> list[TaskRun]:
    """The latest tasks of ``kind``, newest first, for an import page's 최근 가져오기
    (``admin/_recent_imports.html``)."""
    return list(db.session.scalars(db.select(TaskRun).filter_by(kind=kind).order_by(TaskRun.id.desc()).limit(limit)))


def title(task: TaskRun) -> str:
    """The task's heading in the reader's language."""
    template = TITLES.get(task.kind)
    return gettext(template, subject=task.label) if template else task.label or task.kind

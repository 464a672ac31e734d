"""Start a :mod:`core.tasks` background job from a request, on the app's own engine."""
from __future__ import annotations

from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import sessionmaker

from core.i18n import N_
from core.models.tasks import TaskRun
from core.tasks import JobFn, start_task
from extensions import db

# The progress box's heading per kind; the task's stored label is only its subject (a file name or a title),
# so that every admin reads the heading in their own language.
TITLES = {
    "directory_import": N_("연락처 가져오기: %(subject)s"),
    "lines_import": N_("회선 가져오기: %(subject)s"),
    "document_convert": N_("문서 변환: %(subject)s"),
}


def start(kind: str, fn: JobFn, subject: str = "") -> int:
    """Run ``fn(session, progress)`` in a thread; returns the TaskRun id to render with
    ``admin/_task_progress.html`` (it polls ``admin.task_progress`` until done)."""
    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    user_id = current_user.id if current_user.is_authenticated else None
    return start_task(factory, kind, fn, label=subject, user_id=user_id)


def title(task: TaskRun) -> str:
    """The task's heading in the reader's language."""
    template = TITLES.get(task.kind)
    return gettext(template, subject=task.label) if template else task.label or task.kind

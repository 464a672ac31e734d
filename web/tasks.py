"""Start a :mod:`core.tasks` background job from a request, on the app's own engine."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy.orm import sessionmaker

from core.tasks import JobFn, start_task
from extensions import db


def start(kind: str, fn: JobFn, label: str = "") -> int:
    """Run ``fn(session, progress)`` in a thread; returns the TaskRun id to render with
    ``admin/_task_progress.html`` (it polls ``admin.task_progress`` until done)."""
    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    user_id = current_user.id if current_user.is_authenticated else None
    return start_task(factory, kind, fn, label=label, user_id=user_id)

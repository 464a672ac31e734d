"""Run a long job in a background thread and record its progress in ``task_runs``.

On SQLite a job that has written rows holds the write lock until it commits, so its
progress updates are skipped until then; jobs that validate first and write in one burst
(the importers) show smooth progress on every database.

The console starts imports and conversions here and polls the row; the CLI runs
the same job function synchronously with :func:`run_task`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.models.tasks import TaskRun
from core.timeutil import utcnow

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
JobFn = Callable[[Session, Progress], dict[str, Any]]


def create_task(session: Session, kind: str, label: str = "", user_id: int | None = None) -> TaskRun:
    task = TaskRun(kind=kind, label=label, created_by=user_id)
    session.add(task)
    session.commit()
    return task


def run_task(factory: sessionmaker[Session], task_id: int, fn: JobFn) -> TaskRun:
    """Run ``fn(session, progress)``; its return value becomes the task's result."""
    last_write = 0.0
    latest = {"done": 0, "total": 0}

    def progress(done: int, total: int) -> None:
        nonlocal last_write
        latest.update(done=done, total=total)
        now = time.monotonic()
        if now - last_write < 0.25 and done < total:
            return  # at most four progress writes a second
        last_write = now
        with factory() as s:
            try:
                if s.get_bind().dialect.name == "sqlite":
                    # Progress is best effort: on SQLite the job's own open write transaction
                    # holds the lock, and the job must not wait on its progress bar.
                    s.execute(text("PRAGMA busy_timeout = 50"))
                s.execute(update(TaskRun).where(TaskRun.id == task_id)
                          .values(done=done, total=total, status="running"))
                s.commit()
            except OperationalError:
                s.rollback()
            finally:
                if s.get_bind().dialect.name == "sqlite":
                    s.execute(text("PRAGMA busy_timeout = 10000"))

    with factory() as work:
        try:
            result = fn(work, progress)
            work.commit()
            status, error = "done", ""
        except Exception as exc:
            work.rollback()
            log.exception("task %s failed", task_id)
            result, status, error = {}, "failed", str(exc) or exc.__class__.__name__
            detail = getattr(exc, "detail", None)   # a msgid and its parameters, for the reader's language
            if isinstance(detail, dict) and "msgid" in detail:
                result = {"error": detail}
    with factory() as s:
        task = s.get(TaskRun, task_id)
        task.status, task.error, task.result, task.finished_at = status, error, result, utcnow()
        task.total = latest["total"] or task.total
        task.done = task.total if status == "done" else latest["done"]
        s.commit()
        return task


def start_task(factory: sessionmaker[Session], kind: str, fn: JobFn, *, label: str = "",
               user_id: int | None = None) -> int:
    """Record a task and run it in a daemon thread; returns the task id to poll."""
    with factory() as s:
        task_id = create_task(s, kind, label, user_id).id
    threading.Thread(target=run_task, args=(factory, task_id, fn), daemon=True,
                     name=f"task-{kind}-{task_id}").start()
    return task_id

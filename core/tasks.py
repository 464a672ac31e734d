"""Console tasks (imports, conversions) as durable jobs of the runtime, with their progress in ``task_runs``.

``submit`` records a ``TaskRun`` (with the uploaded file, if any) and enqueues one ``tasks.run`` job in the
caller's transaction; a worker runs the task's function, which each area registers with ``@task(kind)``. The
console polls the row. Nothing runs in the web process, so a web restart changes nothing, and a worker killed
mid-task lets its lease expire: the next worker runs the task again from the start (every task function works
in one transaction, so a half-done run left nothing behind). A task that cannot finish after its attempts is
marked failed with a message; none stays "running" for ever.

On SQLite a task that has written rows holds the write lock until it commits, so its progress updates are
skipped until then; tasks that validate first and write in one burst (the importers) show smooth progress on
every database. The CLI runs the same functions synchronously with :func:`run_now`.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core import jobs
from core.i18n import N_, MessageError
from core.jobs.registry import Env, registry
from core.models.tasks import TaskRun
from core.timeutil import utcnow

log = logging.getLogger(__name__)

JOB_KIND = "tasks.run"
MAX_ATTEMPTS = 3            # a task is run again after a crash, twice at most
KEEP_DAYS = 90              # finished tasks (their reports) are kept this long
GAVE_UP = N_("작업을 %(attempts)s번 시도했지만 끝내지 못했습니다. 파일을 다시 올려 주세요.")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TaskInput:
    """What a task function gets: the payload given to ``submit``, the uploaded file and the settings."""

    payload: dict[str, Any]
    upload: bytes | None
    settings: dict[str, Any]


TaskFn = Callable[[Session, Progress, TaskInput], dict[str, Any]]
_FUNCTIONS: dict[str, TaskFn] = {}


def task(kind: str) -> Callable[[TaskFn], TaskFn]:
    """Register the function that runs tasks of ``kind`` (``TaskRun.kind``)."""
    def register(fn: TaskFn) -> TaskFn:
        _FUNCTIONS[kind] = fn
        return fn
    return register


def submit(session: Session, kind: str, *, label: str = "", user_id: int | None = None,
           payload: dict[str, Any] | None = None, upload: bytes | None = None) -> TaskRun:
    """Record a task and enqueue its job in the caller's transaction; the caller commits."""
    run = TaskRun(kind=kind, label=label[:255], created_by=user_id, status="queued", upload=upload,
                  params=payload or {})
    session.add(run)
    session.flush()
    jobs.enqueue(session, JOB_KIND, {"task_id": run.id}, max_attempts=MAX_ATTEMPTS)
    return run


class _Progress:
    """At most four progress writes a second, each best effort in its own short transaction."""

    def __init__(self, factory: sessionmaker[Session], task_id: int) -> None:
        self.factory, self.task_id = factory, task_id
        self.done = self.total = 0
        self._last_write = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self._last_write < 0.25 and done < total:
            return
        self._last_write = now
        with self.factory() as s:
            sqlite = s.get_bind().dialect.name == "sqlite"
            try:
                if sqlite:
                    # The task's own open write transaction holds the lock: never wait on the progress bar.
                    s.execute(text("PRAGMA busy_timeout = 50"))
                s.execute(update(TaskRun).where(TaskRun.id == self.task_id)
                          .values(done=done, total=total, status="running"))
                s.commit()
            except OperationalError:
                s.rollback()
            finally:
                if sqlite:
                    s.execute(text("PRAGMA busy_timeout = 10000"))


def _finish(factory: sessionmaker[Session], task_id: int, status: str, result: dict[str, Any], error: str,
            progress: _Progress | None = None) -> None:
    with factory() as s:
        run = s.get(TaskRun, task_id)
        if run is None:
            return
        run.status, run.error, run.result, run.finished_at = status, error, result, utcnow()
        if progress is not None:
            run.total = progress.total or run.total
            run.done = run.total if status == "done" else progress.done
        run.upload = None  # the file is not kept once the task is over
        s.commit()


def execute(factory: sessionmaker[Session], task_id: int, settings: dict[str, Any]) -> TaskRun | None:
    """Run one task to its end and record it. A problem of the input (a ``MessageError``) fails the task with
    its message; any other exception is raised for the job runtime to retry."""
    with factory() as s:
        run = s.get(TaskRun, task_id)
        if run is None or run.status in ("done", "failed"):
            return run  # deleted, or finished by an earlier attempt
        fn = _FUNCTIONS.get(run.kind)
        if fn is None:
            raise jobs.PermanentError(f"no task function for {run.kind}")
        given = TaskInput(payload=dict(run.params or {}), upload=run.upload, settings=settings)
        run.status, run.done = "running", 0
        s.commit()
    progress = _Progress(factory, task_id)
    with factory() as work:
        try:
            result = fn(work, progress, given)
            work.commit()
        except MessageError as exc:
            work.rollback()
            _finish(factory, task_id, "failed", {"error": exc.detail}, str(exc), progress)
            return None
        except Exception:
            work.rollback()
            raise
    _finish(factory, task_id, "done", result, "", progress)
    return None


def run_now(factory: sessionmaker[Session], task_id: int, settings: dict[str, Any]) -> TaskRun:
    """Run a submitted task in this process (the CLI, tests); an unexpected error fails it."""
    try:
        execute(factory, task_id, settings)
    except Exception as exc:
        log.exception("task %s failed", task_id)
        _finish(factory, task_id, "failed", {}, str(exc) or exc.__class__.__name__)
    with factory() as s:
        return s.get(TaskRun, task_id)


def _gave_up(env: Env, kind: str, payload: dict, error: str) -> None:
    """The job died (every attempt crashed or timed out): the task fails with a message, never stays running."""
    detail = {"msgid": GAVE_UP, "params": {"attempts": MAX_ATTEMPTS}}
    with env.factory() as s:
        run = s.get(TaskRun, int(payload.get("task_id", 0)))
        finished = run is None or run.status in ("done", "failed")
    if not finished:
        _finish(env.factory, int(payload["task_id"]), "failed", {"error": detail}, GAVE_UP % detail["params"])


@registry.handler(JOB_KIND, on_dead=_gave_up)
def run_task_job(env: Env, payload: dict) -> None:
    execute(env.factory, int(payload["task_id"]), env.settings)


@registry.handler("tasks.purge")
def purge(env: Env, payload: dict) -> None:
    """Delete finished tasks (their reports) older than ``KEEP_DAYS``."""
    now = utcnow()
    with env.factory() as s:
        s.execute(delete(TaskRun).where(TaskRun.finished_at < now - timedelta(days=KEEP_DAYS)))
        s.commit()


registry.daily("03:40", "tasks.purge")

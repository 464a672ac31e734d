"""Console tasks are durable jobs: submitted in the request's transaction, run by the worker, recorded with
progress; a crash mid-task never leaves one stuck."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from core import tasks
from core.directory.importer import ImportFileError
from core.jobs.registry import Env
from core.models.accounts import AuditLog
from core.models.jobs import Job
from core.models.tasks import TaskRun
from core.timeutil import utcnow
from extensions import db
from lettering_worker.worker import Worker

CALLS: list[str] = []
EMPTY_FILE = "파일이 비어 있습니다."  # a real message of the directory import


@tasks.task("test_count")
def _count_task(session, progress, given):
    for i in range(1, 4):
        progress(i, 3)
    CALLS.append(given.payload["name"])
    return {"added": 3, "bytes": len(given.upload or b"")}


@tasks.task("test_refused")
def _refused_task(session, progress, given):
    raise ImportFileError.from_detail({"msgid": EMPTY_FILE, "params": {}})


@tasks.task("test_crash")
def _crash_task(session, progress, given):
    raise RuntimeError("the machine caught fire")


@tasks.task("test_writing")
def _writing_task(session, progress, given):
    session.add(AuditLog(action="bulk"))
    session.flush()  # holds SQLite's write lock until the task commits
    for i in range(1, 6):
        progress(i, 5)
    return {"written": 1}


def _submit(kind: str, **fields) -> int:
    run = tasks.submit(db.session, kind, label="테스트", **fields)
    db.session.commit()
    return run.id


def _run_worker(app) -> Worker:
    worker = Worker(app.config, concurrency=2)
    worker.run(once=True)
    worker.engine.dispose()
    return worker


def _task(task_id: int) -> TaskRun:
    db.session.expire_all()
    return db.session.get(TaskRun, task_id)


def test_a_submitted_task_waits_for_the_worker_then_records_progress_and_result(app):
    CALLS.clear()
    task_id = _submit("test_count", payload={"name": "가"}, upload=b"12345")
    assert _task(task_id).status == "queued" and CALLS == []   # nothing runs in the web process
    job = db.session.scalar(select(Job).where(Job.kind == tasks.JOB_KIND))
    assert job.payload == {"task_id": task_id} and job.max_attempts == tasks.MAX_ATTEMPTS
    _run_worker(app)
    task = _task(task_id)
    assert task.status == "done" and task.result == {"added": 3, "bytes": 5} and task.percent == 100
    assert task.upload is None and CALLS == ["가"]             # the file is dropped once the task is over


def test_a_refused_input_fails_the_task_with_its_message_and_is_not_retried(app, client, make_user, login):
    task_id = _submit("test_refused")
    _run_worker(app)
    task = _task(task_id)
    assert task.status == "failed" and task.error == EMPTY_FILE
    assert task.result["error"]["msgid"] == EMPTY_FILE
    assert db.session.scalar(select(Job.status).where(Job.kind == tasks.JOB_KIND)) == "done"
    make_user("boss", role="admin")
    login("boss")
    html = client.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "실패" in html and EMPTY_FILE in html and "every 1s" not in html


def test_a_task_that_keeps_crashing_ends_failed_with_a_message_never_running(app, clock):
    task_id = _submit("test_crash")
    worker = Worker(app.config, concurrency=1)
    start = utcnow()
    for attempt in range(tasks.MAX_ATTEMPTS):
        clock.move_to(start + timedelta(hours=attempt))  # past each retry's backoff
        worker.run(once=True)
    worker.engine.dispose()
    task = _task(task_id)
    assert db.session.scalar(select(Job.status).where(Job.kind == tasks.JOB_KIND)) == "dead"
    assert task.status == "failed" and "3번 시도" in task.error
    assert task.result["error"]["params"] == {"attempts": 3}


def test_a_task_whose_worker_died_is_run_again_by_the_next_worker(app):
    """A worker killed mid-task leaves the row "running" and the job leased; once the lease is over, the next
    worker runs the task from the start and finishes it."""
    CALLS.clear()
    task_id = _submit("test_count", payload={"name": "나"})
    db.session.execute(update(TaskRun).where(TaskRun.id == task_id).values(status="running", done=1, total=3))
    db.session.execute(update(Job).where(Job.kind == tasks.JOB_KIND).values(
        status="running", attempts=1, locked_by="dead-worker", lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    _run_worker(app)
    task = _task(task_id)
    assert task.status == "done" and task.done == 3 and CALLS == ["나"]


def test_progress_never_blocks_a_task_holding_the_write_lock(app):
    task_id = _submit("test_writing")
    _run_worker(app)
    task = _task(task_id)
    assert task.status == "done" and task.result == {"written": 1} and task.done == 5


def test_a_finished_task_is_not_run_twice(app):
    CALLS.clear()
    task_id = _submit("test_count", payload={"name": "다"})
    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    tasks.run_task_job(Env(factory, dict(app.config)), {"task_id": task_id})
    tasks.run_task_job(Env(factory, dict(app.config)), {"task_id": task_id})  # a repeat after a crash
    assert CALLS == ["다"] and _task(task_id).status == "done"


@pytest.mark.parametrize("kind", ["directory_import", "lines_import", "document_convert"])
def test_every_console_task_kind_has_its_function_registered(kind):
    from core.jobs.registry import load_areas

    load_areas()
    assert kind in tasks._FUNCTIONS

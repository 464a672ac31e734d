import time

from sqlalchemy.orm import sessionmaker

from core.models.tasks import TaskRun
from core.tasks import start_task
from extensions import db


def _job(session, progress):
    for i in range(1, 4):
        progress(i, 3)
    return {"added": 3}


def _failing_job(session, progress):
    raise ValueError("파일을 읽을 수 없습니다")


def _wait(task_id):
    for _ in range(100):
        task = db.session.get(TaskRun, task_id)
        db.session.refresh(task)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError("task did not finish")


def test_background_task_records_progress_and_result(app):
    factory = sessionmaker(bind=db.engine)
    task = _wait(start_task(factory, "test", _job, label="테스트"))
    assert task.status == "done" and task.result == {"added": 3} and task.percent == 100


def test_failed_task_keeps_message(app, client, make_user, login):
    factory = sessionmaker(bind=db.engine)
    task = _wait(start_task(factory, "test", _failing_job))
    assert task.status == "failed" and "읽을 수 없습니다" in task.error
    make_user("boss", role="admin")
    login("boss")
    html = client.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "실패" in html and "읽을 수 없습니다" in html and "every 1s" not in html


def _writing_job(session, progress):
    from core.models.accounts import AuditLog

    session.add(AuditLog(action="bulk"))
    session.flush()  # holds SQLite's write lock until the task commits
    for i in range(1, 6):
        progress(i, 5)
    return {"written": 1}


def test_progress_never_blocks_a_job_holding_the_write_lock(app):
    factory = sessionmaker(bind=db.engine)
    task = _wait(start_task(factory, "test", _writing_job))
    assert task.status == "done" and task.result == {"written": 1} and task.done == 5

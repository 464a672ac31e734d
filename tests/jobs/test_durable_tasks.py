"""Console tasks survive their processes: the web app only records them, and a worker killed with ``kill -9``
in the middle of an import or a conversion leaves the task to the next worker, which finishes it."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.directory.importer import rows_to_csv
from core.models.documents import Document
from core.models.jobs import Job
from core.models.organization import Person
from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]
ROWS = 30_000


def _worker(app, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "lettering_worker", "--lease-seconds", "3", *args], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _task(task_id: int) -> TaskRun:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(TaskRun, task_id)


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _kill_worker_once(app, predicate, what: str) -> None:
    """Start a worker, and ``kill -9`` it as soon as ``predicate()`` holds."""
    first = _worker(app)
    try:
        _wait(predicate, 120, what)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()


def _finish_with_the_next_worker(app, task_id: int) -> TaskRun:
    second = _worker(app)
    try:
        _wait(lambda: _task(task_id).status in ("done", "failed"), 180, "the next worker to finish it")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    task = _task(task_id)
    assert task.status == "done", task.error
    return task


def _big_directory() -> bytes:
    records = [{"성명": f"직원{i:05d}", "소속기관": "고양특례시", "상위부서": "행정국", "부서": f"시험{i % 40:02d}과",
                "직위": "주무관", "직급": "", "담당업무": "시험 업무", "내선": f"{10000 + i}"[-5:],
                "직통전화": "", "휴대전화": "", "이메일": f"p{i}@goyang.go.kr"} for i in range(ROWS)]
    return rows_to_csv(records, with_kind=False).encode()


def _upload(client, login, make_user, path: str, data: dict) -> str:
    make_user("boss", role="admin")
    login("boss")
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(path, headers={"HX-Request": "true"}, content_type="multipart/form-data",
                           data={"csrf_token": token, **data})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_an_import_outlives_a_web_restart_and_a_killed_worker(app, client, login, make_user):
    _upload(client, login, make_user, "/admin/directory/import", {"file": (io.BytesIO(_big_directory()), "hr.csv")})
    task_id = db.session.scalar(select(TaskRun.id).filter_by(kind="directory_import"))
    # The web app did nothing but record it: a restart of the web process loses nothing.
    assert _task(task_id).status == "queued" and db.session.scalar(select(func.count(Person.id))) == 0
    _kill_worker_once(app, lambda: _task(task_id).done > 0, "the import to make progress")
    stuck = _task(task_id)
    assert stuck.status == "running" and stuck.done < ROWS   # what the killed worker left
    assert db.session.scalar(select(func.count(Person.id))) == 0    # its transaction died with it
    task = _finish_with_the_next_worker(app, task_id)
    assert task.result["added"] == ROWS and db.session.scalar(select(func.count(Person.id))) == ROWS
    job = db.session.scalar(select(Job).where(Job.kind == "tasks.run"))
    assert job.status == "done" and job.attempts == 2


def _slow_html() -> bytes:
    rows = "".join("<tr>" + f"<td>셀 {i} 내용</td>" * 8 + "</tr>" for i in range(600))
    return f"<!doctype html><html><body><h1>긴 표</h1><table>{rows}</table></body></html>".encode()


def test_a_conversion_outlives_a_killed_worker(app, client, login, make_user):
    _upload(client, login, make_user, "/admin/documents",
            {"title": "긴 표", "share_all": "1", "file": (io.BytesIO(_slow_html()), "long.html")})
    task_id = db.session.scalar(select(TaskRun.id).filter_by(kind="document_convert"))
    _kill_worker_once(app, lambda: _task(task_id).status == "running", "the conversion to start")
    assert _task(task_id).status == "running"
    _finish_with_the_next_worker(app, task_id)
    document = db.session.scalar(select(Document))
    assert document.status == "ready" and document.page_count >= 1

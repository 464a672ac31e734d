"""The directory import's errors in the reader's language: the file's, and each rejected row's in the
report, which is stored once (Korean text plus msgid and values) and rendered for whoever reads it."""
import io

import pytest
from sqlalchemy import select

from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import csrf_token_from
from tests.directory.conftest import HEADER
from tests.directory.test_console import wait_for

ROWS = "\n".join([
    HEADER,
    "김정상,고양특례시,복지국,노인복지과,주무관,,,7001,031-8075-7001,,ok@example.go.kr,직원",  # 2
    "김번호,고양특례시,복지국,노인복지과,주무관,,,7003,031-80,,badphone@example.go.kr,직원",  # 3
    ",고양특례시,복지국,노인복지과,주무관,,,7004,031-8075-7004,,noname@example.go.kr,직원",  # 4
    "김중복,고양특례시,복지국,노인복지과,주무관,,,7005,031-8075-7005,,ok@example.go.kr,직원",  # 5
    "김태그,고양특례시,복지국,노인복지과,주무관,,,7006,<i>x</i>,,tag@example.go.kr,직원",  # 6
]) + "\n"


@pytest.fixture
def admins(app, client, make_user, login):
    """An English admin on ``client`` and a Korean one on a second client."""
    make_user("boss_en", role="admin", locale="en")
    make_user("boss_ko", role="admin", locale="ko")
    login("boss_en")
    korean = app.test_client()
    login("boss_ko", test_client=korean)
    return client, korean


def _upload(client, data: bytes, filename: str, **headers):
    token = csrf_token_from(client.get("/admin/directory/import").get_data(as_text=True))
    return client.post("/admin/directory/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", headers=headers)


def test_rejected_rows_read_in_each_admins_language(job_worker, admins):
    english, korean = admins
    assert _upload(english, ROWS.encode(), "hr.csv", **{"HX-Request": "true"}).status_code == 200
    task = wait_for(db.session.scalar(select(TaskRun.id).filter_by(kind="directory_import")))
    assert task.status == "done" and task.result["rejected_count"] == 4, task.error
    # One stored report, read by both.
    en = english.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    ko = korean.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "The direct line (직통전화) is not a valid number: 031-80" in en
    assert "The name (성명) is empty." in en and "Same email address as row 2." in en
    assert "형식이 올바르지 않습니다" not in en and "비어 있습니다" not in en and "같습니다" not in en
    assert "직통전화 형식이 올바르지 않습니다: 031-80" in ko
    assert "성명이 비어 있습니다." in ko and "2행과 이메일이 같습니다." in ko
    # A value from the file goes in escaped, in either language.
    assert "&lt;i&gt;x&lt;/i&gt;" in en and "&lt;i&gt;x&lt;/i&gt;" in ko and "<i>x</i>" not in en + ko


def test_unreadable_file_is_explained_in_each_admins_language(admins):
    english, korean = admins
    wrong_header = "이름,부서명\n김민준,교통정책과\n".encode()
    en = _upload(english, wrong_header, "wrong.csv", **{"HX-Request": "true"})
    assert en.status_code == 400
    assert "The header row lacks required columns: 성명, 부서. The header is 성명,소속기관," in en.text
    ko = _upload(korean, wrong_header, "wrong.csv")  # the full page this time
    assert ko.status_code == 400
    assert "머리글 행에 필요한 열이 없습니다: 성명, 부서. 머리글은 성명,소속기관," in ko.text
    broken = _upload(english, b"PK\x03\x04not a zip", "broken.xlsx").get_data(as_text=True)
    assert "The XLSX file cannot be opened: it is damaged or not an Excel file." in broken
    assert db.session.scalar(select(TaskRun.id)) is None


def test_report_stored_before_msgids_still_shows_its_text(admins):
    english, _ = admins
    stored_row = {"row": 3, "reason": "직통전화 형식이 올바르지 않습니다: 031-80", "name": "김번호"}
    old = TaskRun(kind="directory_import", label="old.csv", status="done", total=1, done=1,
                  result={"added": 0, "updated": 0, "unchanged": 0, "rejected_count": 1, "total": 1,
                          "rejected": [stored_row]})
    db.session.add(old)
    db.session.commit()
    html = english.get(f"/admin/tasks/{old.id}").get_data(as_text=True)
    assert "<td>김번호</td><td>직통전화 형식이 올바르지 않습니다: 031-80</td>" in html

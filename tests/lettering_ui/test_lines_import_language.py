"""The lines import's errors in the reader's language: the file's, each rejected row's in the stored
report (rendered for whoever reads it), and the same rules on the one-line form."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import csrf_token_from
from tests.lettering_ui.test_console import _wait_task

HEADER = "회선번호,내선,부서,표시기관명,안내문구,로고URL\n"
ROWS = HEADER + "\n".join([
    "031-8075-1001,5001,세정과,고양특례시,정상 회선입니다,",                   # 2: good
    "not-a-number,12,세정과,고양특례시,안내,",                               # 3: two problems
    "031-8075-1004,5001,세정과,고양특례시,내선 중복,",                        # 4
    "031-8075-1005,5005,세정과,고양특례시,안내,javascript:alert(1)",          # 5
]) + "\n"


@pytest.fixture
def admins(app, client, make_user, login, departments):
    """An English admin on ``client`` and a Korean one on a second client."""
    make_user("boss_en", role="admin", locale="en")
    make_user("boss_ko", role="admin", locale="ko")
    login("boss_en")
    korean = app.test_client()
    login("boss_ko", test_client=korean)
    return client, korean


def _upload(client, data: bytes, filename: str):
    token = csrf_token_from(client.get("/admin/lettering/lines/import").get_data(as_text=True))
    return client.post("/admin/lettering/lines/import", data={"csrf_token": token,
                                                              "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_rejected_rows_read_in_each_admins_language(job_worker, admins):
    english, korean = admins
    assert _upload(english, ROWS.encode(), "lines.csv").status_code == 200
    task = _wait_task(db.session.scalar(select(TaskRun.id).filter_by(kind="lines_import")))
    assert task.status == "done" and task.result["rejected_count"] == 3, task.error
    en = english.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    ko = korean.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert ("<td>3</td><td>The line number (회선번호) is not a valid number: not-a-number "
            "The extension (내선) must be 3 to 6 digits.</td>") in en
    assert "<td>4</td><td>Extension 5001 is the same as in row 2.</td>" in en
    assert "<td>5</td><td>The logo URL (로고URL) must be an address starting with http:// or https://.</td>" in en
    assert "올바르지 않습니다" not in en and "중복됩니다" not in en
    # The Korean rendering is the stored Korean text, word for word.
    stored = {item["row"]: item["reason"] for item in task.result["rejected"]}
    assert stored[3] == "회선번호 형식이 올바르지 않습니다: not-a-number 내선은 숫자 3~6자리여야 합니다."
    for row, reason in stored.items():
        assert f"<td>{row}</td><td>{reason}</td>" in ko


def test_unreadable_file_is_explained_in_each_admins_language(admins):
    english, korean = admins
    wrong = "이름,전화\n홍길동,010\n".encode()
    en = _upload(english, wrong, "wrong.csv")
    assert en.status_code == 422
    assert ("Required columns are missing: 회선번호, 부서, 안내문구. "
            "The first line must be 회선번호,내선,부서,표시기관명,안내문구,로고URL.") in en.text
    ko = _upload(korean, wrong, "wrong.csv")
    assert ko.status_code == 422
    assert ("필수 열이 없습니다: 회선번호, 부서, 안내문구. "
            "첫 줄은 회선번호,내선,부서,표시기관명,안내문구,로고URL 이어야 합니다.") in ko.text
    assert "The file is empty." in _upload(english, b"", "empty.csv").text
    assert db.session.scalar(select(TaskRun.id)) is None


def test_report_stored_before_msgids_still_shows_its_text(admins):
    english, _ = admins
    old = TaskRun(kind="lines_import", label="old.csv", status="done", total=1, done=1,
                  result={"added": 0, "updated": 0, "unchanged": 0, "rejected_count": 1, "created_departments": [],
                          "rejected": [{"row": 7, "reason": "내선은 숫자 3~6자리여야 합니다."}]})
    db.session.add(old)
    db.session.commit()
    html = english.get(f"/admin/tasks/{old.id}").get_data(as_text=True)
    assert "<td>7</td><td>내선은 숫자 3~6자리여야 합니다.</td>" in html


def test_line_form_shows_the_domain_rules_in_each_admins_language(admins, lines):
    english, korean = admins
    for client, expected in ((english, "This extension is already used by another line."),
                             (korean, "이미 다른 회선에서 쓰는 내선입니다.")):
        html = client.get("/admin/lettering/lines/new").get_data(as_text=True)
        answer = client.post("/admin/lettering/lines/new", data={
            "csrf_token": csrf_token_from(html), "number": "031-8075-1212", "extension": "3005",
            "department": "세정과", "institution": "고양특례시", "message": "새 회선입니다", "active": "y"})
        assert answer.status_code == 422 and expected in answer.text

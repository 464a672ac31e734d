"""Console: upload with a progress task, sharing, revocation, the reading log, groups; and the CLI."""
import io
import re
import time

from core.models.documents import Document, DocumentView
from core.models.groups import StaffGroup
from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import csrf_token_from
from tests.viewer.conftest import KOREAN_HTML, image_url


def _wait(task_id: int) -> TaskRun:
    for _ in range(600):
        task = db.session.get(TaskRun, task_id)
        db.session.refresh(task)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError("conversion task did not finish")


def test_upload_converts_with_progress_and_shares(job_worker, client, login, make_user, departments):
    make_user("deptboss", role="dept_admin", display_name="과장", department_id=departments["교통정책과"].id)
    login("deptboss")
    page = client.get("/admin/documents").get_data(as_text=True)
    assert "문서 올리기" in page and 'hx-encoding="multipart/form-data"' in page
    response = client.post("/admin/documents", headers={"HX-Request": "true"}, content_type="multipart/form-data",
                           data={"csrf_token": csrf_token_from(page), "title": "주정차 단속 안내",
                                 "departments": str(departments["교통정책과"].id),
                                 "file": (io.BytesIO(KOREAN_HTML.encode()), "notice.html")})
    assert response.status_code == 200
    task_id = int(re.search(r'id="task-(\d+)"', response.get_data(as_text=True)).group(1))
    task = _wait(task_id)
    assert task.status == "done", task.error
    document = db.session.query(Document).one()
    assert document.status == "ready" and document.page_count == 1
    assert [(s.scope, s.department_id) for s in document.shares] == [("department", departments["교통정책과"].id)]
    progress = client.get(f"/admin/tasks/{task_id}").get_data(as_text=True)
    assert "완료" in progress and f"/admin/documents/{document.id}" in progress


def test_failed_conversion_shows_reason(job_worker, client, login, make_user, app):
    import pikepdf
    make_user("boss", role="admin")
    login("boss")
    page = client.get("/admin/documents").get_data(as_text=True)
    out = io.BytesIO()
    pikepdf.new().save(out)   # a PDF with no pages
    response = client.post("/admin/documents", headers={"HX-Request": "true"}, content_type="multipart/form-data",
                           data={"csrf_token": csrf_token_from(page), "title": "빈 PDF", "share_all": "1",
                                 "file": (io.BytesIO(out.getvalue()), "empty.pdf")})
    task = _wait(int(re.search(r'id="task-(\d+)"', response.get_data(as_text=True)).group(1)))
    assert task.status == "failed" and "쪽이 하나도 없는 PDF" in task.error
    document = db.session.query(Document).one()
    assert "쪽이 하나도 없는" in client.get(f"/admin/documents/{document.id}").get_data(as_text=True)
    # The progress box tells each admin the reason in their own language; the record stays Korean.
    korean = client.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "쪽이 하나도 없는 PDF" in korean and "문서 변환: 빈 PDF" in korean
    make_user("boss_en", role="admin", locale="en")
    english = client.application.test_client()
    login("boss_en", test_client=english)
    progress = english.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert "쪽이 하나도 없는" not in progress and "The PDF has no pages." in progress
    assert "Document conversion: 빈 PDF" in progress   # the heading too, though a Korean admin started it


def test_shares_revocation_and_readers_page(client, login, make_user, reader, admin, departments, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode(), title="열람 기록 문서", share_all=False)
    login("reader")
    assert client.get(f"/viewer/{document.id}").status_code == 404
    boss = client.application.test_client()
    login("boss", test_client=boss)
    detail = boss.get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert "아직 아무도 읽지 않았습니다" in detail
    boss.post(f"/admin/documents/{document.id}/shares", data={"csrf_token": csrf_token_from(detail),
                                                              "departments": str(departments["교통정책과"].id)})
    client.get(image_url(client, document))
    detail = boss.get(f"/admin/documents/{document.id}").get_data(as_text=True)
    readers = detail.split('id="readers"', 1)[1].split("</table>", 1)[0]
    assert "김민준" in readers and "교통정책과" in readers
    assert db.session.query(DocumentView).filter_by(document_id=document.id).count() == 2   # view + page


def test_department_admin_manages_only_own_department(client, login, make_user, departments, add_document, other):
    mine = make_user("deptboss", role="dept_admin", department_id=departments["교통정책과"].id)
    theirs = add_document("t.html", KOREAN_HTML.encode(), title="세정과 문서", owner=other)
    own = add_document("o.html", KOREAN_HTML.encode(), title="교통과 문서", owner=mine)
    login("deptboss")
    listing = client.get("/admin/documents").get_data(as_text=True)
    assert "교통과 문서" in listing and "세정과 문서" not in listing
    assert client.get(f"/admin/documents/{theirs.id}").status_code == 404
    assert client.get(f"/admin/documents/{own.id}").status_code == 200
    staff = client.application.test_client()
    login("other", test_client=staff)
    assert staff.get("/admin/documents").status_code == 403


def test_groups_are_created_from_usernames(client, login, admin, reader, other):
    login("boss")
    page = client.get("/admin/groups").get_data(as_text=True)
    client.post("/admin/groups", data={"csrf_token": csrf_token_from(page), "name": "재난대응 1조",
                                       "members": "reader, other"})
    group = db.session.query(StaffGroup).one()
    assert sorted(m.user.username for m in group.members) == ["other", "reader"]
    response = client.post("/admin/groups", data={"csrf_token": csrf_token_from(page), "name": "2조",
                                                  "members": "reader nobody"}, follow_redirects=True)
    assert "없는 아이디입니다: nobody" in response.get_data(as_text=True)


def test_cli_adds_and_revokes(runner, tmp_path, departments):
    path = tmp_path / "공지.html"
    path.write_text(KOREAN_HTML)
    result = runner.invoke(args=["documents", "add", str(path), "--title", "CLI 공지", "--share", "dept:교통정책과"])
    assert result.exit_code == 0, result.output
    doc_id = int(result.output.strip().splitlines()[-1])
    document = db.session.get(Document, doc_id)
    assert document.status == "ready" and document.source == "cli"
    assert [s.department.name for s in document.shares] == ["교통정책과"]
    bad = runner.invoke(args=["documents", "add", str(path), "--title", "x", "--share", "dept:없는과"])
    assert bad.exit_code != 0 and "부서를 하나로 찾을 수 없습니다" in bad.output
    wrong = tmp_path / "fake.pdf"
    wrong.write_text("사실은 텍스트")
    refused = runner.invoke(args=["documents", "add", str(wrong), "--title", "가짜"])
    assert refused.exit_code != 0 and "실제 내용은 텍스트" in refused.output
    revoked = runner.invoke(args=["documents", "revoke", str(doc_id)])
    assert revoked.exit_code == 0
    db.session.refresh(document)
    assert document.status == "revoked" and document.revoked_at is not None

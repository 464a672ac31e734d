"""The console's post writing: create and edit with sanitising, the audience (rows and the attachments'
document shares), attachments converted by the viewer's pipeline, a push for important posts, roles, CSRF,
and bad input answered with a Korean message instead of a 500."""
import io
import random
import time

import pikepdf

from core.audience import Audience
from core.models.accounts import AuditLog
from core.models.board import BoardPost
from core.models.documents import Document
from core.models.jobs import Job
from core.models.push import PushMessage
from core.models.tasks import TaskRun
from core.timeutil import as_utc
from extensions import db
from tests.conftest import csrf_token_from


def _pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _admin(make_user, login, client, departments, role="admin", name="boss", dept="교통정책과"):
    make_user(name, role=role, display_name="관리자", department_id=departments[dept].id)
    login(name)
    return csrf_token_from(client.get("/admin/board/posts/new").get_data(as_text=True))


def _form(token, **fields):
    data = {"csrf_token": token, "title": "시험 공지", "board": "공지사항", "body": "<p>본문입니다</p>",
            "audience_all": "1", "display_from": "", "display_until": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def _wait(task_id: int) -> TaskRun:
    for _ in range(600):
        task = db.session.get(TaskRun, task_id)
        db.session.refresh(task)
        if task.status in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError("conversion task did not finish")


def test_create_sanitises_and_sets_the_window_in_korean_time(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    response = client.post("/admin/board/posts/new", data=_form(
        token, title="  보안   교육 안내 ", body='<h2>안내</h2><p onclick="x()">내용<script>bad()</script></p>'
                                                '<img src="https://ext.example/a.png" alt="외부">',
        display_from="2026-12-02T09:00", display_until="2026-12-05T18:00", board="행사·교육"))
    assert response.status_code == 302
    post = db.session.query(BoardPost).one()
    assert post.title == "보안 교육 안내" and post.board == "행사·교육" and post.feed_id is None
    assert "<script" not in post.body_html and "onclick" not in post.body_html and "ext.example" not in post.body_html
    assert "<h2>안내</h2>" in post.body_html and post.body_text.startswith("안내")
    assert as_utc(post.display_from).isoformat() == "2026-12-02T00:00:00+00:00"       # 09:00 KST
    assert as_utc(post.display_until).isoformat() == "2026-12-05T09:00:00+00:00"
    assert post.department_id == departments["교통정책과"].id and post.author == "관리자"
    assert [(r.scope, r.department_id) for r in post.audience_rows] == [("all", None)]
    assert db.session.query(AuditLog).filter_by(action="board.post.create").count() == 1
    # The edit page shows the window back in Korean time.
    edit = client.get(f"/admin/board/posts/{post.id}").get_data(as_text=True)
    assert 'value="2026-12-02T09:00"' in edit and 'value="2026-12-05T18:00"' in edit


def test_edit_replaces_content_and_audience(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    client.post("/admin/board/posts/new", data=_form(token))
    post = db.session.query(BoardPost).one()
    dept = departments["세정과"].id
    response = client.post(f"/admin/board/posts/{post.id}", data=_form(
        token, title="고친 제목", body="<p>고친 <em>본문</em><iframe src='x'></iframe></p>", audience_all=None,
        audience_departments=str(dept)))
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.title == "고친 제목" and "<iframe" not in post.body_html and "<em>본문</em>" in post.body_html
    assert [(r.scope, r.department_id) for r in post.audience_rows] == [("department", dept)]
    assert db.session.query(AuditLog).filter_by(action="board.post.update").count() == 1
    assert "고친 제목" in client.get("/admin/board/posts").get_data(as_text=True)


def test_attachment_goes_into_the_viewer_with_the_posts_audience(job_worker, client, login, make_user, departments,
                                                                  reader, other):
    token = _admin(make_user, login, client, departments)
    dept = departments["교통정책과"].id
    response = client.post("/admin/board/posts/new", content_type="multipart/form-data", data={
        **_form(token, audience_all=None, audience_departments=str(dept)),
        "attachments": [(io.BytesIO(_pdf()), "계획.pdf")]})
    assert response.status_code == 302
    post = db.session.query(BoardPost).one()
    (attachment,) = post.attachments
    document = db.session.get(Document, attachment.document_id)
    assert document.source == "board"
    assert [(s.scope, s.department_id) for s in document.shares] == [("department", dept)]
    task = db.session.query(TaskRun).filter_by(kind="document_convert").one()
    assert _wait(task.id).status == "done", task.error
    reader_client, other_client = client.application.test_client(), client.application.test_client()
    login("reader", test_client=reader_client)
    login("other", test_client=other_client)
    page = reader_client.get(f"/board/{post.id}").get_data(as_text=True)
    assert f'href="/viewer/{document.id}"' in page and "계획.pdf" in page
    assert reader_client.get(f"/viewer/{document.id}").status_code == 200
    assert other_client.get(f"/viewer/{document.id}").status_code == 404
    assert other_client.get(f"/board/{post.id}").status_code == 404
    # Widening the post's audience widens the document's; removing the attachment closes it.
    client.post(f"/admin/board/posts/{post.id}", data=_form(token, audience_all="1"))
    db.session.expire_all()
    assert [s.scope for s in db.session.get(Document, document.id).shares] == ["all"]
    assert other_client.get(f"/viewer/{document.id}").status_code == 200
    client.post(f"/admin/board/posts/{post.id}", data=_form(token, remove_attachment=str(attachment.id)))
    db.session.expire_all()
    assert db.session.get(Document, document.id).shares == [] and db.session.get(BoardPost, post.id).attachments == []
    assert other_client.get(f"/viewer/{document.id}").status_code == 404


def test_bad_attachment_is_a_korean_error(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    response = client.post("/admin/board/posts/new", content_type="multipart/form-data", data={
        **_form(token), "attachments": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "virus.exe")]})
    assert response.status_code == 400
    assert "첨부 파일 ‘virus.exe’을(를) 올릴 수 없습니다" in response.get_data(as_text=True)
    assert db.session.query(BoardPost).count() == 0 and db.session.query(Document).count() == 0


def test_important_post_pushes_once(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    client.post("/admin/board/posts/new", data=_form(token, title="긴급 공지", important="y"))
    post = db.session.query(BoardPost).one()
    message = db.session.query(PushMessage).one()
    assert message.url == f"/board/{post.id}" and message.topic == f"board-{post.id}" and message.source == "board"
    assert message.source_id == post.id and message.title == "긴급 공지" and message.audience["all"] is True
    assert post.push_message_id == message.id and post.pushed_at is not None
    jobs = db.session.query(Job).filter_by(kind="push.fanout").all()
    assert [j.payload for j in jobs] == [{"message_id": message.id}]
    client.post(f"/admin/board/posts/{post.id}", data=_form(token, title="긴급 공지 (수정)", important="y"))
    assert db.session.query(PushMessage).count() == 1          # an edit does not push again


def test_ordinary_posts_do_not_push_and_future_ones_push_when_they_begin(client, login, make_user, departments,
                                                                          clock, job_worker):
    clock.set_kst(2026, 12, 2, 10, 0)
    token = _admin(make_user, login, client, departments)
    client.post("/admin/board/posts/new", data=_form(token, title="보통 공지"))
    client.post("/admin/board/posts/new", data=_form(token, title="내일 공지", important="y",
                                                       display_from="2026-12-03T09:00"))
    assert db.session.query(BoardPost).count() == 2 and db.session.query(PushMessage).count() == 0
    (job,) = db.session.query(Job).filter_by(kind="board.console_push").all()
    assert as_utc(job.run_at).isoformat() == "2026-12-03T00:00:00+00:00"
    clock.set_kst(2026, 12, 3, 9, 1)
    for _ in range(400):
        db.session.expire_all()
        if db.session.query(PushMessage).count():
            break
        time.sleep(0.05)
    message = db.session.query(PushMessage).one()
    post = db.session.query(BoardPost).filter_by(title="내일 공지").one()
    assert message.url == f"/board/{post.id}" and post.pushed_at is not None


def test_roles(client, login, make_user, departments, reader):
    login("reader")
    assert client.get("/admin/board/posts").status_code == 403
    assert client.get("/admin/board/posts/new").status_code == 403
    token = csrf_token_from(client.get("/board").get_data(as_text=True))
    assert client.post("/admin/board/posts/new", data=_form(token)).status_code == 403
    assert db.session.query(BoardPost).count() == 0


def test_department_admin_edits_only_their_departments_posts(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    client.post("/admin/board/posts/new", data=_form(token, title="교통 글"))
    post = db.session.query(BoardPost).one()
    other_admin = client.application.test_client()
    make_user("tax", role="dept_admin", department_id=departments["세정과"].id)
    login("tax", test_client=other_admin)
    assert "교통 글" not in other_admin.get("/admin/board/posts").get_data(as_text=True)
    assert other_admin.get(f"/admin/board/posts/{post.id}").status_code == 404
    other_token = csrf_token_from(other_admin.get("/admin/board/posts").get_data(as_text=True))
    assert other_admin.post(f"/admin/board/posts/{post.id}/delete", data={"csrf_token": other_token}).status_code == 404
    own = client.application.test_client()
    make_user("traffic", role="dept_admin", department_id=departments["교통정책과"].id)
    login("traffic", test_client=own)
    assert "교통 글" in own.get("/admin/board/posts").get_data(as_text=True)
    own_token = csrf_token_from(own.get("/admin/board/posts").get_data(as_text=True))
    assert own.post(f"/admin/board/posts/{post.id}/delete", data={"csrf_token": own_token}).status_code == 302
    assert db.session.query(BoardPost).count() == 0
    assert db.session.query(AuditLog).filter_by(action="board.post.delete").count() == 1


def test_csrf_is_required(client, login, make_user, departments):
    _admin(make_user, login, client, departments)
    response = client.post("/admin/board/posts/new", data=_form("wrong"))
    assert response.status_code == 400 and "보안 토큰" in response.get_data(as_text=True)
    assert db.session.query(BoardPost).count() == 0


def test_bad_input_is_a_korean_message(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    cases = {
        "제목을 입력해 주세요": _form(token, title="   "),
        "본문을 입력해 주세요": _form(token, body="<script>x</script>"),
        "게시 대상을 하나 이상": _form(token, audience_all=None),
        "형식으로 입력해 주세요": _form(token, display_from="내일 아침"),
        "종료 시각은 시작 시각보다 뒤": _form(token, display_from="2026-12-02T10:00", display_until="2026-12-01T10:00"),
        "제목은 300자 이하": _form(token, title="가" * 301),
        "본문이 너무 깁니다": _form(token, body="가" * 200_001),
        "게시판 이름은 64자 이하": _form(token, board="나" * 65),
    }
    for expected, data in cases.items():
        response = client.post("/admin/board/posts/new", data=data)
        assert response.status_code == 400, expected
        assert expected in response.get_data(as_text=True), expected
    assert db.session.query(BoardPost).count() == 0
    # An unknown department id is left out, which leaves no audience.
    response = client.post("/admin/board/posts/new",
                           data=_form(token, audience_all=None, audience_departments="999999"))
    assert response.status_code == 400 and "게시 대상을 하나 이상" in response.get_data(as_text=True)


def test_fuzzed_form_never_fails_with_a_500(client, login, make_user, departments):
    token = _admin(make_user, login, client, departments)
    rng = random.Random(9)
    nasty = ["", " ", "\x00", "\ud800", "가" * 5000, "<script>", "%_\\", "9" * 40, "-1", "2026-13-45T25:61",
             "0001-01-01T00:00", "9999-12-31T23:59", "<img src=x onerror=alert(1)>", "1e309", "[]", "{}"]
    fields = ["title", "board", "body", "display_from", "display_until", "important", "audience_all",
              "audience_departments", "audience_groups", "remove_attachment"]
    for _ in range(60):
        data = {"csrf_token": token}
        for field in rng.sample(fields, rng.randint(1, len(fields))):
            data[field] = rng.choice(nasty)
        try:
            response = client.post("/admin/board/posts/new", data=data)
        except UnicodeEncodeError:
            continue   # the test client cannot send a lone surrogate; a browser cannot either
        assert response.status_code in (302, 400), (data, response.status_code)
    post = db.session.query(BoardPost).first()
    if post is not None:
        response = client.post(f"/admin/board/posts/{post.id}", data={"csrf_token": token, "title": "\x00"})
        assert response.status_code == 400


def test_console_menu_lists_post_writing(client, login, make_user, departments):
    _admin(make_user, login, client, departments)
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/board/posts"' in html and "게시글 작성" in html
    assert Audience.everyone().all_staff

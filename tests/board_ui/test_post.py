"""One post: its sanitised body (no script, no external image), attachments through the viewer, the read mark,
the audience (another department's post is a 404) and the display window under the test clock."""
from datetime import timedelta

from core.audience import Audience
from core.models.board import BoardAttachment, BoardRead
from core.timeutil import utcnow
from extensions import db


def test_body_is_sanitised_and_external_images_dropped(client, login, reader, add_post):
    post = add_post("보안 공지", body='<p onclick="x()">안내<script>alert(1)</script></p>'
                                         '<img src="https://tracker.example/p.gif" alt="추적">'
                                         '<img src="/static/icons/icon-192.png" alt="로고">'
                                         '<a href="javascript:alert(1)">나쁜 링크</a><a href="https://goyang.go.kr">시청</a>')
    login("reader")
    response = client.get(f"/board/{post.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    body = html.split('class="post-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "onclick" not in body and "javascript:" not in body
    assert "tracker.example" not in html and "[추적]" in body
    assert 'src="/static/icons/icon-192.png"' in body
    assert 'href="https://goyang.go.kr"' in body and "noopener" in body
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]
    assert "보안 공지" in html and "공지사항" in html and "홍길동" in html and "총무과" in html


def test_opening_marks_read(client, login, reader, add_post):
    post = add_post("읽음 표시")
    login("reader")
    assert db.session.query(BoardRead).count() == 0
    client.get(f"/board/{post.id}")
    assert db.session.query(BoardRead).filter_by(post_id=post.id, user_id=reader.id).count() == 1


def test_department_only_post_is_invisible_to_others(client, login, reader, other, departments, add_post):
    own = add_post("교통정책과만", audience=Audience.of(departments=[departments["교통정책과"].id]))
    login("other")
    assert client.get(f"/board/{own.id}").status_code == 404          # not 403: nothing leaks
    assert client.get("/board/999999").status_code == 404
    assert "교통정책과만" not in client.get("/board").get_data(as_text=True)
    assert "교통정책과만" not in client.get("/board?q=교통").get_data(as_text=True)
    assert "교통정책과만" not in client.get("/board/offline.json").get_data(as_text=True)
    client.post("/logout", data={})
    client2 = client.application.test_client()
    login("reader", test_client=client2)
    assert client2.get(f"/board/{own.id}").status_code == 200


def test_display_window(client, login, reader, add_post, clock):
    now = clock.set_kst(2026, 12, 2, 10, 0)
    add_post("기간 중", display_from=now - timedelta(hours=1), display_until=now + timedelta(hours=1))
    later = add_post("아직 시작 전", display_from=now + timedelta(hours=1, minutes=30))
    ended = add_post("기간 끝남", display_until=now - timedelta(minutes=1))
    login("reader")
    html = client.get("/board").get_data(as_text=True)
    assert "기간 중" in html and "아직 시작 전" not in html and "기간 끝남" not in html and "총 1건" in html
    assert client.get(f"/board/{later.id}").status_code == 404
    assert client.get(f"/board/{ended.id}").status_code == 404
    clock.set_kst(2026, 12, 2, 11, 30)
    login("reader")
    html = client.get("/board").get_data(as_text=True)
    assert "아직 시작 전" in html and "기간 중" not in html      # its window ended at 11:00
    assert client.get(f"/board/{later.id}").status_code == 200


def test_attachments_link_to_the_viewer_or_say_they_are_pending(client, login, reader, add_post, app):
    from core.models.documents import Document

    post = add_post("첨부 있는 글")
    ready = Document(title="a.pdf", original_name="a.pdf", original_type="pdf", original_size=10, sha256="0" * 64,
                     status="ready", source="board")
    db.session.add(ready)
    db.session.flush()
    db.session.add_all([BoardAttachment(post_id=post.id, filename="계획.pdf", state="ready", document_id=ready.id),
                        BoardAttachment(post_id=post.id, filename="대기.pdf", state="pending"),
                        BoardAttachment(post_id=post.id, filename="거부.exe", state="refused")])
    db.session.commit()
    login("reader")
    html = client.get(f"/board/{post.id}").get_data(as_text=True)
    assert f'href="/viewer/{ready.id}"' in html and "계획.pdf" in html
    assert "대기.pdf" in html and "준비 중입니다" in html
    assert "거부.exe" in html and "열 수 없습니다" in html


def test_offline_copy_holds_the_last_fifty_posts_and_is_kept_private(client, login, reader, add_post):
    for i in range(55):
        add_post(f"글 {i:02d}", posted=utcnow() - timedelta(minutes=i))
    login("reader")
    response = client.get("/board/offline.json")
    data = response.get_json()
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert data["count"] == 50 and data["posts"][0]["title"] == "글 00" and data["posts"][-1]["title"] == "글 49"
    assert data["posts"][0]["body_html"] == "<p>본문</p>" and data["generated_at"]
    page = client.get("/board/offline").get_data(as_text=True)
    assert 'id="board-offline"' in page and "저장된 사본" in page and "글 00" not in page

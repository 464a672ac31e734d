"""The staff's board on a phone in Chromium: the list, "더 보기", a post, axe-core, and reading saved posts
with no network (the service worker's board copy, static/js/board-offline.js)."""
import re
from datetime import timedelta

import pytest

from core.audience import Audience
from core.board import html
from core.models.board import BoardAttachment, BoardPost, BoardPostAudience
from core.timeutil import utcnow
from extensions import db
from tests.browser.conftest import wait_for_controlling_worker
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser

BODY = ("<h2>안내</h2><p>2027년 상반기 <strong>정보보안 교육</strong>을 아래와 같이 실시합니다.</p>"
        "<ul><li>일시: 12월 10일 14:00</li><li>장소: 고양시청 대회의실</li></ul>"
        '<p>문의: <a href="tel:031-8075-1234">031-8075-1234</a></p>')


def _post(title: str, minutes: int, *, important: bool = False, board: str = "공지사항", body: str = BODY,
          attachment: str = "") -> BoardPost:
    clean = html.sanitize(body)
    post = BoardPost(board=board, title=title, body_html=clean, body_text=html.to_text(clean), author="김총무",
                     department_name="총무과", important=important, posted_at=utcnow() - timedelta(minutes=minutes))
    db.session.add(post)
    db.session.flush()
    for scope, member in Audience.everyone().rows():
        db.session.add(BoardPostAudience.build(scope, member, post_id=post.id))
    if attachment:
        db.session.add(BoardAttachment(post_id=post.id, filename=attachment, state="pending"))
    return post


@pytest.fixture
def board_posts(app) -> list[BoardPost]:
    rows = [_post("[중요] 청사 정전 안내 (12월 5일 토요일)", 1, important=True, attachment="정전 작업 계획.pdf"),
            _post("2027년 상반기 정보보안 교육 일정", 2, board="행사·교육"),
            _post("2027년 1월 정기 인사발령", 3, board="인사발령", body="<p>붙임 명단을 참고하십시오.</p>")]
    rows += [_post(f"주간 업무 공지 {i}호", 10 + i) for i in range(25)]
    db.session.commit()
    return rows


def test_board_list_more_and_a_post_on_a_phone(page, live_server, make_user, board_posts):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/board")
    assert page.locator("h1").inner_text() == "게시판"
    assert "총 28건" in page.locator("#board-total").inner_text()
    assert page.locator(".post-item").count() == 20
    assert page.locator(".post-item.important .badge-important").first.inner_text() == "중요"
    assert page.locator(".post-item.unread").count() == 20
    assert page.locator(".board-chips .chip").count() == 4     # 전체 + three boards
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the list scrolls sideways ({width}px)"
    screenshot(page, "board-list")
    assert axe_violations(page) == []

    page.click("text=더 보기")
    page.wait_for_function("() => document.querySelectorAll('.post-item').length === 28")
    assert page.locator(".more-row").count() == 0
    # The focus lands on the first new post, not back at the top.
    page.wait_for_function("() => document.activeElement.closest('.post-item') === "
                           "document.querySelectorAll('.post-item')[20]")

    page.fill("#board-q", "정기 명단")
    page.wait_for_function("() => document.querySelectorAll('.post-item').length === 1")
    assert "검색 결과 총 1건" in page.locator("#board-total").inner_text()
    page.fill("#board-q", "")
    page.wait_for_function("() => document.querySelectorAll('.post-item').length === 20")

    page.click("text=청사 정전 안내")
    page.wait_for_url(f"{live_server.url}/board/{board_posts[0].id}")
    assert "청사 정전 안내" in page.locator("h1").inner_text()
    assert "정보보안 교육" in page.locator(".post-body").inner_text()
    assert "준비 중입니다" in page.locator(".post-attachments").inner_text()
    screenshot(page, "board-post")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/board")
    assert page.locator(".post-item.unread").count() == 19


def test_saved_posts_are_readable_offline(page, live_server, make_user, board_posts):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/board")
    assert page.evaluate("async () => (await window.boardOffline.sync(true)).count") == 28
    # The worker stores the copy behind the page's back; wait until it is in the cache.
    page.wait_for_function("""async () => {
        const cache = await caches.open('board-v1');
        return !!(await cache.match('/board/offline.json')) && !!(await cache.match('/board/offline'));
    }""")
    page.context.set_offline(True)

    target = board_posts[0]
    answer = page.goto(f"{live_server.url}/board/{target.id}")
    assert answer.from_service_worker
    page.wait_for_selector(".saved-copy")
    banner = page.locator(".saved-copy").inner_text()
    assert banner.startswith("저장된 사본 · ") and banner.endswith(" 기준")
    assert "청사 정전 안내" in page.locator("h1").inner_text()
    assert "정보보안 교육" in page.locator(".post-body").inner_text()
    attachments = page.locator(".post-attachments").inner_text()
    assert "정전 작업 계획.pdf" in attachments and "인터넷에 연결되어 있을 때만" in attachments
    assert page.locator(".post-attachments a").count() == 0
    screenshot(page, "board-offline-post")
    assert axe_violations(page) == []

    # As after an update whose new shell cache never saw the board's files: they come from the board's cache.
    removed = page.evaluate("""async () => {
        let removed = 0;
        for (const name of (await caches.keys()).filter(n => n.startsWith('shell-'))) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const board = /\\/(board-offline|board)\\.[0-9a-f]{8}\\./.test(request.url);
                if (board && await cache.delete(request)) removed += 1;
            }
        }
        return removed;
    }""")
    assert removed == 3    # board-offline.js, board.css and the list's board.js
    page.goto(f"{live_server.url}/board")
    page.wait_for_selector(".saved-copy")
    assert page.locator(".post-item").count() == 28
    page.click("text=2027년 1월 정기 인사발령")
    page.wait_for_selector("article.post")
    assert "붙임 명단" in page.locator(".post-body").inner_text()
    screenshot(page, "board-offline-list")

    cached = page.evaluate("""async () => (await (await caches.open('board-v1')).keys())
        .map(r => new URL(r.url).pathname)""")
    # The copy, its page and the board's own script and style; no attachment, no viewer page.
    assert sorted(c for c in cached if not c.startswith("/static/")) == ["/board/offline", "/board/offline.json"]
    assert sorted(re.sub(r"\.[0-9a-f]{8}\.", ".", c) for c in cached if c.startswith("/static/")) == [
        "/static/css/board.css", "/static/js/board-offline.js"]

    # Signing out leaves nothing of this person's board on the phone.
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/more")
    page.click("button:has-text('로그아웃')")
    page.wait_for_url(lambda url: "/login" in url)
    page.wait_for_function("async () => !(await caches.keys()).includes('board-v1')")


def test_console_editor_writes_rich_text(page, live_server, make_user, app):
    from core.models.organization import Department

    department = Department(organization="고양특례시", name="총무과", search_key="총무")
    db.session.add(department)
    db.session.commit()
    make_user("boss", role="admin", display_name="관리자", department_id=department.id)
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/board/posts/new")
    assert page.locator("textarea#body").is_hidden() and page.locator(".editor-area").is_visible()
    assert page.locator(".editor-toolbar button").count() == 7
    page.fill("#title", "편집기 시험")
    area = page.locator(".editor-area")
    area.click()
    page.keyboard.type("보통 글 ")
    page.click(".editor-toolbar button[title='굵게']")
    page.keyboard.type("굵은 글")
    screenshot(page, "board-console-editor")
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.click("button:has-text('게시')")
    page.wait_for_url(lambda url: "/admin/board/posts/" in url and not url.endswith("/new"))
    post = db.session.query(BoardPost).filter_by(title="편집기 시험").one()
    assert "<strong>굵은 글</strong>" in post.body_html or "<b>굵은 글</b>" in post.body_html
    assert post.body_text.startswith("보통 글")
    page.goto(f"{live_server.url}/admin/board/posts")
    assert "편집기 시험" in page.locator("table").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    screenshot(page, "board-console-posts")


def test_inbox_on_a_phone(page, live_server, make_user, board_posts):
    from core.models.push import InboxItem, PushMessage

    user = make_user("kim", display_name="김민준")
    for i, post in enumerate(board_posts[:3]):
        message = PushMessage(title=post.title, body="새 공지가 올라왔습니다.", url=f"/board/{post.id}",
                              audience={"all": True}, source="board", source_id=post.id)
        db.session.add(message)
        db.session.flush()
        db.session.add(InboxItem(message_id=message.id, user_id=user.id, created_at=utcnow() - timedelta(minutes=i)))
    db.session.commit()
    browser_login(page, live_server.url, "kim")
    badge = page.locator("nav.bottom-nav .nav-badge")
    assert badge.inner_text() == "3"
    assert "읽지 않은 알림 3건" in page.locator("nav.bottom-nav").inner_text()
    page.click("nav.bottom-nav a:has-text('더보기')")
    page.click("a:has-text('알림함')")
    page.wait_for_url(f"{live_server.url}/inbox")
    assert page.locator(".inbox-item.unread").count() == 3
    screenshot(page, "inbox")
    assert axe_violations(page) == []
    page.click(f"text={board_posts[1].title}")
    page.wait_for_url(f"{live_server.url}/board/{board_posts[1].id}")
    assert page.locator("nav.bottom-nav .nav-badge").inner_text() == "2"

"""Console pages of the board's feeds (admins): list with the sync figures, create and edit with clear errors,
and "지금 동기화", which queues a job for the worker instead of fetching inside the request."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from core.models.accounts import AuditLog
from core.models.board import BoardFeed
from core.models.jobs import Job
from extensions import db
from tests.conftest import csrf_token_from


@pytest.fixture
def admin(make_user, login):
    make_user("boss", role="admin", display_name="관리자")
    login("boss")


def _token(client, path: str = "/admin/board/feeds") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def test_only_admins_see_the_feeds(client, make_user, login):
    assert client.get("/admin/board/feeds").status_code in (302, 401)
    make_user("dept", role="dept_admin")
    login("dept")
    assert client.get("/admin/board/feeds").status_code == 403
    assert client.get("/admin/board/feeds/new").status_code == 403


def test_create_edit_and_errors(client, admin, saeol):
    page = client.get("/admin/board/feeds").get_data(as_text=True)
    assert "게시판 연동" in page and "아직 설정한 피드가 없습니다." in page
    token = _token(client)
    created = client.post("/admin/board/feeds/new", data={
        "csrf_token": token, "name": "새올", "kind": "json", "url": saeol.feed_url, "push_important": "y",
        "enabled": "y"})
    assert created.status_code == 302
    feed = db.session.scalar(select(BoardFeed))
    assert (feed.name, feed.kind, feed.url, feed.push_important, feed.enabled) == (
        "새올", "json", saeol.feed_url, True, True)
    assert created.headers["Location"].endswith(f"/admin/board/feeds/{feed.id}")
    for data, message in [({"name": "", "url": saeol.feed_url}, "피드 이름을 입력해 주세요."),
                          ({"name": "새올", "url": saeol.feed_url}, "같은 이름의 피드가 이미 있습니다: 새올"),
                          ({"name": "다른", "url": "ftp://example.com/x"}, "피드 주소는 http:// 또는 https://로"),
                          ({"name": "다른", "url": saeol.feed_url, "kind": "atom"}, "입력한 내용을 확인해 주세요."),
                          ({"name": "가" * 65, "url": saeol.feed_url}, "64자 이하"),
                          ({"name": "다른\t", "url": saeol.feed_url + "\x1b"}, "쓸 수 없는 문자"),
                          ({"name": "다른", "url": "http://[::1/feed"}, "피드 주소는"),
                          ({"name": "다른", "url": "http://h:port/feed"}, "피드 주소는")]:
        answer = client.post("/admin/board/feeds/new", data={"csrf_token": token, "kind": "json", **data})
        assert answer.status_code == 400 and message in answer.get_data(as_text=True), data
    assert db.session.query(BoardFeed).count() == 1
    edited = client.post(f"/admin/board/feeds/{feed.id}", data={
        "csrf_token": token, "name": "새올 공지", "kind": "json", "url": saeol.feed_url})   # boxes unticked
    assert edited.status_code == 302
    db.session.refresh(feed)
    assert (feed.name, feed.push_important, feed.enabled) == ("새올 공지", False, False)
    page = client.get(f"/admin/board/feeds/{feed.id}").get_data(as_text=True)
    assert "꺼짐" in page and "지금 동기화" not in page
    assert client.get("/admin/board/feeds/99999").status_code == 404
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "board.feed.save").limit(1))


def test_sync_now_queues_a_job_and_the_worker_fills_the_figures(board_settings, client, admin, make_feed, saeol,
                                                               request):
    feed = make_feed(url=saeol.feed_url, next_attempt_at=None)
    feed.next_attempt_at = feed.created_at.replace(year=2100)      # only the button may sync it
    db.session.commit()
    token = _token(client)
    before = len(saeol.requests())
    answer = client.post(f"/admin/board/feeds/{feed.id}/sync", data={"csrf_token": token, "back": "list"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/board/feeds")
    jobs = db.session.scalars(select(Job).where(Job.kind == "board.sync")).all()
    assert [j.payload for j in jobs if j.payload.get("feed_id")] == [{"feed_id": feed.id}]
    assert len(saeol.requests()) == before          # the request itself fetched nothing
    request.getfixturevalue("job_worker")           # now the worker starts, and runs the queued pass
    deadline = time.monotonic() + 90     # a loaded CI machine: the worker thread shares two cores
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(BoardFeed, feed.id).last_success_at:
            break
        time.sleep(0.2)
    assert db.session.get(BoardFeed, feed.id).last_success_at, "the worker ran no pass of the feed"
    page = client.get("/admin/board/feeds").get_data(as_text=True)
    assert "6 · 0 · 0" in page and "동기화를 요청했습니다" in page
    assert client.post("/admin/board/feeds/1/sync").status_code == 400          # no CSRF token


def test_a_second_click_adds_no_second_job(client, admin, make_feed, saeol):
    feed = make_feed(url=saeol.feed_url)
    token = _token(client)
    client.post(f"/admin/board/feeds/{feed.id}/sync", data={"csrf_token": token})
    second = client.post(f"/admin/board/feeds/{feed.id}/sync", data={"csrf_token": token}, follow_redirects=True)
    assert "이미 동기화를 기다리고 있습니다." in second.get_data(as_text=True)
    assert db.session.query(Job).filter(Job.kind == "board.sync").count() == 1
    assert saeol.requests() == []


def test_a_failing_feed_shows_its_error(client, admin, make_feed, saeol, board_settings, run_pass):
    feed = make_feed(url=saeol.feed_url)
    saeol.configure(fail_next=1)
    run_pass(feed)
    page = client.get(f"/admin/board/feeds/{feed.id}").get_data(as_text=True)
    assert "HTTP 503" in page and "연속 1회 실패" in page and "아직 성공한 적 없음" in page

"""End to end through the real worker: an important notice appears in the Saeol simulator, the periodic
board.sync lands it, and a subscribed person's push service receives an encrypted push (decrypted by the
push-service simulator with the subscription's keys) whose title is the post's and whose URL opens it."""
from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from core.models.board import BoardPost
from core.models.organization import Department
from extensions import db


def _wait(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if result := condition():
            return result
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_an_important_saeol_notice_reaches_a_subscribed_phone(
        app, board_settings, push_service, subscribed, job_worker, make_feed, make_user, saeol, client, login):
    board_settings["SAEOL_SYNC_SECONDS"] = 1            # every tick of board.sync finds the feed due
    department = Department(organization="고양특례시", name="교통정책과")
    db.session.add(department)
    db.session.commit()
    kim = make_user("kim", display_name="김민준", department_id=department.id)
    phone = subscribed(kim)
    feed = make_feed(url=saeol.feed_url)
    _wait(lambda: db.session.get(type(feed), feed.id).last_success_at)      # the first pass: history, no push
    saeol.post(id="B-2026-001000", board="공지사항", title="[긴급] 청사 정전 안내", important=True,
               body_html="<p>오늘 18시부터 30분간 본관 전체가 정전됩니다.</p>", author="이서연", department="총무과")
    post = _wait(lambda: db.session.scalar(select(BoardPost).where(BoardPost.external_id == "B-2026-001000")))
    received = _wait(lambda: httpx.get(f"{push_service.base}/_sim/received", timeout=10).json()["received"])
    assert len(received) == 1 and received[0]["endpoint"] == phone["endpoint"]
    payload = received[0]["payload"]
    assert payload["title"] == "[긴급] 청사 정전 안내" and payload["url"] == f"/board/{post.id}"
    assert "18시부터 30분간" in payload["body"]
    assert (received[0]["urgency"], received[0]["topic"]) == ("normal", f"board-{post.id}")
    login("kim")
    page = client.get(payload["url"])
    assert page.status_code == 200 and "[긴급] 청사 정전 안내" in page.get_data(as_text=True)

"""The feeds console in Chromium on a phone: the list with a synced feed's figures, the sync button, the edit
form with an error, and axe (no serious or critical violation)."""
from __future__ import annotations

import pytest

from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_feeds_console_on_a_phone(page, live_server, make_user, make_feed, run_pass, saeol):
    make_user("boss", role="admin", display_name="관리자")
    feed = make_feed(url=saeol.feed_url)
    run_pass(feed)
    make_feed(name="행사·교육", kind="rss", url=saeol.rss_url("행사·교육"))
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/board/feeds")
    assert page.locator("h1").inner_text() == "게시판 연동"
    assert "6 · 0 · 0" in page.locator("section", has_text="새올").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "board-feeds-console")
    page.get_by_role("button", name="‘새올’ 지금 동기화").click()
    page.locator(".flash", has_text="동기화를 요청했습니다").wait_for()
    page.get_by_role("link", name="새올").click()
    page.fill("#url", "ftp://example.com/feed")
    page.evaluate("() => document.querySelector('#url').type = 'text'")   # past the browser's own check
    page.get_by_role("button", name="저장").click()
    assert "피드 주소는 http:// 또는 https://로" in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []

"""홈 on a phone: the day's cards online, then the saved copy offline with its banner; axe on both."""
import pytest

from tests.browser.conftest import wait_for_controlling_worker
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_home_online_then_offline_from_the_saved_copy(page, live_server, kim, add_posts, add_favourites, clock):
    now = clock.set_kst(2026, 12, 2, 8, 40)
    add_posts(4, now, important_every=3)
    add_favourites(kim, 3)
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/")     # opened online once the worker controls it, so it is kept
    assert page.locator("#recent-posts-heading").is_visible()
    assert "읽지 않은 글 4건" in page.locator("#home-unread").inner_text()
    assert page.locator(".home-favourites a[href^='tel:']").count() == 3
    assert page.locator("#home-saved-copy").is_hidden()
    assert axe_violations(page) == []
    screenshot(page, "home-online")

    page.context.set_offline(True)
    answer = page.goto(f"{live_server.url}/")
    assert answer.from_service_worker
    banner = page.locator("#home-saved-copy")
    banner.wait_for(state="visible")
    assert "저장된 사본 · 2026-12-02 08:4" in banner.inner_text()
    assert "공지 00" in page.locator(".recent-posts").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "home-offline")

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    banner.wait_for(state="hidden")

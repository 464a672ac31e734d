"""A shared phone: after 로그아웃, the back button shows none of the last user's pages; the account page of
sessions and tokens on a phone (axe, screenshots)."""
import pytest

from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_back_after_logout_shows_nothing_of_the_last_user(page, live_server, make_user):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    # Boosted navigations: htmx keeps copies of these pages in its history cache.
    page.click("nav.bottom-nav a:has-text('더보기')")
    page.wait_for_url(f"{live_server.url}/more")
    page.click("a:has-text('로그인 기기와 API 토큰')")
    page.wait_for_url(f"{live_server.url}/account/security")
    page.go_back()
    page.wait_for_url(f"{live_server.url}/more")
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") not in (None, "[]")
    page.click("button:has-text('로그아웃')")
    page.wait_for_url(f"{live_server.url}/login")
    page.wait_for_load_state("load")
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    for _ in range(3):
        page.go_back()
        page.wait_for_load_state("load")
        assert "김민준" not in page.content(), page.url
        assert "/login" in page.url, page.url
    screenshot(page, "logout-back-button")


def test_account_security_page_on_a_phone(page, live_server, make_user):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/account/security")
    page.fill("#name", "업무용 노트북")
    page.click("button:has-text('만들기')")
    page.wait_for_selector("#new-token")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("gyp_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    screenshot(page, "account-security-token-once")
    page.reload()
    assert token not in page.content() and "업무용 노트북" in page.content()
    page.goto(f"{live_server.url}/account/password")
    assert axe_violations(page) == []
    screenshot(page, "account-password")

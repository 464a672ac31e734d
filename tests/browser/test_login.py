"""Signing in on a phone-sized Chromium, and the lockout after five failures."""
import pytest

from core.models.accounts import User
from extensions import db
from tests.conftest import PASSWORD, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_login_succeeds_and_shows_the_home_page(page, live_server, make_user):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim", PASSWORD)
    assert page.locator("h1").inner_text() == "김민준님, 안녕하세요"
    assert page.locator("nav.bottom-nav a").all_inner_texts() == ["홈", "게시판", "연락처", "근무", "더보기"]
    screenshot(page, "login-success-home")


def test_five_failures_lock_the_account_with_a_korean_message(page, live_server, make_user):
    make_user("kim")
    page.goto(f"{live_server.url}/login")
    screenshot(page, "login-form")
    for attempt in range(5):
        page.fill("#username", "kim")
        page.fill("#password", f"wrong-{attempt}")
        page.click("button[type=submit]")
        page.wait_for_selector(".flash-error")
    assert "로그인 실패가 반복되어 계정이 15분 동안 잠겼습니다." in page.locator(".flash-error").inner_text()
    screenshot(page, "login-locked")
    # Even the right password is refused while the lock lasts.
    page.fill("#username", "kim")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".flash-error")
    assert page.url.endswith("/login")
    assert "잠겼습니다" in page.locator(".flash-error").inner_text()
    assert db.session.scalars(db.select(User).where(User.username == "kim")).one().locked_until is not None

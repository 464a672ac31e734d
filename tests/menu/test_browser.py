"""The cafeteria menu on a phone in Chromium: the week with today marked and my allergens worded, the profile
form, axe-core, the week offline from the service worker's menu-v1 cache, and sign-out deleting it."""
from __future__ import annotations

from datetime import datetime

import pytest

from core import menu
from core.timeutil import KST
from extensions import db
from tests.browser.conftest import wait_for_controlling_worker
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser
MONDAY_MORNING = datetime(2027, 1, 4, 9, 0, tzinfo=KST)


def test_menu_week_on_a_phone_and_offline(page, live_server, make_user, sample_week, clock):
    clock.move_to(MONDAY_MORNING)
    page.clock.set_system_time(MONDAY_MORNING)      # the phone's own date: static/js/menu.js marks today by it
    user = make_user("kim", display_name="김민준")
    menu.save_profile(db.session, user.id, allergens=[9], cafeteria_id=None, morning_push=True)
    db.session.commit()
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/menu")
    assert "구내식당 식단" in page.locator("h1").inner_text()
    today = page.locator(".meal-day[aria-current='date']")
    assert today.count() == 1 and today.get_attribute("data-day") == "2027-01-04"
    assert today.locator(".meal-today-badge").is_visible()
    warned = today.locator(".meal-dish-warn", has_text="두부새우젓국")
    assert "주의: 새우" in warned.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "menu-week")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/menu/profile")
    assert page.locator("input[name=allergen]").count() == 19
    assert page.locator("input[name=allergen][value='9']").is_checked()
    screenshot(page, "menu-profile")
    assert axe_violations(page) == []
    page.check("input[name=allergen][value='14']")
    page.click("button:has-text('저장')")
    assert "저장했습니다" in page.wait_for_selector(".flash-success").inner_text()

    page.goto(f"{live_server.url}/menu")
    page.wait_for_function("""async () => {
        const cache = await caches.open('menu-v1');
        return !!(await cache.match('/menu'));
    }""")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/menu")
    assert "주의: 호두" in page.locator(".meal-day[data-day='2027-01-04']").inner_text()
    assert page.locator(".meal-day[aria-current='date']").get_attribute("data-day") == "2027-01-04"
    page.clock.set_system_time(datetime(2027, 1, 5, 8, 0, tzinfo=KST))   # the next morning, still offline
    page.goto(f"{live_server.url}/menu?cafeteria=1")
    page.wait_for_selector(".meal-day[data-day='2027-01-05'][aria-current='date']")
    assert page.locator(".meal-day[aria-current='date']").count() == 1
    screenshot(page, "menu-week-offline")
    assert axe_violations(page) == []

    page.context.set_offline(False)
    page.goto(f"{live_server.url}/more")
    assert page.locator("a[href='/menu']").count() == 1
    page.click("button:has-text('로그아웃')")
    page.wait_for_url(lambda url: "/login" in url)
    page.wait_for_function("async () => !(await caches.keys()).includes('menu-v1')")


def test_console_menu_pages_on_a_phone(page, live_server, make_user, sample_week, clock):
    clock.move_to(MONDAY_MORNING)
    make_user("chef", role="admin", display_name="관리자")
    browser_login(page, live_server.url, "chef")
    page.goto(f"{live_server.url}/admin/menu/edit?day=2027-01-04&meal=lunch")
    assert "두부새우젓국 (5.9.18)" in page.locator("#edit-dishes").input_value()
    page.fill("#edit-dishes", "쌀밥\n수상한국 (5.42)")
    page.click("form[method=post] button:has-text('저장')")
    assert "알 수 없는 알레르기 번호 42" in page.wait_for_selector(".flash-error").inner_text()
    screenshot(page, "menu-console-edit")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/admin/menu/import")
    screenshot(page, "menu-console-import")
    assert axe_violations(page) == []

"""On a phone-sized Chromium: a manager sends a drill call-out, a member answers it from the page in one touch,
and the manager's board fills by itself (htmx polling); axe finds no serious or critical violation on the
members' page, the answer page, the board and the console's group form. Screenshots in tests/artifacts/."""
from __future__ import annotations

import pytest

from tests.conftest import PHONE, axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_drill_answered_from_the_page_while_the_board_fills(browser, live_server, group, people):
    manager_context = browser.new_context(bypass_csp=True, **PHONE)
    member_context = browser.new_context(bypass_csp=True, **PHONE)
    try:
        boss, kim = manager_context.new_page(), member_context.new_page()
        browser_login(boss, live_server.url, "boss")
        boss.goto(f"{live_server.url}/emergency/groups/{group.id}")
        boss.fill("#message", "분기 비상소집 훈련입니다. 응답해 주세요.")
        boss.fill("#escalation_minutes", "5")
        boss.check("input[name=drill]")
        boss.click("button[type=submit].btn-primary")
        boss.wait_for_url("**/board")
        assert boss.locator("#board-summary").inner_text().count("응답 0명") == 1
        assert axe_violations(boss) == []

        browser_login(kim, live_server.url, "kim")
        kim.goto(f"{live_server.url}/emergency")
        kim.get_by_role("link", name="비상소집: 재난대응 1조 — 응답해 주세요").wait_for()
        assert axe_violations(kim) == []
        screenshot(kim, "emergency-members")
        kim.get_by_role("link", name="비상소집: 재난대응 1조 — 응답해 주세요").click()
        kim.get_by_role("button", name="출동 가능").wait_for()
        assert "훈련" in kim.locator("h1").inner_text()
        assert axe_violations(kim) == []
        screenshot(kim, "emergency-callout")
        kim.get_by_role("button", name="출동 가능").click()
        kim.get_by_text("응답: 출동 가능").wait_for()
        assert kim.get_by_role("button", name="출동 가능").get_attribute("aria-pressed") == "true"
        screenshot(kim, "emergency-callout-answered")

        # No reload: the board asks again every 3 s.
        boss.get_by_text("호출 3명 · 응답 1명").wait_for(timeout=10000)
        assert "출동 가능" in boss.locator("table.emergency-board").inner_text()
        assert axe_violations(boss) == []
        screenshot(boss, "emergency-board")

        boss.goto(f"{live_server.url}/admin/emergency/groups/{group.id}")
        assert boss.locator("#members").input_value().startswith("kim@goyang.go.kr | 상황총괄 | jung@goyang.go.kr")
        assert axe_violations(boss) == []
        screenshot(boss, "emergency-console-group")
    finally:
        manager_context.close()
        member_context.close()


def test_my_groups_are_on_the_phone_offline_and_gone_after_sign_out(page, live_server, group, people):
    from tests.browser.conftest import cache_keys, wait_for_controlling_worker

    browser_login(page, live_server.url, "lee")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/more")          # any page online refreshes the copy in the background
    page.wait_for_function("async () => (await caches.keys()).includes('emergency-v1')"
                           " && (await (await caches.open('emergency-v1')).keys()).length >= 3")
    keys = set(cache_keys(page))
    assert {"/emergency", "/emergency/offline.json"} <= keys
    assert any(k.startswith("/static/css/emergency.") for k in keys)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/emergency")
    assert page.locator(f"#eg-{group.id}").inner_text() == "재난대응 1조"
    assert page.locator("a[href='tel:+821055500002']").count() == 1
    copy = page.evaluate("async () => (await (await caches.open('emergency-v1')).match('/emergency/offline.json'))"
                         ".json()")
    assert [m["name"] for m in copy["groups"][0]["members"]] == ["김민준", "이서연", "박지호"]
    screenshot(page, "emergency-offline")
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/more")
    page.click("form[action='/logout'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" in url)
    page.wait_for_function("async () => !(await caches.keys()).includes('emergency-v1')")

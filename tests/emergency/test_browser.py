"""On a phone-sized Chromium: a manager sends a drill call-out, a member answers it from the page in one touch,
and the manager's board fills by itself (htmx polling); another answers from the notification's own button,
through the real worker, push service simulator and service worker; axe finds no serious or critical
violation on the members' page, the answer page, the board and the console's group form. Screenshots in
tests/artifacts/."""
from __future__ import annotations

import httpx
import pytest

from core.emergency import callouts
from core.models.emergency import EmergencyTarget
from extensions import db
from tests.browser.conftest import persistent_page  # noqa: F401  (fixture)
from tests.browser.push_in_page import deliver, turn_push_on
from tests.conftest import PHONE, axe_violations, browser_login, screenshot, wait_db
from tests.push.conftest import push_service  # noqa: F401  (fixture)

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


def test_drill_answered_from_the_notification_button(app, browser, live_server, persistent_page,  # noqa: F811
                                                    push_service, job_worker, group, people):  # noqa: F811
    page, base = persistent_page, live_server.url
    page.context.grant_permissions(["notifications"], origin=base)
    browser_login(page, base, "kim")
    turn_push_on(page, base, push_service)
    manager_context = browser.new_context(bypass_csp=True, **PHONE)
    try:
        boss = manager_context.new_page()
        browser_login(boss, base, "boss")
        callout = callouts.start(db.session, people["users"]["boss"], group, message="야간 비상소집 훈련입니다.",
                                 drill=True, escalation_minutes=5)
        db.session.commit()
        boss.goto(f"{base}/emergency/callouts/{callout.id}/board")
        [received] = wait_db(lambda: httpx.get(f"{push_service.base}/_sim/received").json()["received"] or None)

        shown = deliver(page, base, received["payload"])
        assert shown["title"] == "[훈련] 비상소집 · 재난대응 1조"
        notifications = page.evaluate("""async () => (await (await navigator.serviceWorker.ready).getNotifications())
            .map(n => ({actions: n.actions.map(a => a.title), sticky: n.requireInteraction, url: n.data.url}))""")
        assert notifications == [{"actions": ["출동 가능", "불가"], "sticky": True,
                                  "url": f"/emergency/callouts/{callout.id}"}]

        # 출동 가능 on the notification: the worker's own click handler with that action, as the
        # notificationclick listener calls it; the notification becomes the server's confirmation.
        page.evaluate("""() => { window.__answered = new Promise(resolve => navigator.serviceWorker.addEventListener(
            "message", event => { if (event.data && event.data.type === "PUSH_ANSWERED") resolve(event.data); })); }""")
        page.context.service_workers[0].evaluate(
            "async () => { const [n] = await self.registration.getNotifications();"
            " await pushClicked(n, 'available'); }")
        assert page.evaluate("async () => (await window.__answered).message") == "응답했습니다: 출동 가능"
        confirmation = page.evaluate("""async () => (await (await navigator.serviceWorker.ready).getNotifications())
            .map(n => [n.title, n.body, n.actions.length])""")
        assert confirmation == [["응답을 보냈습니다", "응답했습니다: 출동 가능", 0]]
        target = wait_db(lambda: db.session.query(EmergencyTarget).filter_by(
            callout_id=callout.id, user_id=people["users"]["kim"].id, via="notification").one_or_none())
        assert target.answer == "available"

        # The board, polling, shows the answer and that it came from the notification.
        boss.get_by_text("호출 3명 · 응답 1명").wait_for(timeout=10000)
        row = boss.locator("table.emergency-board tr", has_text="김민준").inner_text()
        assert "출동 가능" in row and "알림" in row
        screenshot(boss, "emergency-board-notification-answer")
    finally:
        manager_context.close()


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

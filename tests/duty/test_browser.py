"""The 근무 tab in Chromium on a phone: my duties, today's officers, the feed made and its two addresses, a swap
offered; axe has no serious or critical violation. Screenshots under tests/artifacts/."""
from __future__ import annotations

from datetime import date, time

import pytest

from core.duty import roster
from extensions import db
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_duty_tab_on_a_phone(page, live_server, directory, make_user, clock):
    clock.set_kst(2026, 12, 1, 8)
    me, colleague = directory["staff5021@example.go.kr"], directory["staff5024@example.go.kr"]
    make_user("mi", person_id=me.id, department_id=me.department_id, display_name=me.name)
    for day, kind, start, end in ((1, "당직(일직)", 9, 18), (3, "당직(숙직)", 18, 9), (9, "비상근무", 9, 18)):
        s, e = roster.span(date(2026, 12, day), time(start), time(end))
        roster.add(db.session, person_id=me.id, kind=kind, starts=s, ends=e, department_id=me.department_id,
                   place="시청 당직실")
    s, e = roster.span(date(2026, 12, 1), time(9), time(18))
    roster.add(db.session, person_id=colleague.id, kind="비상근무", starts=s, ends=e,
               department_id=colleague.department_id, place="민원여권과")
    db.session.commit()
    browser_login(page, live_server.url, "mi")
    page.get_by_role("link", name="근무").first.click()
    page.wait_for_url(f"{live_server.url}/duty")
    assert "당직(숙직)" in page.locator("section", has_text="내 근무").inner_text()
    assert me.name in page.locator("section", has_text="오늘 시청 당직실").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "duty-tab")
    page.get_by_role("button", name="주소 새로 만들기").click()
    page.locator("#feed-https").wait_for()
    https = page.locator("#feed-https").input_value()
    assert https.endswith(".ics")
    assert page.get_by_role("link", name="캘린더 앱에 추가 (webcal)").get_attribute("href").startswith("webcal://")
    assert axe_violations(page) == []
    screenshot(page, "duty-tab-feed")
    page.locator("li", has_text="비상근무").get_by_role("button", name="요청").click()
    page.locator("section", has_text="교대 요청").get_by_text("수락 대기").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "duty-tab-swap")


def test_month_grid_on_a_phone(page, live_server, directory, make_user, clock):
    clock.set_kst(2026, 12, 1, 8)
    me = directory["staff5021@example.go.kr"]
    make_user("boss", role="dept_admin", department_id=me.department_id)
    s, e = roster.span(date(2026, 12, 2), time(9), time(18))
    roster.add(db.session, person_id=me.id, kind="당직(일직)", starts=s, ends=e, department_id=me.department_id)
    db.session.commit()
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/duty?month=2026-12")
    assert "당직(일직)" in page.locator(".duty-grid").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "duty-console-grid")
    page.fill("#add-day", "2026-12-02")
    page.fill("#add-kind", "비상근무")
    page.fill("#add-start", "10:00")
    page.fill("#add-end", "12:00")
    page.select_option("#add-person", str(me.id))
    page.get_by_role("button", name="추가", exact=True).click()
    page.locator(".flash", has_text="같은 시간에 이미 근무").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "duty-console-conflict")

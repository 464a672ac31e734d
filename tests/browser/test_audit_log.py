"""The audit log on a phone (390 px): active search narrows the rows and pushes the URL, a bad date range says
why in place of the rows, the page fits the screen and axe finds nothing serious.
Screenshot: tests/artifacts/audit-log-mobile.png."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.audit import record
from core.timeutil import KST
from extensions import db
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_audit_log_filters_on_a_phone(page, live_server, make_user):
    boss = make_user("boss", role="admin", display_name="정하늘")
    kim = make_user("kim", display_name="김민준")
    for i, (user, action, target) in enumerate([(kim, "lettering.call.view", "call-7781"),
                                                (kim, "duty.add", "42"),
                                                (boss, "admin.user.role", "kim"),
                                                (kim, "board.post.create", "board_post:9")]):
        entry = record(db.session, action, user=user, target=target, ip="10.0.0.5",
                       title="2026년 대중교통 노선 개편 안내")
        entry.at = datetime(2026, 3, 2, 9, i, tzinfo=KST).astimezone(UTC)
    db.session.commit()
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/audit")
    rows = page.locator("#audit-results tbody tr")
    page.get_by_label("사용자", exact=True).fill("민준")
    page.wait_for_url(lambda url: "person=" in url)
    page.wait_for_function("() => document.querySelectorAll('#audit-results tbody tr').length === 3")
    page.get_by_label("분류").select_option("lettering")
    page.wait_for_url(lambda url: "category=lettering" in url)
    page.wait_for_function("() => document.querySelectorAll('#audit-results tbody tr').length === 1")
    assert "통화 처리 과정 조회" in rows.first.inner_text()
    page.get_by_label("분류").select_option("")
    page.wait_for_function("() => document.querySelectorAll('#audit-results tbody tr').length === 3")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the audit log is {width} px wide"
    assert axe_violations(page) == []
    screenshot(page, "audit-log-mobile")
    # A reversed range: the reason replaces the rows, announced.
    page.get_by_label("시작일").fill("2026-03-05")
    page.get_by_label("종료일").fill("2026-03-01")
    alert = page.locator("#audit-results [role=alert]")
    alert.wait_for()
    assert "시작일이 종료일보다 늦습니다" in alert.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "audit-log-mobile-error")

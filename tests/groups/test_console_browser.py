"""The groups console on a phone: create a group from the form, edit its members; axe on both pages."""
import pytest

from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_create_and_edit_a_group(page, live_server, people):
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/groups")
    assert axe_violations(page) == []
    page.fill("#group-name", "재난대응 1조")
    page.fill("#group-members", "kim, lee")
    page.select_option("#group-pick", label="박지훈 (park) · 세정과")
    page.click("form[action='/admin/groups'] button[type=submit]")
    page.wait_for_url("**/admin/groups/*")
    members = page.locator("#members").inner_text()
    assert "김민준" in members and "이서연" in members and "박지훈" in members
    assert axe_violations(page) == []
    screenshot(page, "groups-detail")
    page.fill("#group-members", "nobody")
    page.click("form[action$='/members'] button[type=submit]")
    page.locator(".flash-error").wait_for()
    assert "없는 아이디입니다: nobody" in page.locator(".flash-error").inner_text()
    page.goto(f"{live_server.url}/admin/groups")
    screenshot(page, "groups-list")

"""axe-core (WCAG 2.1 A/AA) finds no serious or critical violation on the main pages."""
import pytest

from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_login_page_has_no_serious_violations(page, live_server):
    page.goto(f"{live_server.url}/login")
    assert axe_violations(page) == []
    screenshot(page, "a11y-login")


def test_login_page_with_errors_has_no_serious_violations(page, live_server):
    page.goto(f"{live_server.url}/login")
    page.click("button[type=submit]")  # both fields empty: inline errors
    page.wait_for_selector(".error")
    assert axe_violations(page) == []
    screenshot(page, "a11y-login-errors")


def test_home_page_has_no_serious_violations(page, live_server, make_user):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    assert axe_violations(page) == []


def test_directory_page_has_no_serious_violations(page, live_server, make_user, staff_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/directory")
    assert axe_violations(page) == []
    page.fill("#directory-q", "김민")
    page.locator("#directory-results li.contact").first.wait_for()
    assert axe_violations(page) == []
    screenshot(page, "a11y-directory-results")


def test_offline_page_has_no_serious_violations(page, live_server):
    page.goto(f"{live_server.url}/offline")
    assert axe_violations(page) == []

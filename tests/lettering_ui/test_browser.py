"""The citizens' pages in a real phone-sized Chromium: opt-out and undo, the number check,
the campaign page; axe-core finds no serious violation, and screenshots are kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.lettering.optout import is_opted_out
from core.privacy import optout_token, phone_hash
from extensions import db
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def offline(page, live_server):
    """Only the app under test answers; outside hosts (YouTube, image CDNs) are cut off."""
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    return page


def test_citizen_opts_out_and_undoes_on_a_phone(app, offline, live_server, lines, make_call):
    page = offline
    peer = "+821024681357"
    make_call(lines[0], peer)
    hashed = phone_hash(peer, app.config["PHONE_HASH_KEY"])
    token = optout_token(hashed, app.config["SECRET_KEY"])
    page.goto(f"{live_server.url}/optout/{token}")
    assert page.get_by_role("heading", level=1).inner_text() == "수신 거부"
    assert "010-****-1357" in page.content()
    assert axe_violations(page) == []
    screenshot(page, "lettering-optout-confirm")
    page.get_by_role("button", name="수신 거부하기").click()
    page.wait_for_selector(".flash-success")
    assert "수신 거부가 완료되었습니다" in page.inner_text(".flash-success")
    assert is_opted_out(db.session, hashed)
    assert axe_violations(page) == []
    screenshot(page, "lettering-optout-done")
    page.get_by_role("button", name="수신 거부 취소하기").click()
    page.wait_for_selector("text=수신 거부를 취소했습니다")
    db.session.expire_all()
    assert not is_opted_out(db.session, hashed)
    assert page.get_by_role("button", name="수신 거부하기").is_visible()


def test_forged_opt_out_link_shows_a_korean_page(app, offline, live_server):
    response = offline.goto(f"{live_server.url}/optout/forged-token")
    assert response.status == 404
    assert "링크가 올바르지 않습니다" in offline.content()
    assert axe_violations(offline) == []


def test_verify_official_and_stranger_numbers_on_a_phone(offline, live_server, lines):
    page = offline
    page.goto(f"{live_server.url}/verify")
    assert axe_violations(page) == []
    page.get_by_label("전화 온 번호").fill("031-8075-9571")
    page.get_by_role("button", name="확인하기").click()
    page.wait_for_selector(".result-official")
    assert "대중교통과" in page.inner_text(".result-official")
    assert axe_violations(page) == []
    screenshot(page, "lettering-verify-official")
    page.get_by_label("전화 온 번호").fill("010-9999-0000")
    page.get_by_role("button", name="확인하기").click()
    page.wait_for_selector(".result-unknown")
    assert "공식 번호가 아닙니다" in page.inner_text(".result-unknown")
    assert axe_violations(page) == []
    screenshot(page, "lettering-verify-stranger")
    page.get_by_label("전화 온 번호").fill("abc")
    page.get_by_role("button", name="확인하기").click()
    page.wait_for_selector("#n-error")
    assert page.get_attribute("#n", "aria-invalid") == "true"
    assert axe_violations(page) == []
    # Nothing scrolls sideways on a 390 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_campaign_page_on_a_phone(offline, live_server, campaign):
    page = offline
    page.goto(f"{live_server.url}/p/bus2026")
    assert page.get_by_role("heading", level=1).inner_text() == "2026 고양 버스 노선 개편"
    assert page.locator("iframe[src^='https://www.youtube-nocookie.com/embed/']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    screenshot(page, "lettering-campaign")


def test_console_stats_and_dispatch_log_in_a_browser(offline, live_server, make_user, lines, make_call):
    make_call(lines[0], "+821011112222", lettering_status="accepted", outcome="answered")
    make_call(lines[0], "+821033334444", lettering_status="unsupported_device", outcome="missed",
              fallback_decision="send", fallback_reason="unsupported_device", alimtalk_status="delivered")
    make_user("boss", role="admin")
    page = offline
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/lettering/stats")
    assert page.locator("svg[role=img]").count() == 6
    assert axe_violations(page) == []
    screenshot(page, "lettering-console-stats")
    page.goto(f"{live_server.url}/admin/lettering/calls")
    assert "010-****-4444" in page.content()
    page.select_option("select[name=outcome]", "missed")
    page.wait_for_function("!document.querySelector('#call-rows').innerText.includes('2222')")
    assert "010-****-4444" in page.inner_text("#call-rows")
    assert axe_violations(page) == []
    screenshot(page, "lettering-console-calls")


def test_admin_imports_lines_with_progress_and_enters_an_opt_out(job_worker, offline, live_server, make_user,
                                                                  departments):
    make_user("boss", role="admin")
    page = offline
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/lettering/lines/import")
    assert axe_violations(page) == []
    page.set_input_files("#file", str(Path(__file__).parent / "data" / "lines-sample.csv"))
    page.get_by_role("button", name="가져오기").click()
    page.wait_for_selector(".task .badge-done", timeout=20_000)
    result = page.inner_text(".task")
    assert "추가" in result and "36" in result
    assert axe_violations(page) == []
    screenshot(page, "lettering-console-import")
    page.goto(f"{live_server.url}/admin/lettering/lines?q=교통정책")
    assert page.locator("#line-rows tr").count() == 4
    page.goto(f"{live_server.url}/admin/lettering/optouts")
    page.get_by_label("수신 거부할 번호").fill("010-2468-1357")
    page.get_by_role("button", name="수신 거부 등록").click()
    page.wait_for_selector(".flash-success")
    assert "010-****-1357" in page.inner_text("#optout-rows")
    assert "2468" not in page.content()
    assert axe_violations(page) == []
    screenshot(page, "lettering-console-optouts")

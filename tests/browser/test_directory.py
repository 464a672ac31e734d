"""The directory page in a phone-sized Chromium: search as you type, and the same search with
the network gone, answered from the snapshot stored on the phone."""
import re
from datetime import datetime

import pytest

from core.timeutil import format_kst
from tests.browser.conftest import wait_for_controlling_worker
from tests.conftest import PHONE, axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def result_names(page) -> list[str]:
    return page.locator("#directory-results li.contact .contact-name").all_inner_texts()


def test_search_as_you_type_without_pressing_enter(page, live_server, make_user, staff_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    page.goto(f"{live_server.url}/directory")
    page.locator("#directory-q").press_sequentially("김민", delay=50)
    page.wait_for_function("() => document.querySelectorAll('#directory-results li.contact').length === 2")
    assert sorted(result_names(page)) == ["김민서", "김민준"]
    first = page.locator("#directory-results li.contact").first
    assert first.locator("a[href^='tel:']").count() >= 1
    screenshot(page, "directory-search-as-you-type")

    page.fill("#directory-q", "ㄱㅁㅈ")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '김민준'; }")
    assert result_names(page)[0] == "김민준"
    assert page.locator("#snapshot-info").is_hidden()
    screenshot(page, "directory-initials")


def test_search_offline_uses_the_snapshot_on_the_phone(page, live_server, make_user, staff_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/directory")
    taken = page.evaluate("async () => (await window.directoryOffline.sync(false)).generated_at")
    expected_info = f"연락처 오프라인 사본: {format_kst(datetime.fromisoformat(taken))} 기준"

    page.context.set_offline(True)
    page.fill("#directory-q", "ㄱㅁㅈ")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '김민준'; }")
    info = page.locator("#snapshot-info")
    assert info.is_visible() and info.inner_text() == expected_info
    kim = page.locator("#directory-results li.contact").first
    assert kim.locator(".contact-org").inner_text() == "고양특례시 · 교통정책과"
    assert kim.locator(".contact-duty").inner_text() == "교통안전시설 관리"
    assert kim.locator("a.btn-call").get_attribute("href") == "tel:03180755101"
    assert kim.locator("a[href^='sms:']").get_attribute("href") == "sms:01055101234"
    assert axe_violations(page) == []
    screenshot(page, "directory-offline-initials")

    # The search button (Enter) works offline too.
    page.fill("#directory-q", "정하늘")
    page.click("#directory-search button[type=submit]")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '정하늘'; }")
    assert page.locator("h1").first.inner_text() == "연락처"

    # A reload with no network is answered by the service worker, and search still works.
    response = page.reload()
    assert response.from_service_worker
    page.fill("#directory-q", "불법 주정차")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '이서연'; }")
    assert result_names(page) == ["이서연"]
    assert page.locator("#snapshot-info").inner_text() == expected_info
    page.fill("#directory-q", "없는사람")
    page.locator("#directory-results .empty").wait_for()
    assert "오프라인 사본에 없습니다" in page.locator("#directory-results .empty").inner_text()
    screenshot(page, "directory-offline-reload")

    # A search URL opened offline gets the stored page, and the query runs on the phone.
    opened = page.goto(f"{live_server.url}/directory?q=%EA%B9%80%EB%AF%BC%EC%84%9C")  # 김민서
    assert opened.from_service_worker
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '김민서'; }")
    assert page.input_value("#directory-q") == "김민서"

    # Back online, the server answers again and the offline notice goes away.
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.fill("#directory-q", "김민서")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '김민서'"
                           " && document.getElementById('snapshot-info').hidden; }")
    assert re.search(r"/directory\?q=", page.url)


def test_search_falls_back_to_the_snapshot_when_the_server_cannot_be_reached(browser, live_server, make_user,
                                                                             staff_directory):
    # The phone believes it is online, but the search request fails (a dead Wi-Fi, a captive portal).
    context = browser.new_context(service_workers="block", **PHONE)
    try:
        page = context.new_page()
        make_user("kim")
        browser_login(page, live_server.url, "kim")
        page.goto(f"{live_server.url}/directory")
        assert page.evaluate("async () => (await window.directoryOffline.sync(true)).count") == len(staff_directory)
        context.route(re.compile(r".*/directory\?q=.*"), lambda route: route.abort())
        page.fill("#directory-q", "ㅈㅎㄴ")
        page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                               " return n && n.textContent === '정하늘'; }")
        assert page.locator("#snapshot-info").is_visible()
    finally:
        context.close()


def test_offline_search_speaks_the_readers_language(page, live_server, make_user, staff_directory):
    make_user("lee", locale="en")
    browser_login(page, live_server.url, "lee")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/directory")
    page.evaluate("async () => await window.directoryOffline.sync(false)")
    page.context.set_offline(True)
    page.fill("#directory-q", "ㄱㅁㅈ")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '김민준'; }")
    assert page.locator("#snapshot-info").inner_text().startswith("Offline copy of the contacts as of ")
    kim = page.locator("#directory-results li.contact").first
    assert kim.locator("a[href^='sms:']").inner_text() == "Text"
    assert "김민준" in kim.locator("a.btn-call").get_attribute("aria-label")
    assert not re.search(r"[가-힣]", kim.locator("a.btn-call").get_attribute("aria-label").replace("김민준", ""))
    page.fill("#directory-q", "정하늘")
    page.wait_for_function("() => { const n = document.querySelector('#directory-results .contact-name');"
                           " return n && n.textContent === '정하늘'; }")
    assert page.locator(".result-count").inner_text() == "1 result for ‘정하늘’ in the offline copy"
    screenshot(page, "directory-offline-english")
    page.fill("#directory-q", "없는사람")
    page.locator("#directory-results .empty").wait_for()
    assert page.locator("#directory-results .empty").inner_text().startswith("No contact in the offline copy")

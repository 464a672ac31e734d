"""The installable offline shell in a real Chromium: installability over CDP, the service
worker's offline answers, the offline directory and the update prompt."""
import re
import time

import pytest

from tests.browser.conftest import cache_keys, wait_for_controlling_worker
from tests.conftest import PHONE, axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_chromium_reports_the_app_installable(persistent_page, live_server, make_user):
    page = persistent_page
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
    assert manifest.get("errors", []) == []
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    screenshot(page, "pwa-installable-home")


def test_offline_navigation_is_served_by_the_service_worker(page, live_server, make_user, staff_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/more")  # opened online once, so kept for offline use
    page.context.set_offline(True)

    home = page.goto(f"{live_server.url}/")
    assert home.from_service_worker
    assert page.locator("h1").inner_text().endswith("안녕하세요")
    again = page.goto(f"{live_server.url}/more")
    assert again.from_service_worker and page.locator("h1").inner_text() == "더보기"

    # A tap on the bottom navigation (a boosted link) cannot reach the server, so it becomes a
    # real navigation that the worker answers.
    page.click("nav.bottom-nav >> text=홈")
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_function("() => document.querySelector('h1').textContent.endsWith('안녕하세요')")

    # A page never opened before gets the offline page, without a request reaching the server.
    never = page.goto(f"{live_server.url}/duty")
    assert never.from_service_worker
    assert page.locator("h1").inner_text() == "인터넷에 연결되어 있지 않습니다"
    screenshot(page, "pwa-offline-fallback")

    keys = cache_keys(page)
    assert "/offline" in keys
    assert [k for k in keys if re.fullmatch(r"/static/css/app\.[0-9a-f]{8}\.css", k)]
    assert [k for k in keys if re.fullmatch(r"/static/vendor/htmx\.min\.[0-9a-f]{8}\.js", k)]
    assert not [k for k in keys if re.match(r"^/(login|logout|admin|viewer|documents|api/(?!directory/snapshot))", k)]


def test_sign_out_removes_the_users_pages_and_directory_copy(page, live_server, make_user, staff_directory):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    page.goto(f"{live_server.url}/more")
    assert page.evaluate("async () => (await window.directoryOffline.sync(true)).count") == len(staff_directory)
    assert "/more" in cache_keys(page)
    page.click("form[action='/logout'] button[type=submit]")
    page.wait_for_url(re.compile(r"/login"))
    # The worker clears up alongside the sign-out request; wait for it rather than race it.
    page.wait_for_function("""async () => !(await caches.keys()).includes('pages-v1')
                              && !(await indexedDB.databases()).some(d => d.name === 'directory-offline')""")
    keys = cache_keys(page)
    assert "/more" not in keys and "/" not in keys and "/api/directory/snapshot" not in keys
    assert "/offline" in keys  # the shell itself holds nothing personal
    databases = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
    assert "directory-offline" not in databases


def test_update_prompt_appears_when_a_new_version_is_deployed(page, live_server, make_user, app):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    old_build = page.evaluate("async () => (await caches.keys()).find(n => n.startsWith('shell-'))")
    assert page.locator("#update-banner").is_hidden()

    app.config["VERSION"] = "0.1.1"  # a deploy: /sw.js now has other bytes
    page.reload()
    banner = page.locator("#update-banner")
    banner.wait_for(state="visible")
    assert "새 버전이 있습니다" in banner.inner_text()
    screenshot(page, "pwa-update-available")

    with page.expect_navigation():
        page.click("#update-reload")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.locator("#update-banner").is_hidden()
    builds = page.evaluate("async () => (await caches.keys()).filter(n => n.startsWith('shell-'))")
    assert builds == [builds[0]] and builds[0] != old_build and builds[0].startswith("shell-0.1.1-")


def test_admin_turns_mobile_numbers_off_for_the_offline_copy(page, live_server, make_user, staff_directory):
    make_user("boss", role="admin")
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/")
    page.click("#console-menu > summary")     # on a phone the console menu is collapsed
    page.click("text=오프라인 연락처")
    page.wait_for_url(f"{live_server.url}/admin/offline-directory")
    checkbox = page.get_by_label("오프라인 연락처에 휴대전화 번호 포함")
    assert checkbox.is_checked()
    assert axe_violations(page) == []
    checkbox.uncheck()
    page.click("button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert not page.get_by_label("오프라인 연락처에 휴대전화 번호 포함").is_checked()
    screenshot(page, "pwa-console-offline-setting")
    entries = page.evaluate("async () => (await window.directoryOffline.sync(true)).entries")
    assert len(entries) == len(staff_directory) and all("mobile" not in e for e in entries)


# The budget for the first load of the login page on a phone: HTML, stylesheets, scripts, icons and
# the service worker script, as the browser receives them (compressed, headers included).
LOGIN_BUDGET_BYTES = 60_000


def _wire_bytes(request) -> tuple[int, int]:
    """(encoded body, body + headers) of a finished request; (0, 0) for an answer from the browser's cache."""
    sizes = request.sizes()
    if sizes["responseBodySize"] + sizes["responseHeadersSize"] <= 0:
        return 0, 0
    # Chromium reports the worker script's body short; its Content-Length is what came over the wire.
    body = max(sizes["responseBodySize"], int(request.response().headers.get("content-length") or 0))
    return body, body + sizes["responseHeadersSize"]


def test_first_load_of_the_login_page_fits_the_budget(page, live_server):
    finished = []
    page.context.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"{live_server.url}/login")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")  # the worker is installed
    page.wait_for_load_state("networkidle")
    pulled = [r for r in finished if r.service_worker is None or r.url.endswith("/sw.js")]
    kinds = {r.resource_type for r in pulled}
    assert {"document", "stylesheet", "script"} <= kinds and any(r.url.endswith("/sw.js") for r in pulled)
    for request in pulled:
        if request.resource_type in ("stylesheet", "script") and _wire_bytes(request)[0]:
            assert request.response().headers.get("content-encoding") in ("br", "gzip"), request.url
    body = sum(_wire_bytes(r)[0] for r in pulled)
    wire = sum(_wire_bytes(r)[1] for r in pulled)
    install = sum(_wire_bytes(r)[1] for r in finished if r not in pulled)
    print(f"login first load: {body} B encoded bodies, {wire} B with headers; worker install {install} B more")
    assert 0 < body <= wire <= LOGIN_BUDGET_BYTES


def _offline_page_language(page) -> str | None:
    return page.evaluate("""async () => {
        const hit = await caches.match('/offline', {ignoreVary: true});
        return hit ? hit.headers.get('Content-Language') : null; }""")


def _wait_for_offline_page_in(page, lang: str, seconds: float = 10) -> None:
    # Polled from here: wait_for_function would take the async predicate's promise for a truthy answer.
    deadline = time.monotonic() + seconds
    while _offline_page_language(page) != lang:
        assert time.monotonic() < deadline, f"the worker kept the offline page in {_offline_page_language(page)}"
        page.wait_for_timeout(100)


def test_worker_keeps_the_offline_page_in_the_language_the_user_switches_to(page, live_server, make_user):
    make_user("kim")
    browser_login(page, live_server.url, "kim")
    wait_for_controlling_worker(page)
    assert _offline_page_language(page) == "ko"
    page.goto(f"{live_server.url}/more")
    page.click("button[name=lang][value=en]")  # a boosted form: only the body is swapped
    page.wait_for_function("() => document.querySelector('h1').textContent === 'More'")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    _wait_for_offline_page_in(page, "en")

    page.context.set_offline(True)
    never = page.goto(f"{live_server.url}/duty")
    assert never.from_service_worker
    assert page.locator("h1").inner_text() == "You are not connected to the internet"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    screenshot(page, "pwa-offline-fallback-en")

    # And back, chosen outside the page (as from another tab): the next full page load, in Korean,
    # brings the Korean offline page back.
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/more")
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    assert page.request.post(f"{live_server.url}/account/language", form={"lang": "ko", "csrf_token": token}).ok
    page.goto(f"{live_server.url}/more")
    assert page.locator("h1").inner_text() == "더보기"
    _wait_for_offline_page_in(page, "ko")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/duty")
    assert page.locator("h1").inner_text() == "인터넷에 연결되어 있지 않습니다"


def test_an_english_browser_gets_the_english_offline_page(browser, live_server):
    context = browser.new_context(bypass_csp=True, **{**PHONE, "locale": "en-US"})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login")
        wait_for_controlling_worker(page)
        assert _offline_page_language(page) == "en"
        page.context.set_offline(True)
        answer = page.goto(f"{live_server.url}/duty")
        assert answer.from_service_worker
        assert page.locator("h1").inner_text() == "You are not connected to the internet"
        assert page.locator("a.btn-primary").inner_text() == "Contact search"
        screenshot(page, "pwa-offline-english-browser")
    finally:
        context.close()

"""A real Chromium on a phone-sized screen: lazy pages, no PDF on the wire, blur, print block, watermark."""
import pytest

from tests.conftest import PHONE, axe_violations, browser_login, screenshot
from tests.viewer.conftest import KOREAN_HTML

PAGES = 6


def _long_html() -> bytes:
    # Inline styles are fine here: this HTML is laid out on the server, never served to a browser.
    sections = "".join(
        f'<section style="page-break-after: always"><h1>제{n}쪽 고양특례시 교통정책과 공지</h1>'
        f"<p>주민 여러분 안녕하십니까. {n}번째 안내입니다. "
        "불법 주정차 단속 계획과 대중교통 개편 일정을 알려 드립니다.</p>"
        f'<p style="font-size:30pt">가나다라마바사 {n}</p></section>' for n in range(1, PAGES + 1))
    return f'<!doctype html><html lang="ko"><meta charset="utf-8"><body>{sections}</body></html>'.encode()


@pytest.fixture
def strict_page(browser):
    """A phone page that enforces the real CSP (the shared ``page`` fixture bypasses it for axe)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.browser
def test_reader_scrolls_a_watermarked_document(strict_page, live_server, make_user, departments, add_document):
    page = strict_page
    make_user("reader", display_name="김민준", employee_no="2019-0123", department_id=departments["교통정책과"].id)
    document = add_document("notice.html", _long_html(), title="교통 공지")
    assert document.page_count == PAGES
    responses, csp_errors = [], []
    page.on("response", lambda r: responses.append((r.url, r.headers.get("content-type", ""), r.status,
                                                    r.headers.get("cache-control", ""))))
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    browser_login(page, live_server.url, "reader")

    # 문서함 from the 더보기 menu (an htmx-boosted navigation: the list is styled at once, by app.css).
    page.goto(f"{live_server.url}/more")
    page.click("a[href='/documents']")
    page.wait_for_url(f"{live_server.url}/documents")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.doc-item')).display") == "flex"
    page.click("text=교통 공지")
    page.wait_for_url(f"{live_server.url}/viewer/{document.id}")
    page.wait_for_function("() => document.querySelectorAll('img.page-img').length >= 1")
    page.wait_for_function("() => Array.from(document.querySelectorAll('img.page-img')).every(i => i.complete)")
    first_count = page.locator("img.page-img").count()
    assert 1 <= first_count < PAGES, "pages must load as the reader scrolls, not all at once"

    screenshot(page, "viewer_phone_top")

    # Scroll down: the remaining pages are fetched as they are revealed.
    for _ in range(40):
        if page.locator("img.page-img").count() == PAGES:
            break
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(150)
    page.wait_for_function(f"() => document.querySelectorAll('img.page-img').length === {PAGES}")
    page.wait_for_function("() => Array.from(document.querySelectorAll('img.page-img'))"
                           ".every(i => i.complete && i.naturalWidth === 1080)")
    assert int(page.text_content("#current-page")) > 1

    # Jump to a page, then switch to the larger zoom level.
    page.fill("#jump-to", "2")
    page.click("#jump-form button")
    assert page.text_content("#current-page") == "2"
    page.click("#zoom-toggle")
    page.wait_for_function("() => Array.from(document.querySelectorAll('img.page-img'))"
                           ".every(i => i.complete && i.naturalWidth === 1620)")
    assert page.get_attribute("#zoom-toggle", "aria-pressed") == "true"
    page.click("#zoom-toggle")
    page.wait_for_function("() => Array.from(document.querySelectorAll('img.page-img'))"
                           ".every(i => i.complete && i.naturalWidth === 1080)")

    # Deterrents: context menu and selection are cancelled.
    prevented = page.evaluate("""() => {
        const img = document.querySelector('img.page-img');
        const menu = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});
        const select = new Event('selectstart', {bubbles: true, cancelable: true});
        img.dispatchEvent(menu); document.querySelector('.viewer-title').dispatchEvent(select);
        return [menu.defaultPrevented, select.defaultPrevented,
                getComputedStyle(document.querySelector('.viewer')).userSelect];
    }""")
    assert prevented == [True, True, "none"]

    # Blur when the window loses focus or the app is hidden.
    blur = "() => getComputedStyle(document.getElementById('viewer')).filter"
    assert page.evaluate(blur) == "none"
    page.evaluate("() => window.dispatchEvent(new Event('blur'))")
    assert "blur" in page.evaluate(blur)
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    assert page.evaluate(blur) == "none"
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    assert "blur" in page.evaluate(blur)
    assert page.evaluate("() => document.body.classList.contains('viewer-concealed')")
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', {value: false, configurable: true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    assert page.evaluate(blur) == "none"

    # Printing shows only the notice.
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.getElementById('viewer')).display") == "none"
    assert page.is_visible("text=인쇄할 수 없습니다")
    page.emulate_media(media="screen")

    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "viewer_phone")

    # The network log: page images only, never a PDF or the original.
    assert not [r for r in responses if "application/pdf" in r[1] or r[0].split("?")[0].endswith(".pdf")]
    images = [r for r in responses if "/img/" in r[0]]
    assert len(images) >= 2 * PAGES
    assert all(r[1] == "image/jpeg" and r[2] == 200 and "no-store" in r[3] for r in images)
    assert csp_errors == []


@pytest.mark.browser
def test_documents_and_viewer_are_accessible(page, live_server, make_user, add_document):
    make_user("reader", display_name="김민준")
    document = add_document("notice.html", KOREAN_HTML.encode(), title="접근성 공지")
    browser_login(page, live_server.url, "reader")
    page.goto(f"{live_server.url}/documents")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/viewer/{document.id}")
    page.wait_for_function("() => document.querySelectorAll('img.page-img').length >= 1")
    assert axe_violations(page) == []


@pytest.mark.browser
def test_a_page_that_fails_to_load_offers_a_retry(strict_page, live_server, make_user, add_document):
    page = strict_page
    make_user("reader", display_name="김민준")
    document = add_document("notice.html", KOREAN_HTML.encode(), title="재시도 공지")
    failures = []

    def first_image_fails(route):
        if not failures:
            failures.append(route.request.url)
            route.fulfill(status=503, content_type="text/html", body="<p>busy</p>")
        else:
            route.continue_()

    page.route("**/img/**", first_image_fails)
    browser_login(page, live_server.url, "reader")
    page.goto(f"{live_server.url}/viewer/{document.id}")
    page.wait_for_selector(".page-retry")
    assert page.is_visible("text=이 쪽을 불러오지 못했습니다.")
    # The failed page keeps its shape: the slot is as tall as a page, not collapsed to the message.
    assert page.evaluate("() => document.querySelector('.page-failed').getBoundingClientRect().height") > 400
    screenshot(page, "viewer_retry")
    page.click(".page-retry")
    page.wait_for_function("() => { const i = document.querySelector('img.page-img');"
                           " return i && i.complete && i.naturalWidth === 1080; }")
    assert len(failures) == 1 and page.locator(".page-failed").count() == 0

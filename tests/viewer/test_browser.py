"""A real Chromium on a phone-sized screen: lazy pages, no PDF on the wire, blur, print block, watermark."""
import pytest

from tests.conftest import ARTIFACTS, PHONE, axe_violations, browser_login, screenshot
from tests.viewer.conftest import KOREAN_HTML

PAGES = 6


def _long_html(pages: int = PAGES) -> bytes:
    # Inline styles are fine here: this HTML is laid out on the server, never served to a browser.
    sections = "".join(
        f'<section style="page-break-after: always"><h1>제{n}쪽 고양특례시 교통정책과 공지</h1>'
        f"<p>주민 여러분 안녕하십니까. {n}번째 안내입니다. "
        "불법 주정차 단속 계획과 대중교통 개편 일정을 알려 드립니다.</p>"
        f'<p style="font-size:30pt">가나다라마바사 {n}</p></section>' for n in range(1, pages + 1))
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
    # 374 CSS px at devicePixelRatio 2: the 720 px width, not more than the screen shows.
    page.wait_for_function("() => Array.from(document.querySelectorAll('img.page-img'))"
                           ".every(i => i.complete && i.naturalWidth === 720)")
    assert int(page.text_content("#current-page")) > 1

    # Jump to a page, then zoom to 200 % (the pages near the screen come at 1440 px) and back.
    page.fill("#jump-to", "2")
    page.click("#jump-form button")
    assert page.text_content("#current-page") == "2"
    page.click(".zoom-btn[data-zoom='2']")
    page.wait_for_function("() => document.querySelector('#page-2 img.page-img').naturalWidth === 1440")
    assert page.get_attribute(".zoom-btn[data-zoom='2']", "aria-pressed") == "true"
    assert page.text_content("#current-page") == "2"
    page.click(".zoom-btn[data-zoom='1']")
    assert page.get_attribute(".zoom-btn[data-zoom='1']", "aria-pressed") == "true"

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
    assert len(images) >= PAGES + 1
    # Chromium takes WebP, so that is what it gets.
    assert all(r[1] == "image/webp" and r[2] == 200 and "no-store" in r[3] for r in images)
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
                           " return i && i.complete && i.naturalWidth === 720; }")
    assert len(failures) == 1 and page.locator(".page-failed").count() == 0


# Where the reader is: the page under the middle of the visible area (below the sticky bars), and how far
# down that page the middle is — the same point static/js/viewer.js keeps in place when zooming.
READING = """() => {
    const bar = document.querySelector('.viewer-bar').getBoundingClientRect().bottom;
    const y = (Math.max(bar, 0) + window.innerHeight) / 2;
    const pages = Array.from(document.querySelectorAll('.page'));
    const li = pages.find(p => p.getBoundingClientRect().bottom > y) || pages[pages.length - 1];
    const r = li.getBoundingClientRect();
    return {page: Number(li.dataset.page), down: (y - r.top) / r.height,
            scale: document.querySelector('.pages').getBoundingClientRect().width
                   / document.querySelector('.pages-wrap').clientWidth};
}"""
LOADED = """([n, width]) => { const i = document.querySelector(`#page-${n} img.page-img`);
    return !!i && i.complete && i.naturalWidth === width; }"""
PINCH = """([from, to]) => {
    const wrap = document.querySelector('.pages-wrap');
    const box = wrap.getBoundingClientRect(), cx = box.left + box.width / 2, cy = window.innerHeight * 0.6;
    const touches = d => [0, 1].map(i => new Touch({identifier: i, target: wrap,
        clientX: cx + (i ? d : -d) / 2, clientY: cy}));
    const fire = (type, list) => wrap.dispatchEvent(new TouchEvent(type, {touches: list, targetTouches: list,
        changedTouches: list, bubbles: true, cancelable: true}));
    fire('touchstart', touches(from));
    for (let k = 1; k <= 5; k++) fire('touchmove', touches(from + (to - from) * k / 5));
    fire('touchend', []);
}"""


@pytest.mark.browser
def test_zoom_keeps_the_page_being_read(page, live_server, make_user, departments, add_document):
    """Issue 12: 확대 jumped from page 10 to page 7, which then stayed on "불러오는 중" until a scroll."""
    make_user("reader", display_name="김민준", employee_no="2019-0123", department_id=departments["교통정책과"].id)
    document = add_document("long.html", _long_html(12), title="열두 쪽 공지")
    browser_login(page, live_server.url, "reader")
    page.goto(f"{live_server.url}/viewer/{document.id}")
    page.fill("#jump-to", "10")
    page.click("#jump-form button")
    page.mouse.wheel(0, 120)                       # part-way into page 10
    page.wait_for_function(LOADED, arg=[10, 720])  # 374 CSS px × devicePixelRatio 2 → 720
    before = page.evaluate(READING)
    assert before["page"] == 10 and 0 < before["down"] < 1

    # 200 %: the same page at the same height, and its 1440 px image at once (no scroll needed).
    page.click(".zoom-btn[data-zoom='2']")
    after = page.evaluate(READING)
    assert after["page"] == 10 and abs(after["down"] - before["down"]) < 0.02, (before, after)
    assert abs(after["scale"] - 2) < 0.05
    page.wait_for_function(LOADED, arg=[10, 1440], timeout=4000)
    assert page.text_content("#current-page") == "10"
    assert page.evaluate(READING)["page"] == 10          # the sharper image did not move anything
    assert page.locator("#page-10 .page-slot").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "viewer_zoom_200.png"))   # the screen as read (a full-page shot scrolls)

    # 150 % (1080 px) and back to 맞춤: still page 10; the fit-width image was kept, not fetched again.
    page.click(".zoom-btn[data-zoom='1.5']")
    page.wait_for_function(LOADED, arg=[10, 1440])       # 374 × 1.5 × 2 → 1080; 1440 is already sharper
    assert page.evaluate(READING)["page"] == 10
    page.click(".zoom-btn[data-zoom='1']")
    fit = page.evaluate(READING)
    assert fit["page"] == 10 and abs(fit["down"] - before["down"]) < 0.02 and abs(fit["scale"] - 1) < 0.01

    # Pinch on the phone: two fingers spread from 100 to 160 px → 160 %, page 10 stays under them.
    page.evaluate(PINCH, [100, 160])
    pinched = page.evaluate(READING)
    assert abs(pinched["scale"] - 1.6) < 0.05 and pinched["page"] == 10, pinched
    assert page.get_attribute(".zoom-btn[data-zoom='1']", "aria-pressed") == "false"
    page.wait_for_function("() => document.querySelectorAll('img.page-img').length >= 3")
    widths = page.evaluate("() => Array.from(document.querySelectorAll('img.page-img'), i => +i.dataset.width)")
    assert max(widths) <= 1440          # 374 × 1.6 × 2 = 1197 → 1440 at most, never the 2160 of 200 % at 3

    # No page failed, and the zoomed viewer passes axe.
    assert page.locator(".page-failed").count() == 0
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "viewer_pinch.png"))

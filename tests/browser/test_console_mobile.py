"""The console on a phone (390x844): no page is wider than the screen (wide tables scroll in their own box),
the menu is a collapsed disclosure, department names wrap between words; axe finds nothing serious.
On a desktop the menu stays open beside the page. Screenshots go to tests/artifacts/console-mobile-*.png."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.accounts import issue_token
from core.audit import record
from core.models.calls import Call
from core.models.documents import Document
from core.models.lettering import Line
from core.models.organization import Department
from core.timeutil import utcnow
from extensions import db
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser

LONG_DEPARTMENTS = ("마두1동 행정복지센터", "일산동구 도시교통국 대중교통과", "고양특례시 정보통신과")
PAGES = {
    "home": "/admin/",
    "users": "/admin/users",
    "audit": "/admin/audit",
    "directory-import": "/admin/directory/import",
    "lettering-calls": "/admin/lettering/calls",
    "lettering-lines": "/admin/lettering/lines",
    "documents": "/admin/documents",
}
# The number of line boxes of each department cell's text (a Range's client rects, one per line).
DEPARTMENT_CELL_LINES = """(column) => [...document.querySelectorAll('table tbody tr')].map(tr => {
    const cell = tr.children[column];
    if (!cell || !cell.textContent.trim()) return null;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return {text: cell.textContent.trim(), lines: tops.size};
}).filter(Boolean)"""


@pytest.fixture
def console_data(make_user):
    """Enough of everything that every console page has wide rows to show."""
    departments = []
    for i, name in enumerate(LONG_DEPARTMENTS):
        dept = Department(organization="고양특례시", parent="도시교통국", name=name, search_key=name)
        db.session.add(dept)
        db.session.flush()
        departments.append(dept)
        line = Line(number=f"+8231807595{i:02d}", extension=f"30{i:02d}", department_id=dept.id,
                    department_name=name, message="버스·택시 노선 개편 관련 민원 안내 전화입니다")
        db.session.add(line)
        db.session.flush()
        for j in range(3):
            db.session.add(Call(call_id=f"c-{i}-{j}", line_id=line.id, department_id=dept.id,
                                line_number=line.number, peer_masked="010-****-5678",
                                lettering_status=("accepted", "unsupported_device", "not_subscriber")[j],
                                outcome="answered", fallback_decision="send", fallback_reason="unsupported_device",
                                alimtalk_status="delivered", created_at=utcnow() - timedelta(minutes=i * 3 + j)))
    db.session.add(Document(title="2026년 고양특례시 대중교통 노선 개편 기본계획 (시민 의견 수렴 결과 포함)",
                            original_name="노선개편_기본계획_최종.pdf", original_type="pdf", sha256="0" * 64,
                            status="ready", page_count=12, department_id=departments[1].id))
    db.session.commit()
    boss = make_user("boss", role="admin", display_name="정하늘")
    for i, dept in enumerate(departments):
        user = make_user(f"staff.member{i}", display_name="김민준", department_id=dept.id)
        issue_token(db.session, user, "laptop")
        record(db.session, "admin.user.role", user=boss, target=user.username,
               user_agent="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36")
    db.session.commit()
    return departments


def test_console_pages_fit_a_phone(page, live_server, console_data):
    browser_login(page, live_server.url, "boss")
    assert page.url == f"{live_server.url}/admin/"              # admins land on the console
    for name, path in PAGES.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
        assert axe_violations(page) == [], path
        screenshot(page, f"console-mobile-{name}")
    # A wide table scrolls inside its own box rather than widening the page.
    page.goto(f"{live_server.url}/admin/lettering/calls")
    box = page.evaluate("""() => { const wrap = document.querySelector('.table-wrap');
        return {client: wrap.clientWidth, scroll: wrap.scrollWidth, overflow: getComputedStyle(wrap).overflowX}; }""")
    assert box["overflow"] == "auto" and box["client"] <= 390 and box["scroll"] > box["client"]
    # Department names break between words (keep-all), never one letter a line.
    cells = page.evaluate(DEPARTMENT_CELL_LINES, 2)
    assert {c["text"] for c in cells} == set(LONG_DEPARTMENTS)
    for cell in cells:
        assert cell["lines"] <= len(cell["text"].split()), cell


def test_the_console_menu_is_a_disclosure_on_a_phone(page, live_server, console_data):
    browser_login(page, live_server.url, "boss")
    summary = page.locator("#console-menu > summary")
    users_link = page.locator(".console-nav a[href='/admin/users']")
    assert summary.is_visible() and not users_link.is_visible()
    first_heading = page.locator(".console-body h1").bounding_box()
    assert first_heading["y"] < 844 / 2            # the page's own content is on the first screen
    summary.click()
    assert users_link.is_visible()
    assert page.locator(".console-nav a[aria-current='page']").inner_text() == "개요"
    assert axe_violations(page) == []
    screenshot(page, "console-mobile-menu-open")
    users_link.click()
    page.wait_for_url(f"{live_server.url}/admin/users")
    assert not page.locator(".console-nav a[href='/admin/users']").is_visible()    # closed again after choosing


def test_the_console_menu_stays_open_on_a_desktop(page, live_server, console_data):
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server.url, "boss")
    assert page.locator(".console-nav a[href='/admin/users']").is_visible()
    assert not page.locator("#console-menu > summary").is_visible()
    page.locator(".console-nav a[href='/admin/audit']").click()      # a boosted navigation keeps it open
    page.wait_for_url(f"{live_server.url}/admin/audit")
    assert page.locator(".console-nav a[href='/admin/users']").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "console-desktop-audit")
    page.get_by_role("button", name="English").click()             # the console's language switch
    page.wait_for_function("() => document.querySelector('h1').textContent === 'Audit log'")
    assert page.url == f"{live_server.url}/admin/audit" and page.evaluate("() => document.documentElement.lang") == "en"


def test_an_admin_resets_a_password_on_a_phone(page, live_server, console_data):
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/users?q=member1")
    page.get_by_role("link", name="staff.member1").click()
    page.wait_for_selector("text=API 토큰")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="비밀번호 초기화").click()
    secret = page.locator("#new-password")
    secret.wait_for()
    assert len(secret.inner_text()) == 19
    assert re.fullmatch(rf"{live_server.url}/admin/users/\d+", page.url)    # the account's own address
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    screenshot(page, "console-mobile-password-once")
    password = secret.inner_text()
    page.get_by_role("link", name="사용자 목록").click()                 # a boosted navigation away
    page.wait_for_url(f"{live_server.url}/admin/users")
    stored = page.evaluate("() => JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
    assert "htmx-history-cache" in stored and password not in stored   # htmx kept no copy of the password
    page.go_back()
    page.wait_for_selector("text=API 토큰")
    assert page.locator("#new-password").count() == 0                   # shown once
    page.reload()
    assert page.locator("#new-password").count() == 0


def test_the_desktop_menu_shows_without_javascript(browser, live_server, console_data):
    """Chromium shows a closed <details>' content through ::details-content: no closed-menu flash."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900},
                                  locale="ko-KR", timezone_id="Asia/Seoul")
    page = context.new_page()
    try:
        browser_login(page, live_server.url, "boss")
        assert page.locator("#console-menu").get_attribute("open") is None
        assert page.locator(".console-nav a[href='/admin/users']").is_visible()
        assert not page.locator("#console-menu > summary").is_visible()
    finally:
        context.close()

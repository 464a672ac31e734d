"""The console's lines in a real phone-sized Chromium: editing after a search (issue 11).

Typing a search and pressing 편집 while the search was still loading made 저장 fail silently with a 405: the
search's late answer pushed its own URL into the address bar, and the edit form (no action) posted there.
The server holds the search's answer until the edit page is open, so the race is the same on every run."""
from __future__ import annotations

import threading

import pytest
from flask import request

from core.models.lettering import Line
from extensions import db
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def held_search(app):
    """The list's htmx search waits for ``release`` before it answers; ``entered`` is set when it waits."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        if request.path == "/admin/lettering/lines" and request.args.get("q") and request.headers.get("HX-Request"):
            entered.set()
            release.wait(30)

    app.before_request_funcs.setdefault(None, []).insert(0, hold)
    yield entered, release
    release.set()


def test_edit_after_a_search_that_is_still_loading_saves(app, page, live_server, make_user, lines, held_search):
    entered, release = held_search
    make_user("boss", role="admin")
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/lettering/lines")
    page.get_by_label("검색", exact=True).fill("세정")
    page.keyboard.press("End")  # a keyup, as typing gives
    assert entered.wait(10), "the search never started"
    settled = []  # the search request's end: aborted (the fix) or answered
    page.on("requestfailed", lambda r: settled.append("failed") if "q=" in r.url else None)
    page.on("requestfinished", lambda r: settled.append("finished") if "q=" in r.url else None)
    page.get_by_role("link", name="편집 031-8075-9571").click()
    page.wait_for_selector("h1:has-text('회선 편집')")
    release.set()
    if not settled:
        page.wait_for_event("requestfinished", lambda r: "q=" in r.url)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")  # its swap ran
    # Whatever the late search did, the address bar and the form stay on the edit page.
    assert page.url.endswith(f"/admin/lettering/lines/{lines[0].id}")
    page.get_by_label("안내문구").fill("버스 노선 개편 안내 전화입니다")
    screenshot(page, "lettering-line-edit-after-search")
    assert axe_violations(page) == []
    page.get_by_role("button", name="저장").click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.get(Line, lines[0].id).message == "버스 노선 개편 안내 전화입니다"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Back on the list (the saved line's search): its live status columns and the bulk actions.
    page.wait_for_selector("#line-bulk")
    assert axe_violations(page) == []
    # A number never wraps in the table on a phone (without nowrap its cell was four lines high).
    lines_of_text = page.evaluate("[...document.querySelectorAll('td.line-number')].map(td => { "
                                  "const r = document.createRange(); r.selectNodeContents(td); "
                                  "return r.getClientRects().length; })")
    assert lines_of_text and set(lines_of_text) == {1}
    page.get_by_label("선택 031-8075-9571").check()
    page.get_by_text("일괄 작업").click()
    page.get_by_label("작업").select_option("disable")
    screenshot(page, "lettering-lines-bulk")
    page.get_by_role("button", name="적용").click()
    page.wait_for_selector("h1:has-text('회선 일괄 작업')")
    assert "변경" in page.inner_text(".result")
    db.session.expire_all()
    assert not db.session.get(Line, lines[0].id).active and db.session.get(Line, lines[1].id).active

"""더보기 on a 390 px phone: the language buttons and 로그아웃 line up on one left edge, with touch targets of
at least 44 px, and axe finds nothing serious; the English page reads the same way."""
from __future__ import annotations

import pytest

from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def test_language_buttons_and_sign_out_line_up(page, live_server, make_user):
    make_user("kim", display_name="김민준")
    browser_login(page, live_server.url, "kim")
    for language in ("ko", "en"):
        page.goto(f"{live_server.url}/more")
        if language == "en":
            page.click("button[name=lang][value=en]")
            page.wait_for_selector("button[name=lang][value=en][aria-pressed=true]")
        korean, english = _box(page, "button[name=lang][value=ko]"), _box(page, "button[name=lang][value=en]")
        sign_out = _box(page, "form[action='/logout'] button")
        label = _box(page, "#lang-label")
        assert abs(label["x"] - sign_out["x"]) <= 1, (label, sign_out)     # one left edge
        assert abs(korean["y"] - english["y"]) <= 1                        # the two side by side
        assert min(korean["height"], english["height"], sign_out["height"]) >= 44
        assert korean["x"] + korean["width"] <= english["x"] and english["x"] + english["width"] <= 390
        assert axe_violations(page) == []
        screenshot(page, f"more-{language}")

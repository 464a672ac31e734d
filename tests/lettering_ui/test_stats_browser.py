"""The statistics page on a phone: a month of demo history, the lift's sentence and interval, the week view,
the CSV link with the same filters; axe-core finds no serious violation; screenshots are kept."""
from __future__ import annotations

import re

import pytest

from core.lettering.demo_history import seed_history
from extensions import db
from tests.conftest import axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_a_manager_reads_the_lift_on_a_phone_and_downloads_the_csv(app, page, live_server, make_user, lines, clock):
    clock.set_kst(2026, 3, 4, 22)                      # in the quiet hours: the history is there all the same
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    seed_history(db.session, app.config, 30)
    db.session.commit()
    make_user("boss", role="admin")
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/lettering/stats?days=30")
    headline = page.inner_text(".lift-headline")
    assert re.search(r"레터링한 통화는 홀드아웃 통화보다 \d+\.\d%p 더 많이 응답받았습니다", headline), headline
    assert re.search(r"95% 신뢰구간: \+\d+\.\d ~ \+\d+\.\d%p", headline), headline
    assert page.locator("svg[role=img]").count() == 6
    assert page.locator("#lift-dept-caption").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390   # no sideways page on a phone
    assert axe_violations(page) == []
    screenshot(page, "lettering-stats-phone")
    page.select_option("select[name=period]", "week")
    page.get_by_role("button", name="보기").click()
    page.wait_for_url(re.compile(r"period=week"))
    weeks = page.locator("#chart-calls tbody th").all_text_contents()
    assert 4 <= len(weeks) <= 6 and all(w.endswith("~") for w in weeks)   # 30 days in weeks from Monday
    link = page.get_by_role("link", name="CSV 내려받기")
    assert "period=week" in link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), encoding="utf-8-sig") as downloaded:
        body = downloaded.read()
    assert body.startswith("차트,기간,항목,값") and "레터링 효과: 시 전체" in body
    assert axe_violations(page) == []
    screenshot(page, "lettering-stats-phone-week")

"""The AlimTalk template page on a phone-sized Chromium: the red banner while the fallback template waits for
review, the checker and the KakaoTalk preview following what the admin types (htmx), recording 승인 ends the
banner; axe-core finds no serious violation, nothing scrolls sideways, and a screenshot is kept."""
from __future__ import annotations

import pytest

from core.demo.lettering import TEMPLATE_BODY, TEMPLATE_BUTTONS
from core.lettering.optout import CODE_TEMPLATE, CODE_TEMPLATE_BODY
from core.models.lettering import AlimTalkTemplate
from extensions import db
from tests.conftest import ARTIFACTS, axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_checks_previews_and_approves_a_template_on_a_phone(page, live_server, make_user):
    make_user("boss", role="admin")
    row = AlimTalkTemplate(code="GY_MISSED_CALL", name="부재중 전화 안내", body=TEMPLATE_BODY,
                           buttons=list(TEMPLATE_BUTTONS), status="pending")
    db.session.add_all([row, AlimTalkTemplate(code=CODE_TEMPLATE, name="인증번호", body=CODE_TEMPLATE_BODY,
                                              buttons=[], status="approved")])
    db.session.commit()
    browser_login(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/admin/lettering/templates/{row.id}")
    banner = page.locator("#alimtalk-banner")
    assert "GY_MISSED_CALL이(가) 승인 상태가 아닙니다(현재: 검수요청)" in banner.inner_text()
    assert banner.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"  # --danger
    check = page.locator("#template-check")
    assert "문제가 없습니다" in check.inner_text()

    body = page.get_by_label("본문")
    body.fill("[#{기관명}] 겨울철 할인 안내 #{고객명}")
    page.wait_for_function("document.querySelector('#template-check').innerText.includes('광고성 표현')")
    assert "#{고객명}" in check.inner_text()
    assert "[고양특례시] 겨울철 할인 안내" in page.locator(".kakao-text").inner_text()
    assert axe_violations(page) == []
    check.screenshot(path=str(ARTIFACTS / "alimtalk-template-problems.png"))
    body.fill("[#{기관명}] 겨울철 안전 안내\n#{부서명}에서 #{발신번호}로 전화드렸습니다.")
    page.wait_for_function("document.querySelector('#template-check').innerText.includes('문제가 없습니다')")
    assert page.locator(".kakao-text").inner_text() == ("[고양특례시] 겨울철 안전 안내\n"
                                                        "교통정책과에서 031-8075-1234로 전화드렸습니다.")
    assert page.locator(".kakao-head").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(254, 229, 0)"
    assert page.locator(".kakao-button").all_inner_texts() == ["기관 확인", "안내 보기", "수신 거부"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".kakao-phone").bounding_box()["width"] <= page.viewport_size["width"]
    assert axe_violations(page) == []
    page.locator(".kakao-phone").scroll_into_view_if_needed()
    screenshot(page, "alimtalk-template-phone")

    # Kakao approved the version under review (the edit above was never saved): record it.
    page.reload()
    page.get_by_label("기록할 검수 상태").select_option("approved")
    page.get_by_role("button", name="상태 기록").click()
    page.wait_for_selector(".flash-success")
    assert "승인(으)로 기록했습니다" in page.inner_text(".flash-success")
    assert page.locator("#alimtalk-banner").count() == 0
    assert page.locator("#template-status").inner_text() == "승인"
    db.session.expire_all()
    assert db.session.get(AlimTalkTemplate, row.id).status == "approved"
    assert axe_violations(page) == []

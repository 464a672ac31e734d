"""The opt-out by a typed number and its one-time code in a real phone-sized Chromium: a citizen opts out, then
proves the number with the code the Kakao simulator received and undoes it; axe-core finds no serious
violation on any step, and screenshots are kept."""
from __future__ import annotations

import pytest

from core.lettering.optout import is_opted_out
from core.privacy import phone_hash
from extensions import db
from tests.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def test_a_citizen_opts_out_and_undoes_it_with_a_code_on_a_phone(app, page, live_server, sim, drain, clock):
    hashed = phone_hash("+821024681357", app.config["PHONE_HASH_KEY"])
    page.goto(f"{live_server.url}/optout")
    assert axe_violations(page) == []
    screenshot(page, "optout-number")
    page.get_by_label("휴대전화 번호").fill("010-2468-1357")
    page.get_by_role("button", name="수신 거부하기").click()
    page.wait_for_selector("text=수신 거부를 접수했습니다")
    assert is_opted_out(db.session, hashed)
    assert axe_violations(page) == []
    screenshot(page, "optout-number-done")

    page.get_by_role("link", name="수신 거부 화면으로").click()
    page.get_by_label("휴대전화 번호").fill("010-2468-1357")
    page.get_by_role("button", name="인증번호 받고 상태 확인·취소하기").click()
    page.wait_for_selector("text=010-****-1357 번호의 카카오톡으로 인증번호 6자리를 보냈습니다.")
    assert "수신 거부 상태입니다" not in page.content()
    assert axe_violations(page) == []
    screenshot(page, "optout-code")
    drain()
    [message] = [r for r in sim.requests("kakao") if r["body"]["templateCode"] == "GY_OPTOUT_CODE"]
    code = message["body"]["recipientList"][0]["templateParameter"]["인증번호"]

    page.get_by_label("인증번호").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="확인").click()
    page.wait_for_selector("text=4번 더 입력할 수 있습니다")
    assert page.get_by_label("인증번호").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    screenshot(page, "optout-code-wrong")
    page.get_by_label("인증번호").fill(code)
    page.get_by_role("button", name="확인").click()
    page.wait_for_selector("text=수신 거부 상태입니다")
    assert "010-****-1357" in page.content()
    page.get_by_role("button", name="수신 거부 취소하기").click()
    page.wait_for_selector("text=수신 거부를 취소했습니다")
    db.session.expire_all()
    assert not is_opted_out(db.session, hashed)
    assert axe_violations(page) == []
    screenshot(page, "optout-code-undone")

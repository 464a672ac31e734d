"""The card on a phone in Chromium: the public page (no login), 내 명함 with its full-screen QR (decoded back from
the screenshot), the no-script QR page, sharing; axe-core on each, screenshots under tests/artifacts/."""
from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from core import cards
from extensions import db
from tests.conftest import ARTIFACTS, PHONE, axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def test_public_card_page_on_a_phone(page, live_server, directory):
    card = cards.ensure_card(db.session, directory["person"].id)
    cards.save_policy_link(db.session, label="고양 청년 월세 지원", url="https://www.goyang.go.kr/policy/1",
                           enabled=True)
    db.session.commit()
    page.goto(f"{live_server.url}/c/{card.token}")
    assert page.locator("h1").inner_text().startswith("남궁민수")
    assert page.locator("a[href='tel:+823180755101']").is_visible()
    assert page.locator("a[href='mailto:mnamgung@goyang.go.kr']").is_visible()
    assert page.get_by_role("link", name="고양 청년 월세 지원").is_visible()
    assert page.locator("img.bcard-logo").evaluate("img => img.naturalWidth") > 0
    assert page.locator("text=010-5510-1234").count() == 0            # the mobile is hidden by default
    assert axe_violations(page) == []
    screenshot(page, "cards-public")
    with page.expect_download() as download:
        page.get_by_role("link", name="연락처에 추가").click()
    text = download.value.path().read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and "N:남궁;민수;;;" in text
    page.goto(f"{live_server.url}/c/NoSuchTok")
    assert "명함을 찾을 수 없습니다" in page.locator("h1").inner_text()
    assert axe_violations(page) == []


def test_my_card_full_screen_qr_and_share(page, live_server, owner, directory):
    page.add_init_script("""navigator.share = (data) => { window.__shared = data; return Promise.resolve(); };""")
    browser_login(page, live_server.url, "namgung")
    page.goto(f"{live_server.url}/more")
    page.get_by_role("link", name="내 명함").click()
    page.wait_for_url(f"{live_server.url}/cards/me")
    card = cards.card_of_person(db.session, directory["person"].id)
    page.locator("#bcard-share").wait_for(state="visible")       # shown once cards.js runs
    assert axe_violations(page) == []
    screenshot(page, "cards-mine")

    page.get_by_role("link", name="QR 전체 화면").click()
    page.wait_for_function("() => document.fullscreenElement && document.fullscreenElement.id === 'bcard-qr-panel'")
    page.wait_for_function("() => document.querySelector('#bcard-qr-panel img').complete")
    assert page.evaluate("() => document.activeElement.id") == "bcard-qr-close"
    assert axe_violations(page) == []
    # Not a full-page screenshot: resizing the viewport for one would leave full screen.
    shot = ARTIFACTS / "cards-fullscreen-qr.png"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    assert page.evaluate("() => document.fullscreenElement !== null")
    # A colleague's camera: the QR on the screen reads back as the card's short URL.
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(shot))] == [
        f"http://127.0.0.1:5000/c/{card.token}?s=qr"]
    page.get_by_role("button", name="닫기").click()
    page.wait_for_function("() => !document.fullscreenElement")
    page.locator("#bcard-qr-panel").wait_for(state="hidden")  # hidden on fullscreenchange, just after

    page.get_by_role("button", name="공유하기").click()
    shared = page.evaluate("() => window.__shared")
    assert shared["url"] == f"http://127.0.0.1:5000/c/{card.token}" and "남궁민수" in shared["title"]


def test_full_screen_qr_without_script(browser, live_server, owner, directory, tmp_path):
    context = browser.new_context(bypass_csp=True, java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        browser_login(page, live_server.url, "namgung")
        page.goto(f"{live_server.url}/cards/me")
        page.get_by_role("link", name="QR 전체 화면").click()
        page.wait_for_url(f"{live_server.url}/cards/me/qr")
        shot = tmp_path / "nojs.png"
        page.screenshot(path=str(shot))
        screenshot(page, "cards-qr-no-script")
        card = cards.card_of_person(db.session, directory["person"].id)
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(shot))] == [
            f"http://127.0.0.1:5000/c/{card.token}?s=qr"]
    finally:
        context.close()

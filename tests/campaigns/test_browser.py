"""A PR officer on a phone-sized Chromium: creates a winter-safety campaign for 안전총괄과 with two card-news
images and a YouTube link, previews the after-call screen and the landing page, starts it, and the next call
from the department's line carries it. axe-core finds no serious violation; screenshots are kept."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from core.lettering.campaigns import active_campaign_for
from core.lettering.dispatch import lettering_request
from core.models.calls import Call
from core.models.lettering import Campaign
from core.timeutil import utcnow
from extensions import db
from tests.conftest import ARTIFACTS, axe_violations, browser_login, screenshot

pytestmark = pytest.mark.browser


def _card(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1080, 1080), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def test_a_pr_officer_creates_previews_and_starts_a_campaign(page, app, live_server, make_user, departments,
                                                             lines, tmp_path):
    app.config["CAMPAIGN_MEDIA_DIR"] = str(tmp_path / "media")
    make_user("pr_officer", role="admin")
    browser_login(page, live_server.url, "pr_officer")
    page.goto(f"{live_server.url}/admin/lettering/campaigns/new")
    page.get_by_label("제목").fill("겨울철 안전 캠페인")
    page.get_by_label("설명").fill("눈길·빙판길 낙상과 한파에 대비하세요.")
    page.get_by_label("유튜브 영상").fill("https://www.youtube.com/watch?v=M7lc1UVf-VE")
    page.get_by_label("1번째 링크 이름").fill("국민재난안전포털")
    page.get_by_label("1번째 링크 주소").fill("http://www.safekorea.go.kr/")   # not https: refused
    page.get_by_label("고른 부서의 회선").check()
    page.get_by_label("안전총괄과").check()
    page.get_by_label("우선순위").fill("10")
    page.get_by_role("button", name="저장").click()
    assert "1번째 링크는 https://" in page.inner_text("#links-error")
    assert axe_violations(page) == []
    page.get_by_label("1번째 링크 주소").fill("https://www.safekorea.go.kr/")
    with page.expect_navigation():
        page.get_by_role("button", name="저장").click()

    page.set_input_files("#images-input", [
        {"name": "card1.jpg", "mimeType": "image/jpeg", "buffer": _card((30, 80, 160))},
        {"name": "card2.jpg", "mimeType": "image/jpeg", "buffer": _card((200, 60, 40))}])
    with page.expect_navigation():
        page.get_by_role("button", name="올리기", exact=True).click()
    assert "카드뉴스 2장을 올렸습니다" in page.inner_text(".flash-success")
    assert page.locator(".card-images img").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []

    # Reorder from the keyboard: htmx swaps the images' section only, the focus stays on the button pressed.
    first_src = page.locator(".card-images img").first.get_attribute("src")
    page.evaluate("window.notReloaded = true")
    down = page.get_by_role("button", name="아래로 카드뉴스 1")
    down.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.card-images img')[1].getAttribute('src') === '{first_src}'")
    assert page.evaluate("window.notReloaded === true")
    assert page.evaluate("document.activeElement.id").startswith("move-down-")
    page.wait_for_function("document.querySelector('#card-images-status').textContent.includes('2번째로')")
    assert axe_violations(page) == []
    page.locator("#card-images-section").screenshot(path=str(ARTIFACTS / "campaign-images-phone.png"))
    page.screenshot(path=str(ARTIFACTS / "campaign-page-phone.png"), full_page=True)
    page.keyboard.press("Shift+Tab")          # to 위로 of the same image, now the second
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('.card-images img').getAttribute('src') === '{first_src}'")

    page.get_by_role("link", name="미리 보기(안내 페이지와 통화 후 화면)").click()
    screen = page.locator("#after-call")
    shown = [t for t in screen.inner_text().split("\n") if t.strip()]
    assert shown[:4] == ["고양특례시", "안전총괄과", "겨울철 안전 안내 전화입니다", "겨울철 안전 캠페인"]
    page.wait_for_function("document.querySelector('#after-call img').naturalWidth === 720")
    assert "나가지 않습니다" in page.inner_text("#rule-verdict")   # not started yet
    frame = page.frame_locator("iframe[name=preview-landing]")
    frame.locator("h1").wait_for()
    assert frame.locator("h1").inner_text() == "겨울철 안전 캠페인"
    assert frame.locator(".cards img").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    screenshot(page, "campaign-preview-phone")

    page.goto(page.url.rsplit("/preview", 1)[0])
    with page.expect_navigation():
        page.get_by_role("button", name="시작").click()
    assert page.inner_text("#campaign-status").startswith("진행 중")
    db.session.expire_all()
    item = db.session.query(Campaign).one()
    chosen = active_campaign_for(db.session, lines[0], utcnow())
    assert chosen is not None and chosen.id == item.id
    assert active_campaign_for(db.session, lines[1], utcnow()) is None   # 세정과 is not targeted
    body = lettering_request(Call(call_id="c-next"), lines[0], chosen, "+821012345678",
                             app.config["PUBLIC_BASE_URL"].rstrip("/"))
    assert body["afterCall"]["linkUrl"].endswith(f"/p/{item.token}")
    page.goto(f"{live_server.url}/p/{item.token}")
    page.wait_for_function("[...document.querySelectorAll('.cards img')].every(i => i.complete)")
    widths = page.evaluate("[...document.querySelectorAll('.cards img')].map(i => i.currentSrc)")
    assert all("/media/campaigns/" in w and w.endswith(".webp") for w in widths)
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "campaign-landing-phone.png"), full_page=True)

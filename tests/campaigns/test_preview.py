"""Previews before a campaign goes live: the landing page (framed by the console only, no visit counted) and
the after-call screen as the carrier's request carries it; the rule's verdict; the landing page's size."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from core.models.lettering import Campaign, CampaignEvent
from extensions import db
from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]
LANDING_BUDGET = 50 * 1024


def _png(size=(1080, 1350)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (240, 240, 255)).save(out, "PNG")
    return out.getvalue()


def _campaign(departments, **fields) -> Campaign:
    fields.setdefault("status", "paused")
    item = Campaign(token="win2026", title="겨울철 안전 캠페인", summary="눈길·빙판길 낙상 주의",
                    youtube_id="M7lc1UVf-VE", target_all=False, departments=[departments["안전총괄과"]],
                    links=[{"title": "국민재난안전포털", "url": "https://www.safekorea.go.kr/"}], **fields)
    db.session.add(item)
    db.session.commit()
    return item


def test_previews_before_going_live(client, app, login, make_user, departments, lines, tmp_path):
    app.config["CAMPAIGN_MEDIA_DIR"] = str(tmp_path / "media")
    make_user("safety_admin", role="dept_admin", department_id=departments["안전총괄과"].id)
    login("safety_admin")
    item = _campaign(departments, owner_department_id=departments["안전총괄과"].id)
    csrf = csrf_token_from(client.get(f"/admin/lettering/campaigns/{item.id}").get_data(as_text=True))
    client.post(f"/admin/lettering/campaigns/{item.id}/images", content_type="multipart/form-data",
                data={"csrf_token": csrf, "images": [(io.BytesIO(_png()), "card1.png")]})
    page = client.get(f"/admin/lettering/campaigns/{item.id}/preview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # the after-call screen: institution, department, message, then the campaign's card
    screen = html[html.index('id="after-call"'):]
    shown = ("고양특례시", "안전총괄과", "겨울철 안전 안내 전화입니다", "겨울철 안전 캠페인")
    order = [screen.index(text) for text in shown]
    assert order == sorted(order)
    assert 'src="/media/campaigns/' in screen and "-720.webp" in screen
    assert "이 캠페인은 나가지 않습니다" in html   # paused: the rule would not give it yet
    framed = client.get(f"/admin/lettering/campaigns/{item.id}/preview/landing")
    assert framed.status_code == 200 and framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    landing = framed.get_data(as_text=True)
    assert "미리 보기" in landing and "srcset=" in landing and "youtube-nocookie.com/embed/M7lc1UVf-VE" in landing
    assert "국민재난안전포털" in landing
    assert db.session.scalar(select(func.count(CampaignEvent.id))) == 0   # previews are not visits
    # the public page itself still says it is not running, and stays unframeable
    public = client.get("/p/win2026")
    assert "종료되었습니다" in public.get_data(as_text=True) and "frame-ancestors 'none'" in \
        public.headers["Content-Security-Policy"]
    # once started, the rule gives it to the department's line, and the preview says so
    client.post(f"/admin/lettering/campaigns/{item.id}/status", data={"csrf_token": csrf, "action": "resume"})
    assert "이 캠페인이 나갑니다" in client.get(f"/admin/lettering/campaigns/{item.id}/preview").get_data(as_text=True)


def test_the_landing_page_stays_under_50_kb_before_images(client, departments):
    item = _campaign(departments, status="active")
    item.summary = "눈길·빙판길 낙상 주의. " * 40
    item.links = [{"title": f"정책 링크 {n}", "url": f"https://www.goyang.go.kr/page/{n}"} for n in range(10)]
    item.images = [{"key": f"{n:020x}", "w": 1080, "h": 1350, "widths": [360, 720, 1080]} for n in range(10)]
    db.session.commit()
    answer = client.get("/p/win2026")
    html = answer.get_data()
    assert answer.status_code == 200 and b"srcset" in html
    # the page and everything it loads before images: its stylesheet (no script on the public pages)
    css = (ROOT / "static/css/public.css").read_bytes()
    assert b"<script" not in html
    print(f"landing page {len(html)} B + stylesheet {len(css)} B")
    assert len(html) + len(css) < LANDING_BUDGET, (len(html), len(css))

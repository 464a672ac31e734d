"""Issue 11's "Done when", end to end on the demo organisation: a PR officer (department admin of 안전총괄과)
creates a winter-safety campaign with two card-news images and a YouTube link for 안전총괄과 in the console,
previews both screens, schedules it from next Monday and starts it. Today's demo call from a 안전총괄과 line
still carries the city-wide demo campaign; on Monday the next demo call (``lettering demo-calls``, signed PBX
events to the live app → the worker → the carrier simulator) carries this campaign's landing page, which
shows both images and the video."""
from __future__ import annotations

import io
from datetime import datetime

from PIL import Image
from sqlalchemy import select

from core.demo import lettering as demo_lettering
from core.demo import organization as demo_organization
from core.models.lettering import Campaign, Line
from core.models.organization import Department
from core.timeutil import KST
from extensions import db
from tests.conftest import csrf_token_from

CONSOLE = "/admin/lettering/campaigns"


def _card(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1080, 1350), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def _demo_call(runner, live_server, seed: int) -> None:
    result = runner.invoke(args=["lettering", "demo-calls", "--count", "1", "--interval", "0", "--department",
                                 "안전총괄과", "--url", live_server.url, "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    assert '"calls": 1' in result.output


def test_a_pr_officer_campaign_reaches_the_next_demo_call(app, client, login, make_user, runner, live_server, sim,
                                                          drain, clock, tmp_path):
    app.config["CAMPAIGN_MEDIA_DIR"] = str(tmp_path / "media")
    demo_organization.seed(db.session, app.config)
    demo_lettering.seed(db.session, app.config)
    db.session.commit()
    safety = db.session.scalar(select(Department).where(Department.name == "안전총괄과"))
    safety_lines = set(db.session.scalars(select(Line.number).where(Line.department_id == safety.id)))
    make_user("pr_officer", role="dept_admin", department_id=safety.id)
    login("pr_officer")

    # Creates it: title, YouTube link, a policy link, next Monday to the end of March, weekdays 09–18 KST.
    csrf = csrf_token_from(client.get(f"{CONSOLE}/new").get_data(as_text=True))
    created = client.post(f"{CONSOLE}/new", data={
        "csrf_token": csrf, "title": "겨울철 안전 캠페인", "summary": "눈길·빙판길 낙상과 한파에 대비하세요.",
        "youtube": "https://www.youtube.com/watch?v=M7lc1UVf-VE",
        "link_label": ["국민재난안전포털"], "link_url": ["https://www.safekorea.go.kr/"],
        "starts_on": "2026-03-09", "ends_on": "2026-03-31", "weekday": ["0", "1", "2", "3", "4"],
        "hour_from": "9", "hour_until": "18", "priority": "10", "target": "departments",
        "department": [str(safety.id)]})
    assert created.status_code in (302, 303), created.get_data(as_text=True)[:500]
    item = db.session.scalar(select(Campaign).where(Campaign.title == "겨울철 안전 캠페인"))
    assert item.owner_department_id == safety.id and [d.name for d in item.departments] == ["안전총괄과"]
    assert item.status == "paused" and item.youtube_id == "M7lc1UVf-VE"
    uploaded = client.post(f"{CONSOLE}/{item.id}/images", content_type="multipart/form-data", data={
        "csrf_token": csrf, "images": [(io.BytesIO(_card((30, 80, 160))), "card1.jpg"),
                                       (io.BytesIO(_card((200, 60, 40))), "card2.jpg")]})
    assert uploaded.status_code == 303
    db.session.expire_all()
    keys = [i["key"] for i in db.session.get(Campaign, item.id).images]
    assert len(keys) == 2

    # Previews both screens, before it goes live.
    preview = client.get(f"{CONSOLE}/{item.id}/preview").get_data(as_text=True)
    screen = preview[preview.index('id="after-call"'):]
    shown = ("고양특례시", "안전총괄과", "재난·안전 정책 안내 전화입니다")   # then the card: its image and title
    order = [screen.index(text) for text in shown]
    assert order == sorted(order)
    assert screen.index(f"{keys[0]}-720.webp") > order[-1] and screen.index("겨울철 안전 캠페인") > order[-1]
    landing_preview = client.get(f"{CONSOLE}/{item.id}/preview/landing").get_data(as_text=True)
    assert all(f"/media/campaigns/{key}-720.webp" in landing_preview for key in keys)
    assert "youtube-nocookie.com/embed/M7lc1UVf-VE" in landing_preview

    # Schedules it: started now, live from next Monday.
    started = client.post(f"{CONSOLE}/{item.id}/status", data={"csrf_token": csrf, "action": "resume"})
    assert started.status_code in (302, 303)

    # Today (Monday 2 March, 10:00 KST) a 안전총괄과 demo call still carries the city-wide demo campaign.
    _demo_call(runner, live_server, seed=11)
    drain()
    [today] = sim.requests("carrier", "lettering")
    assert today["body"]["display"]["department"] == "안전총괄과"
    assert not today["body"]["afterCall"]["linkUrl"].endswith(f"/p/{item.token}")

    # Next Monday at 10:00 KST, the next demo call carries this campaign's landing page.
    clock.move_to(datetime(2026, 3, 9, 10, 0, tzinfo=KST))
    _demo_call(runner, live_server, seed=12)
    drain()
    call = sim.requests("carrier", "lettering")[-1]["body"]
    assert call["display"] == {"institution": "고양특례시", "department": "안전총괄과",
                               "message": "재난·안전 정책 안내 전화입니다"}
    assert call["caller"] in safety_lines
    after = call["afterCall"]
    assert after["linkUrl"] == f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/p/{item.token}"
    assert after["imageUrl"].endswith(f"/media/campaigns/{keys[0]}-720.webp") and after["title"] == "겨울철 안전 캠페인"

    # The landing page shows it: both images and the video.
    landing = client.get(f"/p/{item.token}")
    html = landing.get_data(as_text=True)
    assert landing.status_code == 200 and "<h1>겨울철 안전 캠페인</h1>" in html
    assert all(f"/media/campaigns/{key}-1080.webp 1080w" in html for key in keys)
    assert 'src="https://www.youtube-nocookie.com/embed/M7lc1UVf-VE' in html
    for key in keys:
        assert client.get(f"/media/campaigns/{key}-720.webp").status_code == 200

"""Card-news order and files: images move up and down in the console (a plain form post, or htmx answering
only the images' section), and the daily purge job deletes the files that no campaign needs: removed
images, and those of campaigns archived longer ago than CAMPAIGN_MEDIA_RETENTION_DAYS."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from core.jobs.queue import enqueue
from core.lettering import campaign_media, card_images
from core.models.accounts import AuditLog
from core.models.lettering import Campaign
from core.timeutil import utcnow
from extensions import db
from tests.conftest import csrf_token_from


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def campaign_with_three(client, app, login, make_user, departments, tmp_path):
    """A 안전총괄과 campaign with three uploaded images, managed by that department's admin (signed in)."""
    app.config["CAMPAIGN_MEDIA_DIR"] = str(tmp_path / "media")
    make_user("safety_admin", role="dept_admin", department_id=departments["안전총괄과"].id)
    login("safety_admin")
    item = Campaign(token="order1", title="겨울철 안전", status="paused",
                    owner_department_id=departments["안전총괄과"].id)
    db.session.add(item)
    db.session.commit()
    csrf = csrf_token_from(client.get(f"/admin/lettering/campaigns/{item.id}").get_data(as_text=True))
    files = [(io.BytesIO(_png(c)), f"card{n}.png") for n, c in enumerate(((200, 0, 0), (0, 200, 0), (0, 0, 200)))]
    answer = client.post(f"/admin/lettering/campaigns/{item.id}/images", content_type="multipart/form-data",
                         data={"csrf_token": csrf, "images": files})
    assert answer.status_code == 303
    db.session.expire_all()
    item = db.session.get(Campaign, item.id)
    assert len(item.images) == 3
    return item, csrf


def _keys(campaign_id: int) -> list[str]:
    db.session.expire_all()
    return [i["key"] for i in db.session.get(Campaign, campaign_id).images]


def test_moving_an_image_without_javascript(client, campaign_with_three):
    item, csrf = campaign_with_three
    a, b, c = _keys(item.id)
    page = client.get(f"/admin/lettering/campaigns/{item.id}").get_data(as_text=True)
    assert f'id="move-up-{b}"' in page and ">위로<" in page and "카드뉴스 2</span>" in page
    assert f'id="move-up-{a}" name="direction" value="up" aria-disabled="true"' in page   # the first can't go up
    answer = client.post(f"/admin/lettering/campaigns/{item.id}/images/{c}/move",
                         data={"csrf_token": csrf, "direction": "up"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#images")
    assert _keys(item.id) == [a, c, b]
    stored = db.session.get(Campaign, item.id)
    assert stored.image_urls == [card_images.url_for_width(k, 360) for k in (a, c, b)]   # 400 px: 360 only
    assert "카드뉴스를 2번째로 옮겼습니다" in client.get(answer.headers["Location"]).get_data(as_text=True)
    # At the end already, a bad direction, an unknown key, no CSRF token: nothing moves.
    client.post(f"/admin/lettering/campaigns/{item.id}/images/{a}/move", data={"csrf_token": csrf, "direction": "up"})
    client.post(f"/admin/lettering/campaigns/{item.id}/images/{a}/move",
                data={"csrf_token": csrf, "direction": "sideways"})
    client.post(f"/admin/lettering/campaigns/{item.id}/images/{'f' * 20}/move",
                data={"csrf_token": csrf, "direction": "up"})
    client.post(f"/admin/lettering/campaigns/{item.id}/images/{b}/move", data={"direction": "up"})
    assert _keys(item.id) == [a, c, b]
    moves = [entry.detail for entry in db.session.scalars(select(AuditLog).where(
        AuditLog.action == "lettering.campaign.image_move"))]
    assert len(moves) == 1 and moves[0]["key"] == c and moves[0]["position"] == 2


def test_moving_with_htmx_answers_the_section_only(client, campaign_with_three):
    item, csrf = campaign_with_three
    a, b, c = _keys(item.id)
    answer = client.post(f"/admin/lettering/campaigns/{item.id}/images/{a}/move",
                         data={"csrf_token": csrf, "direction": "down"},
                         headers={"HX-Request": "true", "HX-Target": "card-images-section"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html and html.count('id="card-images-section"') == 1
    assert html.index(f"move-up-{b}") < html.index(f"move-up-{a}") < html.index(f"move-up-{c}")
    assert 'id="card-images-status" hx-swap-oob="innerHTML">카드뉴스를 2번째로 옮겼습니다' in html
    assert _keys(item.id) == [b, a, c]


def test_another_department_cannot_move(app, login, make_user, departments, campaign_with_three):
    item, _ = campaign_with_three
    a = _keys(item.id)[0]
    make_user("tax_admin", role="dept_admin", department_id=departments["세정과"].id)
    other = app.test_client()
    login("tax_admin", test_client=other)
    csrf = csrf_token_from(other.get("/admin/lettering/campaigns").get_data(as_text=True))
    answer = other.post(f"/admin/lettering/campaigns/{item.id}/images/{a}/move",
                         data={"csrf_token": csrf, "direction": "down"})
    assert answer.status_code == 404 and _keys(item.id)[0] == a


def _file(store, key: str, age: timedelta) -> None:
    store.mkdir(parents=True, exist_ok=True)
    path = store / card_images.file_name(key, 720)
    path.write_bytes(b"RIFF....WEBP")
    then = (utcnow() - age).timestamp()
    os.utime(path, (then, then))


def test_the_purge_job_deletes_files_no_campaign_needs(app, tmp_path, make_worker_for_purge):
    store = tmp_path / "purge-media"
    keys = {name: name[0] * 20 for name in ("active", "b_archived_old", "c_archived_recent", "d_removed",
                                            "e_shared", "f_fresh")}
    day = timedelta(days=1)
    for name, key in keys.items():
        _file(store, key, timedelta(minutes=10) if name == "f_fresh" else 2 * day)
    leftover = store / ".upload-abc"
    leftover.write_bytes(b"x")
    then = (utcnow() - 2 * day).timestamp()
    os.utime(leftover, (then, then))
    (store / "README.txt").write_text("not ours")

    def image(key: str) -> dict:
        return {"key": key, "w": 720, "h": 720, "widths": [720]}

    db.session.add_all([
        Campaign(token="t-active", title="진행", status="active", images=[image(keys["active"])]),
        Campaign(token="t-old", title="오래 보관", status="archived", updated_at=utcnow() - 100 * day,
                 images=[image(keys["b_archived_old"]), image(keys["e_shared"])],
                 image_urls=[card_images.url_for_width(keys["b_archived_old"], 720), "https://cdn.example/x.png"]),
        Campaign(token="t-recent", title="최근 보관", status="archived", updated_at=utcnow() - 10 * day,
                 images=[image(keys["c_archived_recent"])]),
        Campaign(token="t-paused", title="중지", status="paused", images=[image(keys["e_shared"])]),
    ])
    db.session.commit()
    enqueue(db.session, "lettering.campaign_media_purge", {})
    db.session.commit()
    make_worker_for_purge(CAMPAIGN_MEDIA_DIR=str(store), CAMPAIGN_MEDIA_RETENTION_DAYS=90).run(once=True)
    left = sorted(p.name for p in store.iterdir())
    assert left == sorted([card_images.file_name(keys[n], 720)
                           for n in ("active", "c_archived_recent", "e_shared", "f_fresh")] + ["README.txt"])
    db.session.expire_all()
    old = db.session.scalar(select(Campaign).where(Campaign.token == "t-old"))
    assert old.images == [] and old.image_urls == ["https://cdn.example/x.png"]
    # Idempotent, and the fresh file goes once it is past the grace period and still unreferenced.
    later = utcnow() + 2 * campaign_media.GRACE
    assert campaign_media.purge(db.session, store, 90, now=later) == {"campaigns_emptied": 0, "files_deleted": 1}
    assert not (store / card_images.file_name(keys["f_fresh"], 720)).exists()


def test_the_purge_is_scheduled_daily_in_the_job_runtime():
    from core.jobs.registry import load_areas

    registry = load_areas()
    assert registry.get("lettering.campaign_media_purge") is not None
    assert any(s.kind == "lettering.campaign_media_purge" and s.daily_at is not None for s in registry.schedules)


@pytest.fixture
def make_worker_for_purge(app):
    """A real worker on the test database with the app's settings (and the given overrides)."""
    from lettering_worker.worker import Worker

    workers = []

    def factory(**overrides):
        worker = Worker({**app.config, **overrides}, concurrency=1)
        workers.append(worker)
        return worker

    yield factory
    for worker in workers:
        worker.engine.dispose()

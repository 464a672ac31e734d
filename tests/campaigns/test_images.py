"""Card-news intake: decoded in the sandbox child, EXIF removed, WebP in several widths with content-hashed
names served for a year; bad, huge and non-image files refused with their reasons."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from core.lettering import card_images
from core.models.accounts import AuditLog
from core.models.lettering import Campaign
from extensions import db
from tests.conftest import csrf_token_from


def _jpeg_with_exif(size=(1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"        # Make
    exif[0x0112] = 6                  # Orientation: rotate 90 degrees
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=80)
    return out.getvalue()


def _png(size=(800, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 90, 200, 255)).save(out, "PNG")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + \
        chunk(b"IEND", b"")


@pytest.fixture
def store(tmp_path):
    return tmp_path / "media"


def test_a_photo_becomes_webp_widths_without_exif(store):
    stored = card_images.process(_jpeg_with_exif(), store)
    assert stored.widths == [360, 720, 1080]
    assert (stored.width, stored.height) == (1200, 1600)   # turned upright by its EXIF orientation
    for width in stored.widths:
        path = store / card_images.file_name(stored.key, width)
        with Image.open(path) as out:
            assert out.format == "WEBP" and out.size[0] == width
            assert not out.info.get("exif") and not out.getexif() and not out.info.get("icc_profile")
        assert b"SecretCam" not in path.read_bytes()
    assert not list(store.glob(".upload-*"))   # the raw upload is not kept


def test_small_images_are_not_upscaled(store):
    stored = card_images.process(_png((500, 300 * 2)), store)
    assert stored.widths == [360]   # 500 wide: only the 360 width fits without upscaling
    assert card_images.nearest_width(stored.as_json()) == 360


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "빈 파일"),
    (b"%PDF-1.7\n...", "이미지 파일이 아닙니다"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "이미지 파일이 아닙니다"),
    (b"GIF89a" + b"\0" * 20, "이미지 파일이 아닙니다"),
    (_png_claiming(20000, 20000), "이미지가 너무 큽니다(20000×20000)"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "이미지를 읽지 못했습니다"),
    (_png()[:200], "이미지를 읽지 못했습니다"),
    (_png((100, 100)), "이미지가 너무 작습니다"),
])
def test_refused_with_reasons(store, data, reason):
    with pytest.raises(card_images.ImageRefused) as refused:
        card_images.process(data, store)
    text = refused.value.msgid % refused.value.params if refused.value.params else refused.value.msgid
    assert reason in text


def test_too_many_bytes(store):
    with pytest.raises(card_images.ImageRefused) as refused:
        card_images.process(_png(), store, max_bytes=1000)
    assert "파일이 너무 큽니다" in refused.value.msgid


def test_console_upload_serves_immutable_webp(client, app, login, make_user, departments, tmp_path):
    app.config["CAMPAIGN_MEDIA_DIR"] = str(tmp_path / "media")
    make_user("boss", role="admin")
    login("boss")
    item = Campaign(token="win2026", title="겨울철 안전", status="paused")
    db.session.add(item)
    db.session.commit()
    page = client.get(f"/admin/lettering/campaigns/{item.id}").get_data(as_text=True)
    csrf = csrf_token_from(page)
    answer = client.post(f"/admin/lettering/campaigns/{item.id}/images", content_type="multipart/form-data",
                         data={"csrf_token": csrf, "images": [(io.BytesIO(_png((1080, 1080))), "card1.png"),
                                                              (io.BytesIO(b"hello"), "notes.png"),
                                                              (io.BytesIO(_jpeg_with_exif()), "card2.jpg")]})
    assert answer.status_code == 303
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "notes.png: 이미지 파일이 아닙니다" in html and "카드뉴스 2장을 올렸습니다" in html
    db.session.expire_all()
    item = db.session.get(Campaign, item.id)
    assert len(item.images) == 2 and item.image_urls[0].endswith("-720.webp")
    served = client.get(item.image_urls[0])
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert "immutable" in served.headers["Cache-Control"] and "max-age=31536000" in served.headers["Cache-Control"]
    assert client.get("/media/campaigns/../secrets.json").status_code == 404
    assert client.get("/media/campaigns/" + "0" * 20 + "-720.webp").status_code == 404
    # the landing page offers every width
    item.status = "active"
    db.session.commit()
    landing = client.get("/p/win2026").get_data(as_text=True)
    assert 'srcset="/media/campaigns/' in landing and " 1080w" in landing and 'width="720" height="720"' in landing
    key = item.images[0]["key"]
    client.post(f"/admin/lettering/campaigns/{item.id}/images/{key}/remove", data={"csrf_token": csrf})
    db.session.expire_all()
    assert len(db.session.get(Campaign, item.id).images) == 1
    codes = [a.action for a in db.session.scalars(select(AuditLog)) if "image" in a.action]
    assert codes == ["lettering.campaign.image_add", "lettering.campaign.image_remove"]

"""Page images: the width the viewer asks for, WebP where the browser takes it, and legibility kept.

Legibility is measured, not eyeballed (core.documents.legibility): SSIM of the luminance over the
windows that hold watermark ink, against the lossless watermarked page. The watermark is the faint,
thin text on the page, so it is the first thing a too-low quality smears; the check can fail, and the
last test shows it does for a page encoded at quality 10.
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from core.documents.legibility import compare
from core.documents.render import Bitmap
from core.documents.service import WIDTHS, fit_width, page_bitmap
from core.documents.watermark import QUALITY, apply_watermark, encode_marked
from tests.viewer.conftest import KOREAN_HTML, image_url, open_viewer

LINES = ("김민준 · 2019-0123 · 교통정책과", "2026-12-02 09:41 KST · R-TEST0001")
WEBP_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"   # Chromium's
# The legibility JPEG 85 (what the viewer sent before) has on this page, less what the eye does not see.
MARK_SSIM_FLOOR = 0.975


@pytest.mark.parametrize(("wanted", "width"), [
    (374 * 2, 720),        # a phone at fit width, devicePixelRatio 2
    (374 * 3, 1080),       # ... at 3
    (804, 1080),           # a desktop at ratio 1: a little upscaling is allowed, not 10 %
    (374 * 2 * 2, 1440),   # 200 % at 2
    (374 * 1.5 * 3, 1620),  # 150 % at 3
    (374 * 2 * 3, 2160),   # 200 % at 3
    (9000, 2160),          # never more than the largest
    (1, 720),
])
def test_fit_width_rounds_to_a_small_set(wanted, width):
    assert fit_width(wanted) == width and width in WIDTHS


def test_fragment_signs_the_width_asked_for_and_the_image_follows_accept(client, login, reader, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    view = open_viewer(client, document)
    fragment = client.get(f"/viewer/{document.id}/pages/1?w=750&v={view}").get_data(as_text=True)
    assert 'data-width="720"' in fragment and "w=720" in fragment
    src = image_url(client, document, view=view, width=2244)
    assert "w=2160" in src
    webp = client.get(src, headers={"Accept": WEBP_ACCEPT})
    assert webp.status_code == 200 and webp.mimetype == "image/webp"
    assert "Accept" in webp.headers["Vary"] and "no-store" in webp.headers["Cache-Control"]
    assert Image.open(io.BytesIO(webp.data)).format == "WEBP"
    assert Image.open(io.BytesIO(webp.data)).width == 2160
    jpeg = client.get(src, headers={"Accept": "image/png,image/*;q=0.8,*/*;q=0.5"})   # Safari 13: no WebP
    assert jpeg.mimetype == "image/jpeg" and Image.open(io.BytesIO(jpeg.data)).format == "JPEG"
    assert "Accept" in jpeg.headers["Vary"]
    # A width outside the set is refused on the image route (the fragment only ever signs allowed ones).
    odd = re.sub(r"w=\d+", "w=1000", src)
    assert client.get(odd).status_code == 400


def _marked(cfg, document, width: int) -> Bitmap:
    clean = page_bitmap(cfg, document, 1, width).convert("RGBX")
    page = Bitmap(clean.width, clean.height, memoryview(bytearray(clean.tobytes())))
    apply_watermark(page.image(), LINES)
    return page


def test_webp_halves_the_bytes_and_keeps_the_watermark_legible(cfg, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    page = _marked(cfg, document, 1080)
    reference = page.image().convert("RGB")
    before = encode_marked(page, "jpeg", 85)
    after = encode_marked(page, "webp")
    score_before = compare(reference, Image.open(io.BytesIO(before)).convert("RGB"), LINES)
    score_after = compare(reference, Image.open(io.BytesIO(after)).convert("RGB"), LINES)
    assert len(after) <= 0.65 * len(before), (len(before), len(after))
    assert score_after.mark_ssim >= MARK_SSIM_FLOOR, score_after
    assert score_after.mark_ssim >= score_before.mark_ssim - 0.01
    jpeg_now = compare(reference, Image.open(io.BytesIO(encode_marked(page, "jpeg"))).convert("RGB"), LINES)
    assert QUALITY["jpeg"] >= 75 and jpeg_now.mark_ssim >= MARK_SSIM_FLOOR


def test_the_legibility_check_fails_for_a_smeared_page(cfg, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    page = _marked(cfg, document, 720)
    reference = page.image().convert("RGB")
    smeared = compare(reference, Image.open(io.BytesIO(encode_marked(page, "jpeg", 10))).convert("RGB"), LINES)
    assert smeared.mark_ssim < MARK_SSIM_FLOOR
    # The mark windows are the hard part: the page as a whole (mostly white) scores higher.
    assert smeared.ssim > smeared.mark_ssim

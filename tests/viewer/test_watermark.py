"""The watermark really changes the page's pixels, all over the page, and depends on who is reading."""
from datetime import UTC, datetime

from PIL import Image, ImageChops

from core.documents.service import page_bitmap, page_image
from core.documents.watermark import Identity, apply_watermark
from tests.viewer.conftest import KOREAN_HTML

AT = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
KIM = Identity("김민준", "2019-0123", "교통정책과", AT, "R-00000001")
LEE = Identity("이서연", "2020-0456", "세정과", AT, "R-00000001")


def _changed(a: Image.Image, b: Image.Image, threshold: int = 8) -> Image.Image:
    """Mask of pixels that differ by more than ``threshold`` in any channel."""
    diff = ImageChops.difference(a, b).convert("L")
    return diff.point(lambda v: 255 if v > threshold else 0)


def _count(mask: Image.Image, box=None) -> int:
    return mask.crop(box).histogram()[255] if box else mask.histogram()[255]


def test_watermark_changes_pixels_across_the_whole_page(cfg, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    clean = page_bitmap(cfg, document, 1, 1080)
    marked = apply_watermark(clean.copy(), KIM)
    changed = _changed(clean, marked)
    share = _count(changed) / (clean.width * clean.height)
    assert 0.01 < share < 0.25, share   # visible, yet most of the page is untouched
    w, h = clean.size
    # Every region of the page carries the mark: a cropped screenshot still names its reader.
    for box in ((0, 0, w // 2, h // 3), (w // 2, 0, w, h // 3), (0, h // 3, w // 2, 2 * h // 3),
                (w // 2, h // 3, w, 2 * h // 3), (0, 2 * h // 3, w // 2, h), (w // 2, 2 * h // 3, w, h)):
        assert _count(changed, box) > 500, box


def test_watermark_is_semi_transparent(cfg, add_document):
    """Where the mark lies over paper the page gets darker but is not painted solid."""
    document = add_document("notice.html", KOREAN_HTML.encode())
    clean = page_bitmap(cfg, document, 1, 1080)
    marked = apply_watermark(clean.copy(), KIM)
    changed = _changed(clean, marked)
    darkest = min(marked.convert("L").getpixel(xy) for xy in _sample(changed, clean))
    assert 120 < darkest < 250


def _sample(mask, clean, limit=4000):
    points = []
    gray = clean.convert("L")
    for y in range(0, mask.height, 3):
        for x in range(0, mask.width, 3):
            if mask.getpixel((x, y)) and gray.getpixel((x, y)) > 250:
                points.append((x, y))
                if len(points) >= limit:
                    return points
    return points


def test_the_mark_is_the_readers_identity(cfg, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    clean = page_bitmap(cfg, document, 1, 1080)
    kim = apply_watermark(clean.copy(), KIM)
    kim_again = apply_watermark(clean.copy(), KIM)
    lee = apply_watermark(clean.copy(), LEE)
    later = apply_watermark(clean.copy(), Identity("김민준", "2019-0123", "교통정책과", AT, "R-00000002"))
    assert _count(_changed(kim, kim_again, 0)) == 0        # a function of the identity alone
    assert _count(_changed(kim, lee)) > 5000               # another reader, other pixels
    assert _count(_changed(kim, later)) > 500              # another request id, other pixels
    # The changed pixels are exactly where the identity's ink falls on a blank page (white is
    # the colour farthest from the ink, so no pixel can change on the page but not on white).
    white = Image.new("RGB", clean.size, (255, 255, 255))
    mask = _changed(white, apply_watermark(white.copy(), KIM), 0)
    outside = ImageChops.multiply(_changed(clean, kim, 0), ImageChops.invert(mask))
    assert _count(outside) == 0
    assert "김민준 · 2019-0123 · 교통정책과" in KIM.lines()[0] and "R-00000001" in KIM.lines()[1]


def test_served_page_differs_per_reader(cfg, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    import io

    kim = Image.open(io.BytesIO(page_image(cfg, document, 1, 1080, KIM))).convert("RGB")
    lee = Image.open(io.BytesIO(page_image(cfg, document, 1, 1080, LEE))).convert("RGB")
    clean = page_bitmap(cfg, document, 1, 1080)
    assert kim.size == clean.size == (1080, 1528)
    assert _count(_changed(kim, lee, 40)) > 3000
    assert _count(_changed(clean, kim, 40)) > 10000


def test_cache_keeps_clean_pages_after_a_cold_watermarked_render(cfg, add_document):
    """A cache miss answers a watermarked page, yet what lands in the cache carries no mark."""
    import time

    import pypdfium2 as pdfium

    from core.documents.service import ZOOM_WIDTH, storage_key

    document = add_document("notice.html", KOREAN_HTML.encode())
    key = storage_key(document)
    assert not cfg.cache.has(key, 1, ZOOM_WIDTH)   # only the phone width is pre-rendered
    page_image(cfg, document, 1, ZOOM_WIDTH, KIM)
    for _ in range(200):
        if cfg.cache.has(key, 1, ZOOM_WIDTH):
            break
        time.sleep(0.05)
    cached = cfg.cache.get(key, 1, ZOOM_WIDTH).image().convert("RGB")
    pdf = pdfium.PdfDocument(str(cfg.file(document.pdf_path)))
    page = pdf[0]
    direct = page.render(scale=ZOOM_WIDTH / page.get_size()[0], may_draw_forms=False).to_pil().convert("RGB")
    page.close()
    pdf.close()
    assert cached.size == direct.size
    assert _count(_changed(cached, direct, 0)) == 0

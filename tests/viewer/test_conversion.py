"""HTML, text and images become PDFs whose Korean text is real glyphs, not boxes."""
import io
import subprocess

import pikepdf
import pypdfium2 as pdfium
from PIL import Image, ImageChops

from core.documents.service import page_bitmap
from tests.viewer.conftest import KOREAN_HTML


def _render(cfg, document, page=1):
    return page_bitmap(cfg, document, page, 1080)


def _ink(image: Image.Image) -> int:
    """Pixels noticeably darker than paper."""
    return sum(image.convert("L").point(lambda v: 255 if v < 160 else 0).histogram()[255:])


def test_korean_html_keeps_its_text_and_glyphs(cfg, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode(), title="교통 공지")
    assert document.status == "ready" and document.page_count == 1 and document.original_type == "html"
    pdf_path = cfg.file(document.pdf_path)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "고양특례시 교통정책과 공지" in text
    assert "불법 주정차 단속 계획" in text
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, check=True).stdout.decode()
    assert "NanumGothic" in fonts


def test_korean_renders_as_glyphs_not_boxes(cfg, add_document):
    """The same layout with characters no font has (boxes) must look different from the Korean one,
    and two different Korean sentences must differ from each other."""
    def page(text: str):
        html = f'<!doctype html><html lang="ko"><body><p style="font-size:40pt">{text}</p></body></html>'
        return _render(cfg, add_document("t.html", html.encode()))

    korean = page("가나다라마바사아자차카타파하")
    other_korean = page("고양특례시청사우체국도서관")
    boxes = page("\U000f0000" * 14)   # private-use plane: no glyph anywhere, drawn as .notdef boxes
    assert _ink(korean) > 2000, "Korean text rendered blank"
    diff_boxes = ImageChops.difference(korean.convert("L"), boxes.convert("L"))
    diff_korean = ImageChops.difference(korean.convert("L"), other_korean.convert("L"))
    changed = lambda d: sum(d.point(lambda v: 255 if v > 64 else 0).histogram()[255:])  # noqa: E731
    assert changed(diff_boxes) > 2000
    assert changed(diff_korean) > 2000


def test_plain_text_in_cp949_is_converted(cfg, add_document):
    text = "고양시 세정과 안내문\n지방세 납부 기한은 12월 31일입니다.\n".encode("cp949")
    document = add_document("안내.txt", text)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(cfg.file(document.pdf_path)), "-"],
                         capture_output=True, check=True).stdout.decode()
    assert "지방세 납부 기한은 12월 31일입니다." in out


def test_text_holding_markup_is_shown_as_text(cfg, add_document):
    document = add_document("memo.txt", b"<h1>not a heading</h1> <img src='file:///etc/passwd'>")
    out = subprocess.run(["pdftotext", str(cfg.file(document.pdf_path)), "-"], capture_output=True,
                         check=True).stdout.decode()
    assert "<h1>not a heading</h1>" in out


def test_image_is_wrapped_into_a_pdf(cfg, add_document):
    image = Image.new("RGB", (1200, 800), "white")
    image.paste((200, 30, 30), (100, 100, 1100, 700))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    document = add_document("photo.jpg", buffer.getvalue())
    assert document.page_count == 1
    with pikepdf.open(cfg.file(document.pdf_path)) as pdf:
        assert len(list(pdf.pages[0].get_images())) == 1
    rendered = _render(cfg, document)
    assert rendered.width == 1080
    r, g, b = rendered.getpixel((540, rendered.height // 2))
    assert r > 150 and g < 90 and b < 90


def test_pages_are_prerendered_after_upload(cfg, add_document):
    from core.documents.service import storage_key

    document = add_document("notice.html", KOREAN_HTML.encode())
    assert cfg.cache.has(storage_key(document), 1, 1080)
    doc = pdfium.PdfDocument(str(cfg.file(document.pdf_path)))
    assert len(doc) == document.page_count
    doc.close()

"""Oversized, mistyped and unsupported files are refused with Korean messages."""
import io
import zipfile

import pytest
from PIL import Image

from core.documents import DocumentError
from core.documents.intake import check_upload, sniff
from core.documents.service import ViewerConfig, create_document, process_document
from core.models.documents import Document
from extensions import db
from tests.viewer.conftest import KOREAN_HTML, pdf_with_pages

MB = 1024 * 1024


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(out, "PNG")
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_accepted_types_are_recognised_by_content():
    assert sniff(b"%PDF-1.7\n") == "pdf"
    assert sniff(_png()) == "png"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "jpeg"
    assert sniff(KOREAN_HTML.encode()) == "html"
    assert sniff("그냥 텍스트입니다.\n".encode()) == "text"
    assert sniff("옛 한글 파일".encode("cp949")) == "text"


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("report.pdf", _png(), "실제 내용은 PNG 이미지"),
    ("photo.png", b"%PDF-1.4\n%%EOF", "실제 내용은 PDF"),
    ("notice.pdf", _zip(), "지원하지 않는 파일 형식"),
    ("virus.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", "지원하지 않는 파일 형식"),
    ("sheet.xlsx", b"plain words", "확장자(.xlsx)를 지원하지 않습니다"),
    ("empty.pdf", b"", "빈 파일"),
])
def test_mistyped_files_are_refused_in_korean(name, data, expected):
    with pytest.raises(DocumentError) as info:
        check_upload(name, data, max_bytes=30 * MB)
    assert expected in str(info.value)


def test_oversized_file_is_refused():
    data = b"%PDF-1.4\n" + b"0" * (30 * MB)
    with pytest.raises(DocumentError) as info:
        check_upload("big.pdf", data, max_bytes=30 * MB)
    assert "파일이 너무 큽니다" in str(info.value) and "최대 30MB" in str(info.value)
    assert check_upload("ok.pdf", data[: 30 * MB], max_bytes=30 * MB).kind == "pdf"


def test_too_many_pages_fails_the_document_with_a_reason(app):
    app.config["DOCUMENT_MAX_PAGES"] = 3
    limited = ViewerConfig.from_settings(app.config)
    document = create_document(db.session, limited, filename="long.pdf", data=pdf_with_pages(5), title="긴 문서")
    db.session.commit()
    with pytest.raises(DocumentError) as info:
        process_document(db.session, limited, document.id)
    assert "쪽수가 너무 많습니다(5쪽)" in str(info.value) and "최대 3쪽" in str(info.value)
    row = db.session.get(Document, document.id)
    db.session.refresh(row)
    assert row.status == "failed" and "쪽수" in row.error


def test_console_upload_of_mistyped_file_shows_korean_message(client, login, admin):
    from tests.conftest import csrf_token_from

    login("boss")
    token = csrf_token_from(client.get("/admin/documents").get_data(as_text=True))
    response = client.post("/admin/documents", headers={"HX-Request": "true"}, content_type="multipart/form-data",
                           data={"csrf_token": token, "title": "위장 파일",
                                 "file": (io.BytesIO(_png()), "회의록.pdf")})
    assert response.status_code == 422
    assert "실제 내용은 PNG 이미지" in response.get_data(as_text=True)
    assert db.session.query(Document).count() == 0

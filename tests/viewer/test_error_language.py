"""Document errors in the reader's language: core keeps the Korean record, the pages translate the message."""
import io
from html import unescape

import pikepdf
import pytest
from PIL import Image

from core.documents import DocumentError
from core.documents.service import ViewerConfig, create_document, process_document
from core.i18n import N_, label
from core.models.documents import Document
from extensions import db
from tests.conftest import csrf_token_from
from tests.viewer.conftest import pdf_with_pages


@pytest.fixture
def admins(make_user):
    """One admin reading English, one reading Korean, each signed in on their own client."""
    make_user("boss_en", role="admin", display_name="Admin", locale="en")
    make_user("boss_ko", role="admin", display_name="관리자", locale="ko")


def _client(client, login, username: str):
    other = client.application.test_client()
    login(username, test_client=other)
    return other


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


def _upload(c, filename: str, data: bytes, *, htmx: bool = True):
    token = csrf_token_from(c.get("/admin/documents").get_data(as_text=True))
    return c.post("/admin/documents", headers={"HX-Request": "true"} if htmx else {},
                  content_type="multipart/form-data", follow_redirects=not htmx,
                  data={"csrf_token": token, "title": "위장 파일", "file": (io.BytesIO(data), filename)})


def _failed(cfg: ViewerConfig, filename: str, data: bytes) -> Document:
    document = create_document(db.session, cfg, filename=filename, data=data, title="실패 문서")
    db.session.commit()
    with pytest.raises(DocumentError):
        process_document(db.session, cfg, document.id)
    db.session.refresh(document)
    return document


def test_the_error_keeps_korean_text_and_its_message_as_data():
    error = DocumentError(N_("파일 이름은 %(claimed)s(%(extension)s)인데 실제 내용은 %(actual)s입니다. "
                             "올바른 파일인지 확인해 주세요."),
                          claimed="PDF", extension=".pdf", actual=label(N_("PNG 이미지")))
    assert str(error) == "파일 이름은 PDF(.pdf)인데 실제 내용은 PNG 이미지입니다. 올바른 파일인지 확인해 주세요."
    again = DocumentError.from_detail(error.detail)
    assert (again.msgid, again.params, str(again)) == (error.msgid, error.params, str(error))


def test_mistyped_upload_is_refused_in_the_readers_language(client, login, admins):
    english = _upload(_client(client, login, "boss_en"), "회의록.pdf", _png())
    assert english.status_code == 422
    assert ("The file name says PDF (.pdf), but the content is PNG image. Check that this is the right file."
            in unescape(english.get_data(as_text=True)))
    korean = _upload(_client(client, login, "boss_ko"), "회의록.pdf", _png())
    assert korean.status_code == 422
    assert "파일 이름은 PDF(.pdf)인데 실제 내용은 PNG 이미지입니다." in unescape(korean.get_data(as_text=True))
    unknown = _upload(_client(client, login, "boss_en"), "notice.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
    assert ("Unsupported file format (ZIP or Office document (hwpx, docx, xlsx, …)). Formats you can upload: "
            "PDF, HTML, PNG, JPEG, text (.txt).") in unescape(unknown.get_data(as_text=True))
    assert db.session.query(Document).count() == 0


def test_oversized_upload_is_refused_in_the_readers_language(app, client, login, admins):
    app.config["DOCUMENT_MAX_BYTES"] = 1024 * 1024
    data = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    english = unescape(_upload(_client(client, login, "boss_en"), "big.pdf", data, htmx=False)
                       .get_data(as_text=True))
    assert "The file is too large (2.0 MB). You can upload at most 1 MB." in english
    korean = unescape(_upload(_client(client, login, "boss_ko"), "big.pdf", data, htmx=False).get_data(as_text=True))
    assert "파일이 너무 큽니다(2.0MB). 최대 1MB까지 올릴 수 있습니다." in korean


def test_conversion_failure_on_the_console_page_and_the_viewer(cfg, client, login, admins):
    out = io.BytesIO()
    pikepdf.new().save(out)   # a PDF with no pages
    document = _failed(cfg, "empty.pdf", out.getvalue())
    assert document.error == "쪽이 하나도 없는 PDF입니다."   # the record stays Korean
    english, korean = _client(client, login, "boss_en"), _client(client, login, "boss_ko")
    page = unescape(english.get(f"/admin/documents/{document.id}").get_data(as_text=True))
    assert "The PDF has no pages." in page and "쪽이 하나도 없는" not in page
    assert "쪽이 하나도 없는 PDF입니다." in korean.get(f"/admin/documents/{document.id}").get_data(as_text=True)
    viewer = english.get(f"/viewer/{document.id}")
    assert viewer.status_code == 409
    assert ("This document could not be converted: The PDF has no pages."
            in unescape(viewer.get_data(as_text=True)))
    viewer = korean.get(f"/viewer/{document.id}")
    assert viewer.status_code == 409
    assert "변환에 실패한 문서입니다: 쪽이 하나도 없는 PDF입니다." in unescape(viewer.get_data(as_text=True))


def test_a_refusal_from_the_sandbox_child_crosses_the_pipe_as_a_message(app, client, login, admins):
    app.config["DOCUMENT_MAX_PAGES"] = 3
    document = _failed(ViewerConfig.from_settings(app.config), "long.pdf", pdf_with_pages(5))
    assert document.error == "쪽수가 너무 많습니다(5쪽). 최대 3쪽까지 올릴 수 있습니다."
    assert document.error_detail == {"msgid": "쪽수가 너무 많습니다(%(pages)s쪽). 최대 %(max)s쪽까지 올릴 수 있습니다.",
                                     "params": {"pages": 5, "max": 3}}
    english = _client(client, login, "boss_en").get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert "Too many pages (5). You can upload at most 3 pages." in unescape(english)
    korean = _client(client, login, "boss_ko").get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert "쪽수가 너무 많습니다(5쪽). 최대 3쪽까지 올릴 수 있습니다." in unescape(korean)


@pytest.mark.slow
def test_a_hung_conversion_is_reported_in_the_readers_language(app, client, login, admins):
    from tests.viewer.test_isolation import _heavy_html

    app.config["VIEWER_SANDBOX_SECONDS"] = 2
    document = _failed(ViewerConfig.from_settings(app.config), "heavy.html", _heavy_html())
    assert document.error.startswith("변환이 2초 안에 끝나지 않아 중단했습니다.")
    english = _client(client, login, "boss_en").get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert ("The conversion did not finish within 2 seconds and was stopped. The file may be too complex or damaged."
            in unescape(english))
    korean = _client(client, login, "boss_ko").get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert "변환이 2초 안에 끝나지 않아 중단했습니다." in unescape(korean)


def test_a_row_failed_before_the_detail_was_kept_shows_its_korean_text(cfg, client, login, admins):
    document = create_document(db.session, cfg, filename="a.pdf", data=pdf_with_pages(1), title="옛 문서")
    document.status, document.error = "failed", "변환하지 못했습니다(옛 기록)."
    db.session.commit()
    page = _client(client, login, "boss_en").get(f"/admin/documents/{document.id}").get_data(as_text=True)
    assert "변환하지 못했습니다(옛 기록)." in unescape(page)


def test_group_errors_speak_the_readers_language(client, login, admins):
    english = _client(client, login, "boss_en")
    token = csrf_token_from(english.get("/admin/groups").get_data(as_text=True))
    response = english.post("/admin/groups", data={"csrf_token": token, "name": "1조", "members": "nobody"},
                            follow_redirects=True)
    assert "No such username: nobody" in unescape(response.get_data(as_text=True))

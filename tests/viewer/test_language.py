"""Page counts in the reader's language: English says "1 page" and "2 pages", and a page image is "Page n"."""
from html import unescape

from extensions import db
from tests.viewer.conftest import open_viewer, pdf_with_pages


def test_page_counts_are_plural_aware(client, login, reader, add_document):
    add_document("one.pdf", pdf_with_pages(1), title="한 쪽 문서")
    two = add_document("two.pdf", pdf_with_pages(2), title="두 쪽 문서")
    login("reader")
    korean = client.get("/documents").get_data(as_text=True)
    assert "· 1쪽" in korean and "· 2쪽" in korean
    reader.locale = "en"
    db.session.commit()
    english = unescape(client.get("/documents").get_data(as_text=True))
    assert "· 1 page" in english and "· 2 pages" in english and "1 pages" not in english
    view = open_viewer(client, two)
    fragment = client.get(f"/viewer/{two.id}/pages/2?v={view}").get_data(as_text=True)
    assert 'alt="Page 2"' in fragment

"""No route, whoever asks, ever returns the original or the converted file."""
import re

import pytest

from core.documents.service import ViewerConfig
from tests.viewer.conftest import KOREAN_HTML, pdf_with_pages


def _urls(app, doc_id: int) -> list[str]:
    """One concrete GET URL per rule, with the document's id wherever a number goes."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            if kind in ("IntegerConverter", "NumberConverter"):
                values[name] = 1 if name == "page" else doc_id
            elif kind == "PathConverter":
                values[name] = "documents/document.pdf"
            else:
                values[name] = str(doc_id)
        urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(urls))


def _assert_no_file(response, secrets: list[bytes], url: str) -> None:
    body = response.get_data()
    assert not body.lstrip().startswith(b"%PDF"), url
    assert b"%PDF-" not in body[:4096], url
    assert response.mimetype not in ("application/pdf", "application/octet-stream", "text/html; attachment"), url
    if response.mimetype != "text/csv":   # the console's own CSV exports (audit log) are downloads, not the file
        assert "attachment" not in response.headers.get("Content-Disposition", ""), url
    for secret in secrets:
        assert secret not in body, url


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_every_route_as_staff_and_admin(app, client, login, make_user, add_document, role):
    make_user("walker", role=role, display_name="순회자")
    html = add_document("secret.html", KOREAN_HTML.encode(), title="비밀 공지")
    pdf_data = pdf_with_pages(2)
    pdf_doc = add_document("secret.pdf", pdf_data, title="비밀 PDF")
    cfg = ViewerConfig.from_settings(app.config)
    secrets = [pdf_data[:200], pdf_data[-200:], KOREAN_HTML.encode()[:120],
               cfg.file(html.pdf_path).read_bytes()[-300:], cfg.file(pdf_doc.pdf_path).read_bytes()[-300:]]
    login("walker")
    walked = followed = 0
    for document in (html, pdf_doc):
        for url in _urls(app, document.id):
            if url in ("/logout",):
                continue
            response = client.get(url, headers={"Accept": "*/*"})
            _assert_no_file(response, secrets, url)
            walked += 1
            # Follow the viewer the way a browser does: viewer page, fragment, then the signed image.
            if re.fullmatch(r"/viewer/\d+", url) and response.status_code == 200:
                view = re.search(r'name="v" value="([^"]+)"', response.get_data(as_text=True)).group(1)
                fragment = client.get(f"{url}/pages/1?v={view}")
                _assert_no_file(fragment, secrets, url)
                src = re.search(r'src="([^"]+)"', fragment.get_data(as_text=True)).group(1).replace("&amp;", "&")
                image = client.get(src)
                assert image.status_code == 200 and image.mimetype == "image/jpeg"
                _assert_no_file(image, secrets, src)
                followed += 1
    assert walked > 20 and followed == 2
    # The files really exist on disk: the assertions above could have found them.
    assert cfg.file(pdf_doc.pdf_path).read_bytes().startswith(b"%PDF")

"""The reader's routes: 문서함, viewer, signed page images, expiry, session binding, revocation, audit."""
import io
import re
import time

import pikepdf
from flask.testing import FlaskClient
from PIL import Image

from core.documents.service import ViewerConfig, storage_key
from core.documents.signing import PageGrant, sign
from core.models.documents import DocumentView
from core.models.groups import StaffGroup, StaffGroupMember
from core.user_sessions import key_digest
from extensions import db
from tests.viewer.conftest import KOREAN_HTML, image_url, open_viewer, pdf_with_pages


def test_documents_lists_shared_documents_newest_first(client, login, reader, departments, add_document):
    add_document("a.html", KOREAN_HTML.encode(), title="첫 공지")
    add_document("b.html", KOREAN_HTML.encode(), title="부서 공지", share_all=False,
                 department_ids=[departments["교통정책과"].id])
    add_document("c.html", KOREAN_HTML.encode(), title="다른 부서 공지", share_all=False,
                 department_ids=[departments["세정과"].id])
    add_document("d.html", KOREAN_HTML.encode(), title="공유 안 함", share_all=False)
    login("reader")
    html = client.get("/documents").get_data(as_text=True)
    assert "다른 부서 공지" not in html and "공유 안 함" not in html
    assert html.index("부서 공지") < html.index("첫 공지")
    more = client.get("/more").get_data(as_text=True)
    assert 'href="/documents"' in more and "문서함" in more


def test_group_share_reaches_members_only(client, login, reader, other, add_document):
    group = StaffGroup(name="재난대응 1조")
    group.members = [StaffGroupMember(user_id=other.id)]
    db.session.add(group)
    db.session.commit()
    document = add_document("g.html", KOREAN_HTML.encode(), title="그룹 문서", share_all=False, group_ids=[group.id])
    login("reader")
    assert client.get(f"/viewer/{document.id}").status_code == 404
    member = client.application.test_client()
    login("other", test_client=member)
    assert member.get(f"/viewer/{document.id}").status_code == 200
    assert "그룹 문서" in member.get("/documents").get_data(as_text=True)


def test_viewer_page_loads_pages_lazily_with_strict_csp(client, login, reader, add_document):
    document = add_document("five.pdf", pdf_with_pages(5), title="다섯 쪽")
    login("reader")
    response = client.get(f"/viewer/{document.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # viewer.js fetches each page's fragment as it comes near the screen, at its shown width.
    assert html.count(f'data-fragment="/viewer/{document.id}/pages/') == 5
    assert 'data-widths="720 1080 1440 1620 2160"' in html
    assert "<img" not in html.split('<ol class="pages"')[1]   # no page image until revealed
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html and "style=" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.query(DocumentView).filter_by(kind="view", user_id=reader.id).count() == 1


def test_page_image_is_a_watermarked_jpeg_never_stored(client, login, reader, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    response = client.get(image_url(client, document), headers={"User-Agent": "TestPhone/1.0"})
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == "inline"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "JPEG" and image.width == 1080
    view = open_viewer(client, document)
    zoom = client.get(image_url(client, document, zoom=True, view=view))
    assert Image.open(io.BytesIO(zoom.data)).width == 1440   # z=1: a viewer opened before widths
    rows = db.session.query(DocumentView).filter_by(kind="page").order_by(DocumentView.id).all()
    assert [(r.user_id, r.page, r.width) for r in rows] == [(reader.id, 1, 1080), (reader.id, 1, 1440)]
    assert rows[0].user_agent == "TestPhone/1.0" and rows[0].ip == "127.0.0.1"
    assert rows[0].request_id == response.headers["X-Request-Id"]
    assert rows[1].request_id == view   # every page fetch is tied to the viewing it belongs to
    # A fragment for a viewing that is not the reader's own is refused.
    assert client.get(f"/viewer/{document.id}/pages/1?v=R-00000000").status_code == 400


def test_expired_url_is_refused(app, client, login, reader, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    url = image_url(client, document)
    assert client.get(url).status_code == 200
    expires = int(re.search(r"e=(\d+)", url).group(1))
    assert expires - time.time() <= 300
    with client.session_transaction() as sess:
        nonce = key_digest(sess["sid"])   # the session's server-side value (web.sessions.session_nonce)
    view = re.search(r"v=(R-[0-9A-F]+)", url).group(1)
    past = PageGrant(document.id, 1, 1080, int(time.time()) - 1, view)
    signature = sign(app.config["SECRET_KEY"], past, reader.id, nonce)
    stale = f"/viewer/{document.id}/img/1?w=1080&e={past.expires}&v={view}&s={signature}"
    response = client.get(stale)
    assert response.status_code == 403 and "만료" in response.get_data(as_text=True)
    # Tampering with the expiry breaks the signature.
    assert client.get(url.replace(f"e={expires}", f"e={expires + 60}")).status_code == 403
    assert client.get(url.replace("/img/1", "/img/2")).status_code == 403   # signed for page 1 only
    assert client.get(url.replace(f"v={view}", "v=R-00000000")).status_code == 403   # and for its viewing


def test_url_is_bound_to_user_and_session(client, login, reader, other, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    url = image_url(client, document)
    thief = client.application.test_client()
    login("other", test_client=thief)
    assert thief.get(url).status_code == 403          # another user's session
    second: FlaskClient = client.application.test_client()
    login("reader", test_client=second)
    assert second.get(url).status_code == 403         # the same user, another sign-in
    anonymous = client.application.test_client()
    assert anonymous.get(url).status_code in (302, 401)
    assert client.get(url).status_code == 200


def test_revocation_stops_rendering_at_once(app, client, login, reader, admin, add_document):
    from tests.conftest import csrf_token_from

    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    url = image_url(client, document)
    assert client.get(url).status_code == 200
    cfg = ViewerConfig.from_settings(app.config)
    assert cfg.cache.has(storage_key(document), 1, 1080)
    boss = client.application.test_client()
    login("boss", test_client=boss)
    token = csrf_token_from(boss.get(f"/admin/documents/{document.id}").get_data(as_text=True))
    assert boss.post(f"/admin/documents/{document.id}/revoke", data={"csrf_token": token}).status_code == 302
    response = client.get(url)            # the same, still valid URL
    assert response.status_code == 410 and "회수된 문서" in response.get_data(as_text=True)
    assert client.get(f"/viewer/{document.id}").status_code == 410
    assert client.get(f"/viewer/{document.id}/pages/1?v={url.split('v=')[1].split('&')[0]}").status_code == 410
    assert "테스트 문서" not in client.get("/documents").get_data(as_text=True)
    assert not cfg.cache.has(storage_key(document), 1, 1080)


def test_pages_outside_the_document_are_refused(client, login, reader, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    view = open_viewer(client, document)
    assert client.get(f"/viewer/{document.id}/pages/2?v={view}").status_code == 404
    assert client.get(f"/viewer/{document.id}/img/1?w=4000&e=1&s=x").status_code == 400
    assert client.get("/viewer/999").status_code == 404


def test_outsiders_learn_nothing_about_a_revoked_document(app, client, login, reader, other, departments,
                                                          add_document):
    from core.documents.service import revoke

    document = add_document("notice.html", KOREAN_HTML.encode(), share_all=False,
                            department_ids=[departments["교통정책과"].id])
    revoke(db.session, ViewerConfig.from_settings(app.config), document)
    login("reader")
    assert client.get(f"/viewer/{document.id}").status_code == 410
    outsider = client.application.test_client()
    login("other", test_client=outsider)
    assert outsider.get(f"/viewer/{document.id}").status_code == 404


def test_each_page_keeps_its_own_shape_before_its_image_arrives(client, login, reader, add_document):
    """A landscape page among portrait ones is reserved as landscape, so nothing below it moves when it loads."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.add_blank_page(page_size=(842, 595))
    rotated = pdf.add_blank_page(page_size=(595, 842))
    rotated.rotate(90, relative=False)
    out = io.BytesIO()
    pdf.save(out)
    document = add_document("mixed.pdf", out.getvalue(), title="가로 쪽이 섞인 문서")
    assert document.page_sizes == [[595, 842], [842, 595], [842, 595]]   # as pdfium draws them
    login("reader")
    html = client.get(f"/viewer/{document.id}").get_data(as_text=True)
    assert re.findall(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', html) == [
        ("595.0", "842.0"), ("842.0", "595.0"), ("842.0", "595.0")]
    view = re.search(r'id="view-id" name="v" value="([^"]+)"', html).group(1)
    fragment = client.get(f"/viewer/{document.id}/pages/2?v={view}").get_data(as_text=True)
    assert 'width="842" height="595"' in fragment
    image = Image.open(io.BytesIO(client.get(image_url(client, document, 2, view=view)).data))
    assert image.width == 1080 and abs(image.height - 1080 * 595 / 842) <= 1


def test_a_document_converted_before_page_sizes_were_kept_shows_a4(client, login, reader, add_document):
    document = add_document("five.pdf", pdf_with_pages(2), title="예전 문서")
    document.page_sizes = None
    db.session.commit()
    login("reader")
    html = client.get(f"/viewer/{document.id}").get_data(as_text=True)
    assert html.count('viewBox="0 0 595.0 842.0"') == 2

"""The console's list shows a new upload, and then its end of conversion, without a reload (issue 12)."""
import io
import re

from core.documents.service import process_document
from core.models.documents import Document
from extensions import db
from tests.conftest import csrf_token_from
from tests.viewer.conftest import KOREAN_HTML

LIST = re.compile(r'<div id="document-list"[^>]*>')


def test_the_list_polls_while_a_document_converts_and_stops_after(client, login, make_user, departments, cfg):
    make_user("deptboss", role="dept_admin", display_name="과장", department_id=departments["교통정책과"].id)
    login("deptboss")
    page = client.get("/admin/documents").get_data(as_text=True)
    idle = LIST.search(page).group(0)
    # Nothing converts: the list only listens for an upload (no timer runs on an idle console).
    assert 'hx-get="/admin/documents/rows"' in idle and "every" not in idle
    assert 'hx-trigger="documents-changed from:body"' in idle and 'hx-swap="outerHTML"' in idle

    response = client.post("/admin/documents", headers={"HX-Request": "true"}, content_type="multipart/form-data",
                           data={"csrf_token": csrf_token_from(page), "title": "주정차 단속 안내", "share_all": "1",
                                 "file": (io.BytesIO(KOREAN_HTML.encode()), "notice.html")})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "documents-changed"   # the list fetches itself at once

    rows = client.get("/admin/documents/rows", headers={"HX-Request": "true"}).get_data(as_text=True)
    polling = LIST.search(rows).group(0)
    assert "every 3s" in polling and "주정차 단속 안내" in rows and "변환 중" in rows
    assert "<html" not in rows and "<h1" not in rows           # the list alone, not the page
    assert "every 3s" in LIST.search(client.get("/admin/documents").get_data(as_text=True)).group(0)

    # The worker's conversion ends: the next poll shows it readable, and carries no timer any more.
    document = db.session.query(Document).one()
    process_document(db.session, cfg, document.id)
    rows = client.get("/admin/documents/rows", headers={"HX-Request": "true"}).get_data(as_text=True)
    done = LIST.search(rows).group(0)
    assert "every" not in done and "열람 가능" in rows and "변환 중" not in rows
    assert f'href="/admin/documents/{document.id}"' in rows


def test_staff_cannot_poll_the_console_list(client, login, make_user):
    make_user("clerk", display_name="직원")
    login("clerk")
    assert client.get("/admin/documents/rows", headers={"HX-Request": "true"}).status_code == 403

"""Fixtures for the viewer: departments, readers, documents made through the real pipeline."""
from __future__ import annotations

import io
import re

import pikepdf
import pytest
from PIL import Image, ImageDraw

from core.documents.service import ViewerConfig, create_document, process_document, set_shares
from core.models.organization import Department
from extensions import db

KOREAN_HTML = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>공지</title>
<style>h1 { font-size: 28pt; } p { font-size: 16pt; }</style></head><body>
<h1>고양특례시 교통정책과 공지</h1>
<p>주민 여러분 안녕하십니까. 일산동구 불법 주정차 단속 계획을 알려 드립니다.</p>
<p>문의: 031-8075-1234</p>
</body></html>"""


@pytest.fixture
def cfg(app) -> ViewerConfig:
    return ViewerConfig.from_settings(app.config)


@pytest.fixture
def departments(app) -> dict[str, Department]:
    rows = {name: Department(organization="고양특례시", name=name, search_key=name[:-1])
            for name in ("교통정책과", "세정과")}
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.fixture
def reader(make_user, departments):
    return make_user("reader", display_name="김민준", employee_no="2019-0123",
                     department_id=departments["교통정책과"].id)


@pytest.fixture
def other(make_user, departments):
    return make_user("other", display_name="이서연", employee_no="2020-0456", department_id=departments["세정과"].id)


@pytest.fixture
def admin(make_user):
    return make_user("boss", role="admin", display_name="관리자")


@pytest.fixture
def add_document(cfg):
    """Upload and convert through the real pipeline: ``add_document("a.html", data, share_all=True)``."""
    def add(filename: str, data: bytes, *, title: str = "테스트 문서", share_all: bool = True,
            department_ids=(), group_ids=(), owner=None):
        document = create_document(db.session, cfg, filename=filename, data=data, title=title, owner=owner)
        set_shares(db.session, document, all_staff=share_all, department_ids=department_ids, group_ids=group_ids)
        db.session.commit()
        process_document(db.session, cfg, document.id)
        db.session.refresh(document)
        return document
    return add


def pdf_with_pages(count: int, label: str = "page") -> bytes:
    """A simple PDF with drawn content on each page (pikepdf, no text fonts needed)."""
    pdf = pikepdf.new()
    for i in range(count):
        image = Image.new("RGB", (400, 560), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((40, 40 + i % 10 * 30, 360, 90 + i % 10 * 30), fill=(20, 20, 20))
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=50)
        pdf.pages.extend(pikepdf.open(io.BytesIO(buffer.getvalue())).pages)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def open_viewer(client, document) -> str:
    """Open the viewer as a browser does; returns this viewing's request id."""
    html = client.get(f"/viewer/{document.id}").get_data(as_text=True)
    return re.search(r'id="view-id" name="v" value="([^"]+)"', html).group(1)


def image_url(client, document, page: int = 1, zoom: bool = False, view: str | None = None,
              width: int | None = None) -> str:
    """The signed image URL the page fragment hands out (opening the viewer first if needed); ``width`` is
    what the viewer's script asks for (CSS width × devicePixelRatio)."""
    view = view or open_viewer(client, document)
    query = ("&z=1" if zoom else "") + (f"&w={width}" if width else "")
    html = client.get(f"/viewer/{document.id}/pages/{page}?v={view}" + query).get_data(as_text=True)
    return re.search(r'src="([^"]+)"', html).group(1).replace("&amp;", "&")

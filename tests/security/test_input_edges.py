"""What is refused before any view: ids past the database's integers, NUL bytes, redirects with control
characters, methods a route does not take; and a few refusals deeper down (shares, oversized images).
Run on SQLite and on PostgreSQL (``TEST_DATABASE_URL``), where most of these were 500s."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from core.db import MAX_ID, Base
from core.documents import DocumentError
from core.documents.intake import check_upload, image_size
from core.models.accounts import AuditLog
from core.models.documents import Document, DocumentShare
from core.models.groups import StaffGroup
from extensions import db
from tests.conftest import csrf_token_from
from web.converters import IdConverter, int_arg, page_arg

BIG = ("2147483648", "9223372036854775808", "9" * 5000, "١٢")   # past PostgreSQL, past SQLite, past int(), not ASCII


def _table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
            if t.name not in ("audit_log", "rate_limits")}


@pytest.fixture
def admin_client(app, client, login, make_user):
    make_user("boss", role="admin")
    login("boss")
    return client


def _csrf(client) -> str:
    return csrf_token_from(client.get("/more").get_data(as_text=True))


# --- ids in paths and queries --------------------------------------------------------------------------

def test_every_integer_in_a_route_goes_through_the_id_converter(app):
    plain = [rule.rule for rule in app.url_map.iter_rules()
             for converter in rule._converters.values()
             if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)]
    assert plain == [], "use <id:...> (web.converters) for these"
    assert any("<id:" in rule.rule for rule in app.url_map.iter_rules())


@pytest.mark.parametrize("big", BIG)
def test_out_of_range_ids_are_not_found(admin_client, big):
    csrf = _csrf(admin_client)
    for url in (f"/viewer/{big}", f"/viewer/{big}/pages/1", f"/viewer/1/pages/{big}", f"/admin/tasks/{big}",
                f"/admin/documents/{big}", f"/admin/users/{big}", f"/admin/lettering/calls/{big}",
                f"/p/fz/go/{big}"):
        assert admin_client.get(url).status_code == 404, url
    for url in (f"/admin/documents/{big}/shares", f"/admin/documents/{big}/revoke", f"/admin/groups/{big}/delete",
                f"/directory/{big}/recent", f"/admin/lettering/jobs/{big}/retry"):
        assert admin_client.post(url, data={"csrf_token": csrf}).status_code == 404, url


def test_the_largest_id_is_routed_and_simply_not_found(admin_client):
    assert admin_client.get(f"/admin/tasks/{MAX_ID}").status_code == 404
    assert admin_client.get(f"/admin/documents/{MAX_ID}").status_code == 404


@pytest.mark.parametrize("page", ["9223372036854775807", "2147483648", "-1", "1e9", "٣", "9" * 5000])
def test_page_numbers_in_the_query_never_fail(admin_client, page):
    for url in ("/admin/audit", "/admin/users", "/admin/lettering/calls", "/admin/lettering/lines",
                "/admin/lettering/optouts"):
        assert admin_client.get(url, query_string={"page": page, "dept": page}).status_code == 200, url


def test_query_integer_helpers(app):
    cases = {"5": (5, 5), "0": (None, 1), "-3": (None, 1), "2147483647": (MAX_ID, 10_000),
             "2147483648": (None, 10_000), "9" * 5000: (None, 10_000), "1e3": (None, 1), "٣": (None, 1), "": (None, 1)}
    for raw, (as_id, as_page) in cases.items():
        with app.test_request_context("/", query_string={"n": raw, "page": raw}):
            assert int_arg("n") == as_id, raw
            assert page_arg() == as_page, raw
    with app.test_request_context("/?days=30"):
        assert int_arg("days", 14, minimum=1, maximum=90) == 30
        assert int_arg("missing", 14) == 14


# --- NUL bytes -----------------------------------------------------------------------------------------

def test_nul_bytes_are_refused_before_any_view_and_store_nothing(app, client, login, make_user):
    make_user("boss", role="admin")
    anonymous = app.test_client()
    token = anonymous.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1][:200]
    token = token.split('"', 1)[0]
    audit_before = db.session.scalar(select(func.count(AuditLog.id)))
    before = _table_counts()
    answer = anonymous.post("/login", data={"username": "bo\x00ss", "password": "x", "csrf_token": token})
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit_before   # not even a failed sign-in
    login("boss")
    csrf = _csrf(client)
    refused = [
        client.get("/admin/audit", query_string={"user": "a\x00"}),
        client.get("/admin/users", query_string={"q": "\x00"}),
        client.get("/optout/abc%00def"),
        client.post("/admin/groups", data={"name": "조\x00", "members": "boss", "csrf_token": csrf}),
        client.post("/admin/documents", data={"title": "공지\x00", "csrf_token": csrf,
                                              "file": (io.BytesIO("본문".encode()), "공지.txt")},
                    content_type="multipart/form-data"),
        client.post("/admin/documents", data={"title": "공지", "csrf_token": csrf,
                                              "file": (io.BytesIO("본문".encode()), "공\x00지.txt")},
                    content_type="multipart/form-data"),
    ]
    assert [r.status_code for r in refused] == [400] * len(refused)
    assert "NUL" in refused[0].get_data(as_text=True)
    assert _table_counts() == {**before, "user_sessions": _table_counts()["user_sessions"]}
    assert db.session.scalar(select(func.count(StaffGroup.id))) == 0
    assert db.session.scalar(select(func.count(Document.id))) == 0
    # The session is still readable: nothing of the refused input reached it.
    assert client.get("/admin/groups").status_code == 200


def test_json_bodies_keep_their_own_check(client, login, make_user):
    make_user("kim")
    login("kim")
    answer = client.post("/api/voice-dial", data=b'{"transcript": "a\\u0000"}', content_type="application/json",
                         headers={"X-CSRFToken": _csrf(client)})
    assert answer.status_code == 400 and answer.is_json


# --- redirects -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: stolen=1", "/\nx", "/\t/evil.example", "//evil.example",
                                    "/\\evil.example", "https://evil.example/", "/a\x7fb"])
def test_next_is_a_local_path_without_control_characters(app, client, make_user, target):
    make_user("kim")
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    signed_in = client.post("/login", query_string={"next": target},
                            data={"username": "kim", "password": "test-password-1!", "csrf_token": token})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    assert "stolen" not in str(signed_in.headers)
    language = client.post("/account/language", data={"lang": "en", "next": target, "csrf_token": _csrf(client)})
    assert language.status_code == 302 and language.headers["Location"] == "/"


def test_a_local_next_is_still_followed(client, login, make_user):
    make_user("kim")
    login("kim")
    answer = client.post("/account/language",
                         data={"lang": "ko", "next": "/documents?x=1", "csrf_token": _csrf(client)})
    assert answer.headers["Location"] == "/documents?x=1"


# --- methods ---------------------------------------------------------------------------------------------

def test_a_method_a_route_does_not_take_answers_405(app, client, login, make_user):
    anonymous = app.test_client()
    for method in ("DELETE", "PUT", "PATCH"):
        answer = anonymous.open("/login", method=method)
        assert answer.status_code == 405 and set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert anonymous.open("/api/voice-dial", method="DELETE").get_json()["code"] == "method_not_allowed"
    make_user("kim")
    login("kim")
    assert client.delete("/logout").status_code == 405
    assert client.put("/directory").status_code == 405
    assert client.get("/logout").status_code == 405
    assert app.test_client().post("/no-such-page").status_code == 404


# --- deeper refusals -------------------------------------------------------------------------------------

def test_shares_leave_out_departments_and_groups_that_do_not_exist(admin_client, app):
    from core.documents.service import ViewerConfig, create_document

    document = create_document(db.session, ViewerConfig.from_settings(app.config), filename="a.txt",
                               data="공지".encode(), title="공지")
    db.session.commit()
    answer = admin_client.post(f"/admin/documents/{document.id}/shares", data={
        "csrf_token": _csrf(admin_client), "share_all": "1",
        "departments": ["9223372036854775807", "2147483647", "99", "²", "١"], "groups": ["5", "9" * 30]})
    assert answer.status_code == 302
    assert db.session.scalars(select(DocumentShare.scope).filter_by(document_id=document.id)).all() == ["all"]


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_a_huge_image_is_too_large_not_damaged(admin_client):
    with pytest.raises(DocumentError) as info:
        check_upload("big.png", _png_header(30_000, 30_000), max_bytes=30 * 1024 * 1024)
    assert "이미지가 너무 큽니다(30000×30000)" in str(info.value) and "손상" not in str(info.value)
    answer = admin_client.post("/admin/documents", data={
        "title": "큰 그림", "csrf_token": _csrf(admin_client),
        "file": (io.BytesIO(_png_header(30_000, 30_000)), "big.png")},
        content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert answer.status_code == 422 and "너무 큽니다" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_image_sizes_are_read_from_the_headers():
    from PIL import Image

    for kind, options in (("png", {}), ("jpeg", {}), ("jpeg", {"progressive": True}), ("jpeg", {"exif": b"E" * 900})):
        out = io.BytesIO()
        Image.new("RGB", (321, 123)).save(out, kind.upper(), **options)
        assert image_size(kind, out.getvalue()) == (321, 123)
    assert image_size("jpeg", b"\xff\xd8\xff") is None and image_size("png", b"\x89PNG") is None
    assert check_upload("ok.png", _png_header(6_000, 6_000), max_bytes=10**7).kind == "png"   # 36 MP is allowed

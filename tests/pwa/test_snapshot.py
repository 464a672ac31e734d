"""GET /api/directory/snapshot and the admin setting that leaves mobile numbers out."""
import gzip
import json

import pytest

from core import app_settings
from core.accounts import issue_token
from core.models.accounts import AuditLog
from core.offline_snapshot import display_phone
from core.phone import format_korean
from extensions import db
from tests.conftest import csrf_token_from


def _snapshot(client, **headers):
    response = client.get("/api/directory/snapshot", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response, json.loads(body)


def test_snapshot_needs_a_signed_in_user(client, directory):
    response = client.get("/api/directory/snapshot")
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == "로그인이 필요합니다."


def test_snapshot_accepts_a_bearer_token(client, make_user, directory):
    user = make_user("kim")
    token = issue_token(db.session, user)
    db.session.commit()
    _, body = _snapshot(client, Authorization=f"Bearer {token}")
    assert body["count"] == 2


def test_snapshot_carries_what_offline_search_shows(client, make_user, login, directory):
    make_user("kim")
    login("kim")
    response, body = _snapshot(client)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert body["generated_at"].endswith("+00:00")
    by_name = {e["name"]: e for e in body["entries"]}
    kim = by_name["김민준"]
    assert kim == {"id": directory["kim"].id, "kind": "staff", "name": "김민준", "initials": "ㄱㅁㅈ",
                   "organization": "고양특례시", "department": "교통정책과", "dept_key": "교통정책",
                   "title": "주무관", "duty": "불법 주정차 단속", "extension": "5101",
                   "phone": "031-8075-1234", "mobile": "010-1234-5678", "email": "minjun@example.go.kr"}
    lee = by_name["이서연"]
    # A department without a stored key gets one made from its name.
    assert lee["dept_key"] == "마두1동" and lee["mobile"] == "" and lee["email"] == ""


def test_snapshot_answers_304_until_the_directory_changes(client, make_user, login, directory):
    make_user("kim")
    login("kim")
    first, _ = _snapshot(client)
    etag = first.headers["ETag"]
    again = client.get("/api/directory/snapshot", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.get_data()
    directory["kim"].extension = "5199"
    db.session.commit()
    changed, body = _snapshot(client, **{"If-None-Match": etag})
    assert changed.headers["ETag"] != etag
    assert {e["extension"] for e in body["entries"]} == {"5199", "6201"}


def test_snapshot_is_gzipped_for_clients_that_accept_it(client, make_user, login, app):
    from core.models.organization import Person
    db.session.add_all([Person(name=f"직원{i}", extension=str(7000 + i)) for i in range(50)])
    db.session.commit()
    make_user("kim")
    login("kim")
    plain, body = _snapshot(client)
    assert "Content-Encoding" not in plain.headers
    zipped, same = _snapshot(client, **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.get_data()) < len(plain.get_data()) / 2
    assert same["entries"] == body["entries"]


def test_admin_can_leave_mobile_numbers_out(client, make_user, login, directory):
    make_user("boss", role="admin")
    login("boss")
    _, body = _snapshot(client)
    etag_with = client.get("/api/directory/snapshot").headers["ETag"]
    assert body["include_mobile"] is True and any(e.get("mobile") for e in body["entries"])

    page = client.get("/admin/offline-directory")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "오프라인 연락처에 휴대전화 번호 포함" in html and 'checked' in html
    response = client.post("/admin/offline-directory", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 302
    assert app_settings.get(db.session, app_settings.OFFLINE_INCLUDE_MOBILE) is False

    without, body = _snapshot(client, **{"If-None-Match": etag_with})
    assert without.headers["ETag"] != etag_with
    assert body["include_mobile"] is False
    assert all("mobile" not in e for e in body["entries"])
    entry = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "setting_changed")).one()
    assert entry.username == "boss" and entry.detail == {"old": True, "new": False}

    html = client.get("/admin/offline-directory").get_data(as_text=True)
    assert "휴대전화 번호 제외" in html
    client.post("/admin/offline-directory", data={"csrf_token": csrf_token_from(html), "include_mobile": "y"})
    assert app_settings.get(db.session, app_settings.OFFLINE_INCLUDE_MOBILE) is True


def test_setting_page_is_for_admins_only_and_needs_csrf(client, make_user, login):
    make_user("lead", role="dept_admin")
    login("lead")
    assert client.get("/admin/offline-directory").status_code == 403
    assert "오프라인 연락처" not in client.get("/admin/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/more").get_data(as_text=True))})
    make_user("boss", role="admin")
    login("boss")
    assert 'href="/admin/offline-directory"' in client.get("/admin/").get_data(as_text=True)
    refused = client.post("/admin/offline-directory", data={})
    assert refused.status_code == 400
    assert "보안 토큰" in refused.get_data(as_text=True)
    assert app_settings.get(db.session, app_settings.OFFLINE_INCLUDE_MOBILE) is True


def test_settings_reject_unknown_keys(app):
    with pytest.raises(KeyError):
        app_settings.set(db.session, "no.such.key", 1)
    assert app_settings.get(db.session, "no.such.key") is None


def test_display_phone_writes_numbers_as_format_korean_does():
    samples = ["+8227001234", "+82221234567", "+823180751234", "+82319091234", "+821012345678",
               "+827012345678", "+8215881234", "+82641234567", "", "+12025550123"]
    for number in samples:
        assert display_phone(number) == format_korean(number), number

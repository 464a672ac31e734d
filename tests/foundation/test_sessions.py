"""Sessions that really end: a cookie copied before sign-out, a password change, a reset, a disabled account or
a role change opens nothing afterwards; idle and absolute limits; the bookkeeping's cost per request; the
cache headers of signed-in pages; secrets.json's mode."""
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import accounts
from core.models.accounts import AuditLog, User, UserSession
from core.settings import _instance_secrets
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from
from tests.viewer import conftest as viewer
from tests.viewer.conftest import KOREAN_HTML, image_url

# The viewer's fixtures, for replaying a signed page-image URL.
cfg, departments, reader, add_document = viewer.cfg, viewer.departments, viewer.reader, viewer.add_document

NEW_PASSWORD = "another-pass-42"


def _copy(client, app):
    """A second browser holding the very same cookie (what a thief who copied it would hold)."""
    return _browser_with(app, client.get_cookie("session").value)


def _browser_with(app, cookie: str):
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser


def _signed_in(c) -> bool:
    return c.get("/more").status_code == 200


def _fresh_user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_a_cookie_copied_before_logout_opens_nothing_after(app, client, login, reader, add_document):
    document = add_document("notice.html", KOREAN_HTML.encode())
    login("reader")
    url = image_url(client, document)
    token = csrf_token_from(client.get("/more").get_data(as_text=True))
    copied = client.get_cookie("session").value
    # Before sign-out the copy works like the original: this is what must stop.
    assert _browser_with(app, copied).get("/").status_code == 200
    assert _browser_with(app, copied).get(url).status_code == 200

    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    for path in ("/", "/documents", url):
        answer = _browser_with(app, copied).get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    # A CSRF-protected POST with the copied cookie and its valid token does nothing as the user.
    changed = _browser_with(app, copied).post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302 and "/login" in changed.headers["Location"]
    assert accounts.verify_password(_fresh_user(reader.id).password_hash, PASSWORD)
    made = _browser_with(app, copied).post("/account/tokens", data={"csrf_token": token, "name": "stolen",
                                                                    "days": "30"})
    assert made.status_code == 302 and accounts.user_tokens(db.session, reader) == []
    [row] = db.session.scalars(sa.select(UserSession)).all()
    assert row.end_reason == "logout" and row.ended_at is not None


def test_a_password_change_ends_the_other_sessions_and_renews_this_one(app, make_user, login):
    kim = make_user("kim")
    phone, laptop = app.test_client(), app.test_client()
    login("kim", test_client=phone)
    login("kim", test_client=laptop)
    copy_of_phone = _copy(phone, app)
    token = csrf_token_from(phone.get("/account/password").get_data(as_text=True))
    answer = phone.post("/account/password", data={"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
    assert answer.status_code == 302
    assert "다른 기기에서는 모두 로그아웃" in phone.get("/more").get_data(as_text=True)
    assert _signed_in(phone)
    assert not _signed_in(laptop)          # the other session
    assert not _signed_in(copy_of_phone)   # a copy of this session's cookie from before the change
    [entry] = db.session.scalars(sa.select(AuditLog).filter_by(action="password_changed")).all()
    assert entry.detail["sessions_ended"] == 1 and entry.user_id == kim.id


@pytest.mark.parametrize(("change", "data", "reason"), [("password", {}, "password"),
                                                        ("role", {"role": "dept_admin"}, "role"),
                                                        ("disable", {}, "disabled")])
def test_an_admin_reset_role_change_or_disable_ends_the_users_sessions(app, client, make_user, login, change,
                                                                        data, reason):
    make_user("boss", role="admin")
    kim = make_user("kim")
    login("boss")
    kims_phone, kims_laptop = app.test_client(), app.test_client()
    login("kim", test_client=kims_phone)
    login("kim", test_client=kims_laptop)
    token = csrf_token_from(client.get("/admin/users").get_data(as_text=True))
    assert client.post(f"/admin/users/{kim.id}/{change}", data={"csrf_token": token, **data}).status_code in (200, 302)
    assert not _signed_in(kims_phone) and not _signed_in(kims_laptop)
    reasons = db.session.scalars(sa.select(UserSession.end_reason).where(UserSession.user_id == kim.id)).all()
    assert reasons == [reason, reason]
    assert client.get("/admin/users").status_code == 200   # the admin's own session goes on


def test_sign_out_everywhere_else(app, make_user, login):
    make_user("kim")
    here, there, elsewhere = app.test_client(), app.test_client(), app.test_client()
    for c in (here, there, elsewhere):
        login("kim", test_client=c)
    page = here.get("/account/security").get_data(as_text=True)
    assert page.count('class="badge"') == 1 and "다른 기기에서 모두 로그아웃" in page
    answer = here.post("/account/sessions/end-others", data={"csrf_token": csrf_token_from(page)})
    assert answer.status_code == 302
    after = here.get("/account/security").get_data(as_text=True)
    assert "다른 기기 2곳에서 로그아웃했습니다." in after and "다른 기기에서 모두 로그아웃" not in after
    assert _signed_in(here) and not _signed_in(there) and not _signed_in(elsewhere)


def test_idle_limit(app, client, make_user, login, clock):
    start = clock.set_kst(2026, 3, 2, 9, 0)
    make_user("kim")
    login("kim")
    clock.move_to(start + timedelta(minutes=29))
    assert _signed_in(client)                       # used at 09:29: the idle time starts again
    clock.move_to(start + timedelta(minutes=29 + 29))
    assert _signed_in(client)
    clock.move_to(start + timedelta(minutes=29 + 29 + 31))
    answer = client.get("/more")
    assert answer.status_code == 302
    assert "오랫동안 사용하지 않아 로그아웃되었습니다" in client.get("/login").get_data(as_text=True)
    assert db.session.scalar(sa.select(UserSession.end_reason)) == "idle"


def test_absolute_limit(app, client, make_user, login, clock):
    start = clock.set_kst(2026, 3, 2, 8, 0)
    make_user("kim")
    login("kim")
    for minutes in range(20, 12 * 60, 20):      # busy all day: never idle
        clock.move_to(start + timedelta(minutes=minutes))
        assert _signed_in(client), minutes
    clock.move_to(start + timedelta(hours=12, minutes=1))
    assert not _signed_in(client)
    assert db.session.scalar(sa.select(UserSession.end_reason)) == "expired"


def test_a_page_view_costs_one_session_query_and_writes_at_most_once_a_minute(app, client, make_user, login,
                                                                                clock):
    start = clock.set_kst(2026, 3, 2, 10, 0)
    make_user("kim")
    login("kim")
    statements = _record_statements(app)
    assert _signed_in(client)
    session_reads = [s for s in statements if "FROM user_sessions" in s]
    assert len(session_reads) == 1 and "users" in session_reads[0]   # one query, joined with the user
    assert not _writes(statements)
    statements.clear()
    clock.move_to(start + timedelta(seconds=90))
    assert _signed_in(client)
    assert [s.split()[0] for s in _writes(statements)] == ["UPDATE"]
    statements.clear()
    clock.move_to(start + timedelta(seconds=120))
    assert _signed_in(client) and not _writes(statements)


def _record_statements(app) -> list[str]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))
    sa.event.listen(engine, "before_cursor_execute", before)
    return statements


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]


def test_signed_in_pages_are_not_stored_and_static_files_stay_immutable(app, client, make_user, login):
    make_user("kim", role="admin")
    login("kim")
    for path in ("/documents", "/account/security", "/account/password", "/admin/users"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    # Pages the offline app keeps (and forgets at sign-out) are asked for again each time, never stored by
    # shared caches.
    assert client.get("/more").headers["Cache-Control"] == "private, no-cache"
    static = app.extensions["static_build"].url_path("css/app.css")
    assert client.get(f"/static/{static}").headers["Cache-Control"] == "public, max-age=31536000, immutable"
    token = csrf_token_from(client.get("/more").get_data(as_text=True))
    out = client.post("/logout", data={"csrf_token": token})
    assert out.headers["Clear-Site-Data"] == '"cache"'
    login_page = client.get("/login").get_data(as_text=True)
    assert "js/login." in login_page    # the script that drops htmx's history copies


def test_logout_is_a_full_page_load(client, make_user, login):
    make_user("kim")
    login("kim")
    more = client.get("/more").get_data(as_text=True)
    assert 'action="/logout" hx-boost="false"' in more


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_secrets_file_is_created_private(tmp_path, monkeypatch, umask):
    # A crash between writing and a later chmod must leave nothing readable: chmod is not called at all.
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    old = os.umask(umask)
    try:
        stored = _instance_secrets(tmp_path)
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode)
    assert mode == 0o600 and stored["SECRET_KEY"]
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.json"]     # no scratch file left
    assert _instance_secrets(tmp_path) == stored


def test_the_nightly_purge_keeps_recent_sessions_and_counting_failures(app, make_user, clock):
    from core.models.accounts import LoginFailure
    from core.user_sessions import purge, start

    now = clock.set_kst(2026, 3, 2, 4, 20)
    kim = make_user("kim")
    old, _ = start(db.session, kim, now=now - timedelta(days=40))
    old.ended_at, old.end_reason = now - timedelta(days=31), "logout"
    start(db.session, kim, now=now - timedelta(days=31))   # never ended, long past its limit
    recent, _ = start(db.session, kim, now=now - timedelta(days=2))
    recent.ended_at = now - timedelta(days=1)
    stamp = int(now.timestamp())
    db.session.add_all([LoginFailure(account_key="a", source_key="old", failures=3, window_start=stamp - 2 * 86400),
                        LoginFailure(account_key="a", source_key="new", failures=3, window_start=stamp - 600)])
    db.session.commit()
    keep = recent.id
    assert purge(db.session, max_hours=12, now=now) == 2   # ended a month ago; never ended but long over
    db.session.commit()
    assert db.session.scalars(sa.select(UserSession.id)).all() == [keep]
    assert db.session.scalars(sa.select(LoginFailure.source_key)).all() == ["new"]

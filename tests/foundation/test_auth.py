from datetime import timedelta

from core.models.accounts import AuditLog, User
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from


def test_pages_need_login(client):
    for path in ("/", "/directory", "/more", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_login_success_and_audit(client, make_user, login):
    make_user("kim", display_name="김민준")
    response = login("kim")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "김민준님" in client.get("/").get_data(as_text=True)
    actions = [row.action for row in db.session.scalars(db.select(AuditLog))]
    assert actions == ["login"]


def test_login_rejects_open_redirect(client, make_user):
    make_user("kim")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login?next=//evil.example/x", data={"username": "kim", "password": PASSWORD,
                                                                  "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_wrong_password_then_lockout_after_five(client, make_user, login):
    make_user("kim")
    for _ in range(4):
        response = login("kim", "wrong-password")
        assert response.status_code == 401
        assert "올바르지 않습니다" in response.get_data(as_text=True)
    locked = login("kim", "wrong-password")
    assert locked.status_code == 401     # the same status as any refusal: 423 would say the account exists
    assert "15분" in locked.get_data(as_text=True)
    # even the right password is refused while locked
    again = login("kim")
    assert again.status_code == 401 and "잠겼습니다" in again.get_data(as_text=True)
    user = db.session.scalar(db.select(User).filter_by(username="kim"))
    db.session.refresh(user)
    assert user.locked_until is not None
    failures = db.session.scalars(db.select(AuditLog.action)).all()
    assert failures.count("login_bad_credentials") == 4 and failures.count("login_locked") == 2


def test_login_without_csrf_is_refused(client, make_user):
    make_user("kim")
    response = client.post("/login", data={"username": "kim", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_idle_session_expires(client, make_user, login, app, clock):
    start = clock.set_kst(2026, 3, 2, 14, 0)
    make_user("kim")
    login("kim")
    assert client.get("/").status_code == 200
    clock.move_to(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=5))
    assert client.get("/").status_code == 302
    assert "다시 로그인" in client.get("/login").get_data(as_text=True)


def test_absolute_session_limit(client, make_user, login, app, clock):
    start = clock.set_kst(2026, 3, 2, 7, 0)
    make_user("kim")
    login("kim")
    clock.move_to(start + timedelta(hours=app.config["SESSION_MAX_HOURS"], seconds=5))
    assert client.get("/").status_code == 302


def test_change_password(client, make_user, login):
    make_user("kim")
    login("kim")
    token = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    bad = client.post("/account/password", data={"csrf_token": token, "current": "nope-nope-1",
                                                 "new": "new-password-22", "confirm": "new-password-22"})
    assert bad.status_code == 400 and "현재 비밀번호" in bad.get_data(as_text=True)
    ok = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                "new": "new-password-22", "confirm": "new-password-22"})
    assert ok.status_code == 302
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    relogin = login("kim", "new-password-22")
    assert relogin.status_code == 302, relogin.get_data(as_text=True)


def test_console_needs_role(client, make_user, login):
    make_user("kim")
    login("kim")
    assert client.get("/admin/").status_code == 403


def test_admin_sees_audit_log(client, make_user, login):
    make_user("boss", role="admin")
    login("boss")
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "login" in page.get_data(as_text=True)


def test_dept_admin_cannot_read_audit(client, make_user, login):
    make_user("dept", role="dept_admin")
    login("dept")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/audit").status_code == 403


def test_language_choice_switches_to_english_labels(client, make_user, login):
    make_user("kim")
    login("kim")
    token = csrf_token_from(client.get("/more").get_data(as_text=True))
    client.post("/account/language", data={"csrf_token": token, "lang": "en", "next": "/more"})
    html = client.get("/more").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_lockout_message_counts_minutes_in_english(app, client, make_user, login):
    app.config["LOGIN_LOCK_MINUTES"] = 1
    make_user("kim")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for _ in range(4):
        login("kim", "wrong-password")
    locked = login("kim", "wrong-password")
    assert locked.status_code == 401
    assert "Your account is locked for 1 minute." in locked.get_data(as_text=True)

"""The console's account management: listing, creating, disabling, roles, password resets, unlocking and
API tokens; each change audited, CSRF-checked and for admins only; bad input a clear 4xx."""
import re
from datetime import UTC, datetime, timedelta

import pytest

from core import accounts
from core.accounts import AccountError, issue_token, verify_password
from core.models.accounts import ApiToken, AuditLog, User
from core.models.organization import Department
from core.timeutil import format_kst
from extensions import db
from tests.conftest import csrf_token_from

BIG = 10**20


@pytest.fixture
def boss(make_user, login, client):
    user = make_user("boss", role="admin", display_name="관리자")
    login("boss")
    return user


@pytest.fixture
def token(client, boss):
    return csrf_token_from(client.get("/admin/users").get_data(as_text=True))


@pytest.fixture
def department(app):
    dept = Department(organization="고양특례시", parent="도시교통국", name="교통정책과", search_key="교통정책")
    db.session.add(dept)
    db.session.commit()
    return dept


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(db.select(AuditLog).filter_by(action=action).order_by(AuditLog.id)))


def _fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _shown_password(html: str) -> str:
    return re.search(r'id="new-password">([^<]+)<', html).group(1)


def _bearer(client, raw: str) -> int:
    return client.get("/api/directory/search?q=kim", headers={"Authorization": f"Bearer {raw}"}).status_code


# --- listing ---------------------------------------------------------------------------------------------

def test_list_searches_filters_and_pages(client, boss, department):
    now = datetime.now(UTC)
    for i in range(55):   # rows made directly: hashing 55 passwords would only slow the test
        db.session.add(User(username=f"user{i:02d}", password_hash="-", display_name=f"직원{i}",
                            department_id=department.id if i < 3 else None))
    db.session.add(User(username="stopped", password_hash="-", display_name="중지된 직원", is_active=False))
    db.session.add(User(username="locked1", password_hash="-", display_name="잠긴 직원",
                        locked_until=now + timedelta(minutes=10)))
    db.session.add(User(username="seen", password_hash="-", display_name="최근 로그인",
                        last_login_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)))
    db.session.commit()

    first = client.get("/admin/users").get_data(as_text=True)
    assert "59명" in first and "1 / 2쪽" in first and "user00" in first
    assert 'href="/admin/users?page=2' in first
    assert "2026-03-02 08:30" in first      # seen's last sign-in, in KST
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "2 / 2쪽" in second and "user00" not in second and "user54" in second
    assert client.get(f"/admin/users?page={BIG}").status_code == 200

    by_department = client.get("/admin/users?q=교통정책").get_data(as_text=True)
    assert "3명" in by_department and "user02" in by_department and "user03" not in by_department
    assert "교통정책과" in by_department
    assert "1명" in client.get("/admin/users?q=직원12").get_data(as_text=True)
    assert "0명" in client.get("/admin/users?q=%25").get_data(as_text=True)   # % is a character, not LIKE's
    disabled = client.get("/admin/users?status=disabled").get_data(as_text=True)
    assert "stopped" in disabled and "user00" not in disabled and "user-disabled" in disabled
    locked = client.get("/admin/users?status=locked").get_data(as_text=True)
    assert "locked1" in locked and "stopped" not in locked and "user-locked" in locked
    admins = client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "1명" in admins and "boss" in admins
    partial = client.get("/admin/users?q=stopped", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "stopped" in partial and "<html" not in partial
    assert client.get("/admin/users?q=" + "가" * 5000).status_code == 200


# --- creating ---------------------------------------------------------------------------------------------

def test_create_shows_the_generated_password_once(client, app, boss, token, department, login):
    answer = client.post("/admin/users/new", data={"csrf_token": token, "username": "lee.sy",
                                                   "display_name": "이서연", "role": "staff",
                                                   "department": str(department.id)},
                         headers={"User-Agent": "console-test"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    password = _shown_password(html)
    assert "한 번만" in html and 'hx-history="false"' in html
    assert answer.headers["Cache-Control"] == "no-store"
    user = db.session.scalar(db.select(User).filter_by(username="lee.sy"))
    assert answer.headers["HX-Replace-Url"] == f"/admin/users/{user.id}"
    assert user.display_name == "이서연" and user.department_id == department.id and user.role == "staff"
    assert password not in user.password_hash and verify_password(user.password_hash, password)
    assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)   # never shown again
    [entry] = _audit("admin.user.create")
    assert (entry.username, entry.target, entry.user_agent) == ("boss", "lee.sy", "console-test")
    assert entry.ip == "127.0.0.1" and entry.detail["role"] == "staff"
    assert password not in str(entry.detail)
    assert login("lee.sy", password, test_client=app.test_client()).headers["Location"] == "/"


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "", "display_name": "이름"}, "아이디를 입력해 주세요."),
    ({"username": "   ", "display_name": "이름"}, "아이디를 입력해 주세요."),
    ({"username": "a" * 65, "display_name": "이름"}, "아이디는 64자 이하여야 합니다."),
    ({"username": "kim min", "display_name": "이름"}, "아이디는 영문자, 숫자"),
    ({"username": "김민준", "display_name": "이름"}, "아이디는 영문자, 숫자"),
    ({"username": "kim", "display_name": ""}, "이름을 입력해 주세요."),
    ({"username": "kim", "display_name": "가" * 65}, "이름은 64자 이하여야 합니다."),
    ({"username": "kim", "display_name": "김", "role": "king"}, "알 수 없는 역할입니다: king"),
    ({"username": "kim", "display_name": "김", "department": "999"}, "알 수 없는 부서입니다."),
    ({"username": "kim", "display_name": "김", "department": str(BIG)}, "알 수 없는 부서입니다."),
    ({"username": "kim", "display_name": "김", "department": "x1"}, "알 수 없는 부서입니다."),
    ({"username": "boss", "display_name": "김"}, "이미 있는 사용자입니다: boss"),
])
def test_create_refuses_bad_input_with_a_clear_400(client, boss, token, fields, message):
    answer = client.post("/admin/users/new", data={"csrf_token": token, **fields})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1
    assert _audit("admin.user.create") == []


# --- disabling, enabling ----------------------------------------------------------------------------------

def test_disable_stops_sign_in_sessions_and_tokens_and_enable_restores_sign_in(client, app, boss, token,
                                                                              make_user, login):
    kim = make_user("kim", display_name="김민준")
    raw = issue_token(db.session, kim, "laptop")
    db.session.commit()
    kim_client = app.test_client()
    login("kim", test_client=kim_client)
    assert kim_client.get("/directory").status_code == 200 and _bearer(client, raw) == 200

    answer = client.post(f"/admin/users/{kim.id}/disable", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/admin/users/{kim.id}"
    assert _fresh(kim.id).is_active is False
    assert kim_client.get("/directory").status_code == 302            # the open session ends
    assert _bearer(app.test_client(), raw) == 401                         # the token is gone
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0
    refused = login("kim", test_client=app.test_client())
    assert refused.status_code == 401 and "사용이 중지된 계정" in refused.get_data(as_text=True)
    [entry] = _audit("admin.user.disable")
    assert entry.target == "kim" and entry.detail["tokens_revoked"] == 1 and entry.username == "boss"
    assert "user-disabled" in client.get(f"/admin/users/{kim.id}").get_data(as_text=True)

    assert client.post(f"/admin/users/{kim.id}/enable", data={"csrf_token": token}).status_code == 302
    assert _fresh(kim.id).is_active is True
    assert login("kim", test_client=app.test_client()).status_code == 302
    assert [e.target for e in _audit("admin.user.enable")] == ["kim"]


def test_an_admin_cannot_disable_or_demote_themselves(client, boss, token):
    for path, data in ((f"/admin/users/{boss.id}/disable", {}), (f"/admin/users/{boss.id}/role", {"role": "staff"})):
        answer = client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 400, path
        assert "자신의" in answer.get_data(as_text=True)
    me = _fresh(boss.id)
    assert me.is_active and me.role == "admin"
    assert _audit("admin.user.disable") == [] and _audit("admin.user.role") == []


def test_the_last_active_admin_cannot_be_demoted_or_disabled(make_user):
    first = make_user("first", role="admin")
    second = make_user("second", role="admin")
    accounts.change_role(db.session, first, second, "dept_admin")        # another admin remains
    db.session.commit()
    # ``first`` is now the only active admin: nobody else (say a disabled admin's stale request) removes them.
    stale = make_user("stale", role="admin", is_active=False)
    for change in (lambda: accounts.change_role(db.session, stale, first, "staff"),
                   lambda: accounts.disable_account(db.session, stale, first)):
        with pytest.raises(AccountError) as excinfo:
            change()
        assert "마지막 관리자" in str(excinfo.value)
    assert first.role == "admin" and first.is_active


# --- roles and departments --------------------------------------------------------------------------------

def test_change_role_is_audited_and_checked(client, boss, token, make_user):
    kim = make_user("kim")
    answer = client.post(f"/admin/users/{kim.id}/role", data={"csrf_token": token, "role": "dept_admin"})
    assert answer.status_code == 302
    assert _fresh(kim.id).role == "dept_admin"
    [entry] = _audit("admin.user.role")
    assert entry.target == "kim" and entry.detail["old"] == "staff" and entry.detail["new"] == "dept_admin"
    bad = client.post(f"/admin/users/{kim.id}/role", data={"csrf_token": token, "role": "root"})
    assert bad.status_code == 400 and "알 수 없는 역할입니다" in bad.get_data(as_text=True)
    assert client.post(f"/admin/users/{kim.id}/role", data={"csrf_token": token}).status_code == 400
    assert _fresh(kim.id).role == "dept_admin" and len(_audit("admin.user.role")) == 1


def test_change_department(client, boss, token, make_user, department):
    kim = make_user("kim")
    assert client.post(f"/admin/users/{kim.id}/department",
                       data={"csrf_token": token, "department": str(department.id)}).status_code == 302
    assert _fresh(kim.id).department_id == department.id
    assert _audit("admin.user.department")[0].detail == {"user_id": kim.id, "old": None, "new": department.id}
    assert client.post(f"/admin/users/{kim.id}/department",
                       data={"csrf_token": token, "department": str(BIG)}).status_code == 400
    assert client.post(f"/admin/users/{kim.id}/department",
                       data={"csrf_token": token, "department": ""}).status_code == 302
    assert _fresh(kim.id).department_id is None


# --- passwords and lockout --------------------------------------------------------------------------------

def test_reset_password_shows_a_new_one_once(client, app, boss, token, make_user, login):
    kim = make_user("kim")
    answer = client.post(f"/admin/users/{kim.id}/password", data={"csrf_token": token})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    password = _shown_password(answer.get_data(as_text=True))
    accounts.check_password_policy(password)
    assert login("kim", test_client=app.test_client()).status_code == 401          # the old one no longer works
    assert login("kim", password, test_client=app.test_client()).status_code == 302
    assert password not in client.get(f"/admin/users/{kim.id}").get_data(as_text=True)
    [entry] = _audit("admin.user.password_reset")
    assert entry.target == "kim" and password not in str(entry.detail)
    assert password not in _fresh(kim.id).password_hash


def test_unlock_clears_the_lockout(client, app, boss, token, make_user, login):
    kim = make_user("kim")
    other = app.test_client()
    for _ in range(5):
        login("kim", "wrong-password", test_client=other)
    assert _fresh(kim.id).locked_until is not None
    assert "잠겼습니다" in login("kim", test_client=other).get_data(as_text=True)
    assert "user-locked" in client.get("/admin/users?status=locked").get_data(as_text=True)
    assert "잠금 풀기" in client.get(f"/admin/users/{kim.id}").get_data(as_text=True)

    assert client.post(f"/admin/users/{kim.id}/unlock", data={"csrf_token": token}).status_code == 302
    user = _fresh(kim.id)
    assert user.locked_until is None and user.failed_logins == 0
    assert [e.target for e in _audit("admin.user.unlock")] == ["kim"]
    assert login("kim", test_client=other).status_code == 302


# --- API tokens -------------------------------------------------------------------------------------------

def test_list_and_revoke_tokens(client, app, boss, token, make_user):
    kim = make_user("kim")
    lee = make_user("lee")
    laptop = issue_token(db.session, kim, "laptop")
    phone = issue_token(db.session, kim, "phone-app")
    lee_token = issue_token(db.session, lee, "lee-cli")
    db.session.commit()
    html = client.get(f"/admin/users/{kim.id}").get_data(as_text=True)
    assert "laptop" in html and "phone-app" in html and "lee-cli" not in html
    assert laptop not in html    # only labels: the clear token is never kept
    row = db.session.scalar(db.select(ApiToken).filter_by(label="laptop"))
    assert "<th scope=\"col\">만료</th>" in html and format_kst(row.expires_at) in html   # when it stops working
    lee_row = db.session.scalar(db.select(ApiToken).filter_by(label="lee-cli"))

    answer = client.post(f"/admin/users/{kim.id}/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert answer.status_code == 302
    api = app.test_client()
    assert _bearer(api, laptop) == 401 and _bearer(api, phone) == 200
    [entry] = _audit("admin.user.token_revoke")
    assert entry.target == "kim" and entry.detail["label"] == "laptop" and entry.detail["token_id"] == row.id
    # Another user's token, one already revoked, or an id the database cannot hold: not found.
    for token_id in (lee_row.id, row.id, BIG):
        assert client.post(f"/admin/users/{kim.id}/tokens/{token_id}/revoke",
                           data={"csrf_token": token}).status_code == 404
    assert _bearer(api, lee_token) == 200 and len(_audit("admin.user.token_revoke")) == 1


# --- who may, CSRF, ids -----------------------------------------------------------------------------------

def _routes(user_id: int, token_id: int) -> list[tuple[str, str]]:
    base = f"/admin/users/{user_id}"
    return [("GET", "/admin/users"), ("GET", "/admin/users/new"), ("POST", "/admin/users/new"),
            ("GET", base), ("POST", f"{base}/role"), ("POST", f"{base}/department"), ("POST", f"{base}/disable"),
            ("POST", f"{base}/enable"), ("POST", f"{base}/unlock"), ("POST", f"{base}/password"),
            ("POST", f"{base}/tokens/{token_id}/revoke")]


@pytest.mark.parametrize("role", ["staff", "dept_admin"])
def test_user_management_is_for_admins_only(client, make_user, login, role):
    target = make_user("kim")
    raw = issue_token(db.session, target, "laptop")
    db.session.commit()
    token_id = db.session.scalar(db.select(ApiToken.id))
    make_user("someone", role=role)
    login("someone")
    csrf = csrf_token_from(client.get("/more").get_data(as_text=True))
    for method, path in _routes(target.id, token_id):
        answer = client.open(path, method=method, data={"csrf_token": csrf, "username": "x1",
                                                       "display_name": "x", "role": "admin"})
        assert answer.status_code == 403, (method, path)
    user = _fresh(target.id)
    assert user.role == "staff" and user.is_active and _bearer(client.application.test_client(), raw) == 200
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2
    assert not db.session.scalars(db.select(AuditLog).where(AuditLog.action.startswith("admin.user"))).all()
    if role == "dept_admin":
        assert 'href="/admin/users"' not in client.get("/admin/").get_data(as_text=True)


def test_every_change_needs_the_csrf_token(client, boss, make_user):
    target = make_user("kim")
    issue_token(db.session, target, "laptop")
    db.session.commit()
    token_id = db.session.scalar(db.select(ApiToken.id))
    for method, path in _routes(target.id, token_id):
        if method == "POST":
            answer = client.post(path, data={"username": "x1", "display_name": "x", "role": "admin"})
            assert answer.status_code == 400 and "보안 토큰" in answer.get_data(as_text=True), path
    user = _fresh(target.id)
    assert user.role == "staff" and user.is_active and db.session.scalar(db.select(db.func.count(ApiToken.id))) == 1
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2
    assert not db.session.scalars(db.select(AuditLog).where(AuditLog.action.startswith("admin.user"))).all()


@pytest.mark.parametrize("user_id", [999, BIG, 2**31])
def test_unknown_or_huge_ids_are_not_found(client, boss, token, user_id):
    for method, path in _routes(user_id, 1):
        if "/new" in path or path == "/admin/users":
            continue
        answer = client.open(path, method=method, data={"csrf_token": token, "role": "staff"})
        assert answer.status_code == 404, (method, path)


def test_not_found_answers_json_to_a_json_client(client, boss):
    answer = client.get(f"/admin/users/{BIG}", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.get_json()["code"] == "not_found"

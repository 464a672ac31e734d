"""Personal API tokens: a name, an expiry and a last use; a person's own page to list, create and revoke them;
audited issues (page and CLI); a password change revokes them unless kept; a token request never commits and
records its use at most once a minute; CSRF is skipped only for a valid token on /api/."""
from datetime import timedelta

import sqlalchemy as sa

from core import accounts
from core.models.accounts import ApiToken, AuditLog
from core.timeutil import as_utc
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from

SEARCH = "/api/directory/search?q=kim"


def _bearer(app, raw: str, path: str = SEARCH) -> int:
    return app.test_client().get(path, headers={"Authorization": f"Bearer {raw}"}).status_code


def _audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).filter_by(action=action).order_by(AuditLog.id)))


def test_a_token_has_a_name_and_expires(app, make_user, clock):
    start = clock.set_kst(2026, 3, 2, 9, 0)
    kim = make_user("kim")
    short = accounts.issue_token(db.session, kim, "script", days=1)
    default = accounts.issue_token(db.session, kim, "laptop")
    db.session.commit()
    row = accounts.find_token(db.session, default)
    assert row.label == "laptop" and row.expires_at - row.created_at == timedelta(days=90)
    assert _bearer(app, short) == 200
    clock.move_to(start + timedelta(days=1, minutes=1))
    assert _bearer(app, short) == 401 and _bearer(app, default) == 200


def test_a_token_needs_a_name_and_a_sane_lifetime(app, make_user):
    kim = make_user("kim")
    for label, days in (("", 90), ("   ", 90), ("x" * 65, 90), ("ok", 0), ("ok", 3651)):
        try:
            accounts.issue_token(db.session, kim, label, days=days)
        except accounts.AccountError:
            continue
        raise AssertionError(f"accepted {label!r} for {days} days")


def test_a_token_get_never_commits_and_records_its_use_once_a_minute(app, make_user, clock):
    start = clock.set_kst(2026, 3, 2, 10, 0)
    raw = accounts.issue_token(db.session, make_user("kim"), "laptop")
    db.session.commit()
    with app.app_context():
        engine = db.engine
    writes, commits = [], []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: writes.append(statement.split()[0])
                    if statement.split()[0] in ("INSERT", "UPDATE", "DELETE") else None)
    sa.event.listen(engine, "commit", lambda conn: commits.append(1))

    assert _bearer(app, raw) == 200                    # first use: one short UPDATE of its own
    assert writes == ["UPDATE"] and len(commits) == 1
    writes.clear(), commits.clear()
    clock.move_to(start + timedelta(seconds=30))
    assert _bearer(app, raw) == 200                    # within the minute: nothing written, nothing committed
    assert writes == [] and commits == []
    clock.move_to(start + timedelta(seconds=75))
    assert _bearer(app, raw) == 200
    assert writes == ["UPDATE"] and len(commits) == 1
    used = db.session.scalar(sa.select(ApiToken.last_used_at))
    assert abs((as_utc(used) - (start + timedelta(seconds=75))).total_seconds()) < 5


def test_the_cli_issue_is_audited_with_name_and_lifetime(app, runner, make_user):
    kim = make_user("kim")
    result = runner.invoke(args=["users", "token", "kim", "--name", "backup-script", "--days", "30"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    row = accounts.find_token(db.session, raw)
    assert row.label == "backup-script" and row.expires_at - row.created_at == timedelta(days=30)
    [entry] = _audit("token_issued")
    assert entry.target == "kim" and entry.detail["via"] == "cli" and entry.detail["user_id"] == kim.id
    assert raw not in str(entry.detail)
    refused = runner.invoke(args=["users", "token", "kim", "--days", "0"])
    assert refused.exit_code != 0 and len(_audit("token_issued")) == 1


def test_a_person_lists_creates_and_revokes_their_own_tokens(app, client, make_user, login):
    kim, lee = make_user("kim"), make_user("lee")
    lee_raw = accounts.issue_token(db.session, lee, "lee-laptop")
    db.session.commit()
    login("kim")
    page = client.get("/account/security")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "API 토큰이 없습니다." in html and "lee-laptop" not in html
    made = client.post("/account/tokens", data={"csrf_token": csrf_token_from(html), "name": "업무용 노트북",
                                                "days": "30"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    assert made.headers["HX-Replace-Url"] == "/account/security"
    shown = made.get_data(as_text=True).split('id="new-token">', 1)[1].split("<", 1)[0]
    assert shown.startswith("gyp_") and _bearer(app, shown) == 200
    again = client.get("/account/security").get_data(as_text=True)
    assert shown not in again and "업무용 노트북" in again        # shown once; listed by name
    [entry] = _audit("token_issued")
    assert entry.user_id == kim.id and entry.detail["label"] == "업무용 노트북" and entry.detail["via"] == "account"

    mine = db.session.scalar(sa.select(ApiToken).filter_by(user_id=kim.id))
    theirs = db.session.scalar(sa.select(ApiToken).filter_by(user_id=lee.id))
    token = csrf_token_from(again)
    assert client.post(f"/account/tokens/{theirs.id}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/account/tokens/{10**20}/revoke", data={"csrf_token": token}).status_code == 404
    assert _bearer(app, lee_raw) == 200
    assert client.post(f"/account/tokens/{mine.id}/revoke", data={"csrf_token": token}).status_code == 302
    assert _bearer(app, shown) == 401
    assert [e.detail["token_id"] for e in _audit("token_revoked")] == [mine.id]


def test_the_token_form_refuses_bad_input_with_a_400(client, make_user, login):
    make_user("kim")
    login("kim")
    token = csrf_token_from(client.get("/account/security").get_data(as_text=True))
    for data in ({"name": "", "days": "30"}, {"name": "x", "days": "0"}, {"name": "x", "days": "abc"},
                 {"name": "x" * 65, "days": "30"}):
        answer = client.post("/account/tokens", data={"csrf_token": token, **data})
        assert answer.status_code == 400, data
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def _change_password(client, keep: bool):
    token = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    data = {"csrf_token": token, "current": PASSWORD, "new": "fresh-pass-77", "confirm": "fresh-pass-77"}
    if keep:
        data["keep_tokens"] = "y"
    return client.post("/account/password", data=data)


def test_a_password_change_revokes_the_tokens_unless_kept(app, client, make_user, login):
    kim = make_user("kim")
    raw = accounts.issue_token(db.session, kim, "laptop")
    db.session.commit()
    login("kim")
    assert _change_password(client, keep=False).status_code == 302
    assert _bearer(app, raw) == 401
    assert "API 토큰 1개를 폐기했습니다." in client.get("/more").get_data(as_text=True)
    [entry] = _audit("password_changed")
    assert entry.detail["tokens_revoked"] == 1


def test_a_password_change_can_keep_the_tokens(app, client, make_user, login):
    kim = make_user("kim")
    raw = accounts.issue_token(db.session, kim, "laptop")
    db.session.commit()
    login("kim")
    assert _change_password(client, keep=True).status_code == 302
    assert _bearer(app, raw) == 200


def test_an_admin_reset_revokes_the_tokens(app, client, make_user, login):
    make_user("boss", role="admin")
    kim = make_user("kim")
    raw = accounts.issue_token(db.session, kim, "laptop")
    db.session.commit()
    login("boss")
    token = csrf_token_from(client.get("/admin/users").get_data(as_text=True))
    assert client.post(f"/admin/users/{kim.id}/password", data={"csrf_token": token}).status_code == 200
    assert _bearer(app, raw) == 401


def test_csrf_is_skipped_only_for_a_valid_token_on_the_api(app, client, make_user, login):
    kim = make_user("kim")
    raw = accounts.issue_token(db.session, kim, "laptop")
    db.session.commit()
    body = {"transcript": "교통정책과 김민준 연결해 줘"}
    api = app.test_client()
    good = api.post("/api/voice-dial", json=body, headers={"Authorization": f"Bearer {raw}"})
    assert good.status_code == 200
    forged = api.post("/api/voice-dial", json=body, headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 400 and forged.get_json()["code"] == "csrf_failed"
    # A signed-in browser session with a made-up bearer header still needs its CSRF token.
    login("kim")
    with_cookie = client.post("/api/voice-dial", json=body, headers={"Authorization": "Bearer whatever"})
    assert with_cookie.status_code == 400 and with_cookie.get_json()["code"] == "csrf_failed"
    # Outside /api/ a token signs nobody in and skips nothing.
    elsewhere = app.test_client().post("/account/language", data={"lang": "en"},
                                       headers={"Authorization": f"Bearer {raw}"})
    assert elsewhere.status_code == 400

"""Sign-in throttling per address and per network, a lockout that counts per source and decays, and answers that
do not tell whether an account exists."""
import re
from datetime import timedelta

import pytest

from core import accounts
from core.models.accounts import AuditLog, User
from core.signin import network_of
from extensions import db
from tests.conftest import PASSWORD, csrf_token_from


def _from(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _normalised(html: str, username: str) -> str:
    """The page without what differs between two browsers anyway: the CSRF token and the name typed in."""
    html = re.sub(r'value="[^"]{30,}"', 'value="TOKEN"', html)
    html = re.sub(r'content="[^"]{30,}"', 'content="TOKEN"', html)
    return html.replace(f'value="{username}"', 'value="NAME"')


def test_unknown_and_existing_names_get_the_same_answers(app, make_user, login):
    make_user("kim")
    real, ghost = _from(app, "203.0.113.5"), _from(app, "203.0.113.6")
    for attempt in range(7):    # wrong passwords, then the lock (and the right password while locked)
        password = PASSWORD if attempt == 6 else "wrong-password"
        a, b = login("kim", password, test_client=real), login("ghost", password, test_client=ghost)
        assert a.status_code == b.status_code == 401, attempt
        assert _normalised(a.get_data(as_text=True), "kim") == _normalised(b.get_data(as_text=True), "ghost"), attempt
    assert "15분 동안 잠겼습니다" in a.get_data(as_text=True)
    actions = db.session.scalars(db.select(AuditLog.action).where(AuditLog.username == "ghost")).all()
    assert actions.count("login_locked") == 3


def test_every_answer_checks_one_password_hash(app, make_user, login, monkeypatch):
    """Unknown, wrong, locked: each attempt does the same Argon2 work, so timing tells nothing."""
    make_user("kim")
    calls = []
    real_verify = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda *a: calls.append(1) or real_verify(*a))
    browser = _from(app, "198.51.100.9")
    for name in ["ghost"] * 2 + ["kim"] * 7:
        before = len(calls)
        login(name, "wrong-password", test_client=browser)
        assert len(calls) - before == 1, name


def test_the_lock_holds_only_against_the_sources_that_failed(app, make_user, login):
    make_user("admin", role="admin")
    attacker = _from(app, "203.0.113.66")
    for _ in range(5):
        login("admin", "guess-guess-1", test_client=attacker)
    assert "잠겼습니다" in login("admin", test_client=attacker).get_data(as_text=True)
    # The real admin, elsewhere, still signs in: nobody can keep admin locked from their own address.
    assert login("admin", test_client=_from(app, "198.51.100.20")).status_code == 302
    admin = db.session.scalar(db.select(User).filter_by(username="admin"))
    db.session.refresh(admin)
    assert admin.locked_until is not None        # the console still sees that someone was locked out
    assert login("admin", test_client=attacker).status_code == 401


def test_failures_older_than_the_lock_time_stop_counting(app, make_user, login, clock):
    start = clock.set_kst(2026, 3, 2, 9, 0)
    make_user("kim")
    browser = _from(app, "203.0.113.7")
    for _ in range(4):
        login("kim", "wrong-password", test_client=browser)
    kim = db.session.scalar(db.select(User).filter_by(username="kim"))
    db.session.refresh(kim)
    assert kim.failed_logins == 4
    clock.move_to(start + timedelta(minutes=16))
    for _ in range(4):
        answer = login("kim", "wrong-password", test_client=browser)
        assert "잠겼습니다" not in answer.get_data(as_text=True)
    db.session.refresh(kim)
    assert kim.failed_logins == 4 and kim.locked_until is None
    assert login("kim", test_client=browser).status_code == 302
    db.session.refresh(kim)
    assert kim.failed_logins == 0


def test_a_lock_ends_after_the_lock_time(app, make_user, login, clock):
    start = clock.set_kst(2026, 3, 2, 9, 0)
    make_user("kim")
    browser = _from(app, "203.0.113.8")
    for _ in range(5):
        login("kim", "wrong-password", test_client=browser)
    clock.move_to(start + timedelta(minutes=14))
    assert login("kim", test_client=browser).status_code == 401
    clock.move_to(start + timedelta(minutes=16))
    assert login("kim", test_client=browser).status_code == 302


def test_an_address_is_throttled_across_account_names(app, make_user, login):
    app.config["LOGIN_IP_LIMIT"] = 3
    make_user("kim")
    sprayer = _from(app, "203.0.113.9")
    for name in ("kim", "lee", "park"):
        assert login(name, "spring-2026!", test_client=sprayer).status_code == 401
    throttled = login("choi", "spring-2026!", test_client=sprayer)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "로그인 시도가 너무 많습니다" in throttled.get_data(as_text=True)
    # Throttled before any check: even the right password waits, and nothing is counted against kim.
    assert login("kim", test_client=sprayer).status_code == 429
    assert login("kim", test_client=_from(app, "198.51.100.1")).status_code == 302


def test_a_network_is_throttled_across_its_addresses(app, login):
    app.config.update(LOGIN_IP_LIMIT=100, LOGIN_NETWORK_LIMIT=4)
    for host in range(1, 5):
        assert login("kim", "wrong-password", test_client=_from(app, f"203.0.113.{host}")).status_code == 401
    assert login("kim", "wrong-password", test_client=_from(app, "203.0.113.200")).status_code == 429
    assert login("kim", "wrong-password", test_client=_from(app, "203.0.114.1")).status_code == 401
    for host in range(1, 5):
        assert login("kim", "wrong-password", test_client=_from(app, f"2001:db8:1:2::{host}")).status_code == 401
    assert login("kim", "wrong-password", test_client=_from(app, "2001:db8:1:2:ffff::1")).status_code == 429
    assert login("kim", "wrong-password", test_client=_from(app, "2001:db8:1:3::1")).status_code == 401


def test_successful_sign_ins_do_not_use_up_a_shared_address(app, make_user, login):
    """A city hall's staff come through one address: only failures count against it."""
    app.config["LOGIN_IP_LIMIT"] = 2
    for i in range(4):
        make_user(f"staff{i}")
    for i in range(4):
        assert login(f"staff{i}", test_client=_from(app, "192.0.2.10")).status_code == 302, i


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"), ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
    ("::ffff:203.0.113.77", "203.0.113.0/24"), ("not-an-address", "not-an-address"), ("", "")])
def test_network_of(address, network):
    assert network_of(address) == network


def test_admin_unlock_ends_every_sources_lock(app, client, make_user, login):
    make_user("boss", role="admin")
    kim = make_user("kim")
    for address in ("203.0.113.30", "203.0.113.31"):
        for _ in range(5):
            login("kim", "wrong-password", test_client=_from(app, address))
    login("boss")
    token = csrf_token_from(client.get("/admin/users").get_data(as_text=True))
    assert client.post(f"/admin/users/{kim.id}/unlock", data={"csrf_token": token}).status_code == 302
    for address in ("203.0.113.30", "203.0.113.31"):
        assert login("kim", test_client=_from(app, address)).status_code == 302

"""The citizens' look-up limit (/verify, /optout by number): counted in the database, shared by every
web process, keyed by a hash of the client's address."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app import create_app
from core import ratelimit
from core.models.ratelimit import RateLimit
from extensions import db

LIMIT = 3  # small, so a burst that happens to cross a minute boundary still ends in a 429
W = 60
T0 = 1_800_000_000  # a window boundary (divisible by 60), as Unix time


@pytest.fixture
def limited_app(app):
    app.config["VERIFY_RATE_PER_MINUTE"] = LIMIT
    return app


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _hit(client: str, now: float, limit: int = LIMIT) -> ratelimit.Decision:
    return ratelimit.hit(db.engine, "test", client, limit=limit, window_s=W, hash_key="k", now=now)


def _rows() -> list[RateLimit]:
    db.session.expire_all()
    return list(db.session.scalars(select(RateLimit)))


# --- through the pages --------------------------------------------------------------------------

def test_verify_is_limited_per_ip_with_a_korean_page_and_retry_after(limited_app, client):
    for _ in range(LIMIT):
        assert client.get("/verify?n=031-8075-9571").status_code == 200
    blocked = client.get("/verify?n=031-8075-9571")
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 2 * W
    html = blocked.get_data(as_text=True)
    assert "잠시 후 다시 시도해 주세요" in html and f"{blocked.headers['Retry-After']}초 뒤에" in html
    # Typing numbers on the opt-out page draws on the same allowance.
    form = client.get("/optout").get_data(as_text=True)
    assert client.post("/optout", data={"csrf_token": _csrf(form), "number": "010-1111-2222"}).status_code == 429
    # Another client address still gets answers; the bare form is never limited.
    other = client.get("/verify?n=031-8075-9571", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    assert client.get("/verify").status_code == 200


def test_two_app_instances_on_one_database_share_the_allowance(limited_app, app_config):
    """What gunicorn's workers do: separate processes, one database."""
    second = create_app(dict(app_config))
    second.config["VERIFY_RATE_PER_MINUTE"] = LIMIT
    try:
        first_client, second_client = limited_app.test_client(), second.test_client()
        for n in range(LIMIT):
            assert (first_client if n % 2 else second_client).get("/verify?n=031-8075-9571").status_code == 200
        assert first_client.get("/verify?n=031-8075-9571").status_code == 429
        assert second_client.get("/verify?n=031-8075-9571").status_code == 429
    finally:
        with second.app_context():
            db.engine.dispose()


def test_the_address_is_stored_only_as_a_keyed_hash(limited_app, client):
    ip = "203.0.113.77"
    client.get("/verify?n=031-8075-9571", environ_base={"REMOTE_ADDR": ip})
    rows = _rows()
    assert len(rows) == 1
    assert rows[0].key_hash == ratelimit.client_hash(ip, limited_app.config["PHONE_HASH_KEY"])
    assert rows[0].key_hash != ratelimit.client_hash(ip, "another key")
    with db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT * FROM rate_limits")).all()
    assert all(ip not in str(value) and "203.0.113" not in str(value) for row in stored for value in row)


def test_a_broken_limiter_lets_citizens_through_and_logs_a_warning(limited_app, client, caplog, monkeypatch):
    """Fail open: the limit only slows enumeration; a citizen must never see an error page."""
    # The session's migration ran Alembic's fileConfig, which disables the loggers that existed then.
    monkeypatch.setattr(logging.getLogger("core.ratelimit"), "disabled", False)
    with db.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE rate_limits RENAME TO rate_limits_away"))
    try:
        with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
            for _ in range(LIMIT + 2):
                assert client.get("/verify?n=031-8075-9571").status_code == 200
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE rate_limits_away RENAME TO rate_limits"))
    warnings = [r for r in caplog.records if r.name == "core.ratelimit" and r.levelno == logging.WARNING]
    assert len(warnings) == LIMIT + 2
    assert "letting the request through" in warnings[0].getMessage()
    assert "127.0.0.1" not in caplog.text


# --- the counter itself, at chosen times ----------------------------------------------------------

def test_retry_after_is_exact_after_a_burst(app):
    for client in ("a", "b"):
        for _ in range(LIMIT):
            assert _hit(client, T0 + 10).allowed
    denied = _hit("a", T0 + 10)
    assert not denied.allowed
    _hit("b", T0 + 10)  # the twin is turned away at the same moment
    # Three hits, then the fourth turned away: in the next window the previous one weighs 4 × (1 − g/60),
    # so one more fits from g = 30 s, i.e. 50 + 30 = 80 s from now.
    assert denied.retry_after == 80
    assert not _hit("a", T0 + 10 + denied.retry_after - 1).allowed
    assert _hit("b", T0 + 10 + denied.retry_after).allowed


def test_retry_after_is_exact_while_the_previous_window_fades(app):
    limit = 10
    for client in ("a", "b"):
        for _ in range(limit):
            assert _hit(client, T0 + 50, limit).allowed
        # 12 s into the next window the previous one still weighs 10 × 48/60 = 8: room for two.
        assert _hit(client, T0 + 72, limit).allowed and _hit(client, T0 + 72, limit).allowed
    denied = _hit("a", T0 + 72, limit)
    _hit("b", T0 + 72, limit)
    assert not denied.allowed
    # A fourth fits once 4 + 10 × (60 − e)/60 ≤ 10, at e = 24 s: 12 s from now.
    assert denied.retry_after == 12
    assert not _hit("a", T0 + 72 + denied.retry_after - 1, limit).allowed
    assert _hit("b", T0 + 72 + denied.retry_after, limit).allowed


def test_hammering_does_not_lengthen_the_wait(app):
    for client in ("calm", "hammer"):
        for _ in range(LIMIT):
            _hit(client, T0 + 10)
    calm = _hit("calm", T0 + 10)
    hammered = [_hit("hammer", T0 + 10 + i / 10) for i in range(50)]
    assert not calm.allowed and not any(d.allowed for d in hammered)
    assert calm.retry_after == 80
    assert hammered[-1].retry_after == 76  # 75.1 s: the same moment as for the calm client
    assert _hit("hammer", T0 + 10 + calm.retry_after).allowed


def test_a_burst_at_the_window_edge_gains_nothing(app):
    """A fixed window would let a second full allowance through right after the edge."""
    limit = 10
    allowed = sum(_hit("edge", T0 + 59, limit).allowed for _ in range(limit))
    allowed += sum(_hit("edge", T0 + 60 + i / 10, limit).allowed for i in range(20))
    assert allowed == limit  # within the 3-second burst; the bound is limit × (1 + 3/60)


def test_old_rows_are_deleted_by_the_next_client_of_a_new_window(app):
    ratelimit.hit(db.engine, "elsewhere", "old", limit=LIMIT, window_s=W, hash_key="k", now=T0)
    _hit("old", T0)
    _hit("recent", T0 + 60)  # the window before still counts: nothing goes
    assert len(_rows()) == 3
    _hit("new", T0 + 120)  # the first attempt of a new window sweeps what is more than a window old
    keys = {(row.scope, row.key_hash) for row in _rows()}
    assert keys == {("test", ratelimit.client_hash("recent", "k")), ("test", ratelimit.client_hash("new", "k")),
                    ("elsewhere", ratelimit.client_hash("old", "k"))}


def test_concurrent_attempts_are_counted_exactly(app):
    """Many connections at once (several processes' worth): exactly the limit gets through."""
    limit, engine = 20, db.engine
    with ThreadPoolExecutor(8) as pool:
        decisions = list(pool.map(lambda _: ratelimit.hit(engine, "test", "crowd", limit=limit, window_s=W,
                                                          hash_key="k", now=T0 + 30), range(60)))
    assert sum(d.allowed for d in decisions) == limit
    assert _rows()[0].hits == limit + 1  # turned-away attempts count only up to limit + 1

"""PostgreSQL's pool without ``pool_pre_ping`` (core.db): a busy connection costs no ping round trip, and a
connection the server ended is still never handed to a request."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from core import db as core_db
from core.db import engine_options, make_engine
from core.settings import _with_driver
from tests.conftest import wait_db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="needs TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
def engine(app):   # ``app`` made the test database
    engine = make_engine(_with_driver(PG_URL))
    yield engine
    engine.dispose()


def _last_query(pid: int) -> str:
    """What the server last ran for backend ``pid``, read over a connection of its own."""
    other = make_engine(_with_driver(PG_URL))
    with other.connect() as conn:
        query = conn.scalar(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
    other.dispose()
    return query


def test_options_have_no_pre_ping_and_room_for_every_thread():
    options = engine_options("postgresql+psycopg://x@127.0.0.1/db")
    assert options["pool_pre_ping"] is False
    assert options["pool_size"] >= int(os.environ.get("GUNICORN_THREADS") or 8)


def test_a_recently_used_connection_is_handed_out_without_a_round_trip(engine):
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is not None   # checked out
        assert _last_query(pid) == "ROLLBACK"   # the end of its last use: no ping went to the server


def test_a_connection_the_server_ended_is_replaced_before_use(engine):
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    with make_engine(_with_driver(PG_URL)).connect() as admin:
        assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()
    wait_db(lambda: _last_query(pid) is None)   # the server has closed it (terminating takes a moment)
    with engine.connect() as conn:   # the pooled one is dead: the request still gets a live one
        assert conn.scalar(text("SELECT pg_backend_pid()")) != pid


def test_a_connection_idle_too_long_is_pinged(engine, monkeypatch):
    with engine.connect() as conn:
        pid = conn.scalar(text("SELECT pg_backend_pid()"))
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_S", -1.0)
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is not None
        assert _last_query(pid) == "SELECT 1"
        assert conn.scalar(text("SELECT pg_backend_pid()")) == pid   # alive: the same connection

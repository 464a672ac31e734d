"""The SQL statements each main page costs a signed-in person, so that they cannot creep up (issue 14: on
PostgreSQL every statement is a round trip). A budget that a change exceeds fails here with the statements
listed; lower it when a page gets cheaper."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from core.accounts import issue_token
from extensions import db
from tests.conftest import statements_of
from web.read_only import is_read_only

# Every signed-in page starts with the session's row (the user comes with it) and the bottom bar's unread
# count; what follows is the page's own.
BUDGETS = {
    "/": 7,                 # + the home cards (tests/home/test_home.py checks each)
    "/directory": 4,        # + favourites, recents
    "/directory?q=김": 3,   # + favourite marks; the search itself is the in-memory index
    "/board": 5,            # + total, posts, boards
    "/more": 2,
    "/inbox": 4,            # + total, items
    "/duty": 5,             # + duties, swaps, feed token
    "/menu": 4,             # + profile, cafeterias (the week's meals when there are any)
    "/documents": 3,
    "/emergency": 4,        # + my groups, open call-outs
}


@pytest.fixture
def signed_in(client, make_user, login):
    make_user("kim", display_name="김민준")
    login("kim")
    return client


@pytest.mark.parametrize(("path", "budget"), sorted(BUDGETS.items()))
def test_pages_stay_within_their_statements(signed_in, path, budget):
    signed_in.get(path)                 # the first request may write the session's last-seen time
    status, seen = statements_of(signed_in, path)
    assert status == 200
    assert len(seen) <= budget, "\n".join(s.split("\n")[0][:120] for s in seen)


def test_healthz_and_token_searches_read_and_never_write(app, make_user):
    user = make_user("kim")
    token = issue_token(db.session, user, "test")
    db.session.commit()
    anonymous = app.test_client()
    status, seen = statements_of(anonymous, "/healthz")
    assert status in (200, 503) and len(seen) == 1 and seen[0].lstrip().startswith("SELECT")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    api.get("/api/directory/search?q=김", headers=headers)          # the first use is recorded
    status, seen = statements_of(api, "/api/directory/search?q=김", headers=headers)
    assert status == 200 and len(seen) <= 1
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen), seen


def _view_of(app, path: str):
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path.split("?")[0], method="GET")
    return app.view_functions[endpoint]


@pytest.mark.parametrize("path", sorted({*BUDGETS, "/healthz", "/api/directory/search?q=김"}))
def test_main_pages_are_marked_read_only_and_only_read(signed_in, app, path):
    """web.read_only runs these without a transaction on PostgreSQL, where a write would commit at once and
    a SAVEPOINT fail: each must send SELECTs only (on either database)."""
    assert is_read_only(_view_of(app, path))
    signed_in.get(path)
    status, seen = statements_of(signed_in, path)
    assert status in (200, 503)
    assert seen and all(s.lstrip().upper().startswith("SELECT") for s in seen), seen


@pytest.mark.postgres_only
def test_read_only_pages_run_in_autocommit_and_others_in_a_transaction(signed_in):
    """No BEGIN and no ROLLBACK round trip for a marked page; a page that writes keeps its transaction."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("web.read_only acts on PostgreSQL only")
    me, modes = threading.get_ident(), []

    def note(conn, cursor, statement, *args):
        if threading.get_ident() == me and statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE")):
            modes.append(conn.connection.dbapi_connection.autocommit)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", note)
    try:
        signed_in.get("/directory?q=김")
        marked, modes[:] = list(modes), []
        signed_in.get("/account/security")
        unmarked = list(modes)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", note)
    assert marked and all(marked), marked
    assert unmarked and not any(unmarked), unmarked

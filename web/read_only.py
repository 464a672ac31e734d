"""Views that only read: on PostgreSQL they run without a transaction of their own.

psycopg opens a transaction with a ``BEGIN`` of its own, a round trip before the first statement, and the
request's end sends a ``ROLLBACK``, another. For /healthz that was two of three round trips, and for a
keystroke's search results two of five (issue 14). Under READ COMMITTED, PostgreSQL's default, every
statement already sees its own snapshot, so a page that only reads sees nothing different in autocommit.

Only views marked ``@reads_only`` (directly under the route decorator) run this way, and only for GET and
HEAD. A marked view must not write: a write would commit at once, and a ``SAVEPOINT`` would fail outside a
transaction. tests/foundation/test_queries_per_request.py checks that each marked page sends SELECTs only.
The sign-in bookkeeping (``user_sessions.touch``, a token's last use) writes through its own connection.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, request

from extensions import db

View = TypeVar("View", bound=Callable)
_MARK = "reads_only"


def reads_only(view: View) -> View:
    setattr(view, _MARK, True)
    return view


def is_read_only(view: Callable | None) -> bool:
    return bool(getattr(view, _MARK, False))


def init_app(app: Flask) -> None:
    """Register before the session check (``web.sessions``), whose lookup is the request's first statement."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return

    @app.before_request
    def _read_without_transaction() -> None:
        if request.method in ("GET", "HEAD") and is_read_only(app.view_functions.get(request.endpoint)):
            # Only as the session's first use; the pool puts the connection back to its default level.
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

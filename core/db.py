"""The SQLAlchemy base, engine set-up and session helpers shared by web and worker."""
from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import Pool

# The largest id a row can have: PostgreSQL's ``integer``. A larger id in a request is "not found", never a
# database error (``web.converters``).
MAX_ID = 2**31 - 1

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets the worker and the web app read while the other writes."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


# A pooled PostgreSQL connection idle longer than this is pinged before use (see _check_out).
PING_AFTER_IDLE_S = 30.0


def engine_options(url: str) -> dict:
    """Engine keyword arguments suited to the database behind ``url``.

    PostgreSQL: no ``pool_pre_ping``, whose ``SELECT 1`` is one more round trip on every checkout (a /healthz
    is four statements, so a fifth of its waits); ``_check_out`` pings only a connection that may be dead.
    The pool holds more connections than a process has gunicorn threads (8), so no request waits for one;
    the overflow covers the worker's and the index loader's threads."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 10, "check_same_thread": False}}
    return {"pool_pre_ping": False, "pool_size": 10, "max_overflow": 10}


@event.listens_for(Pool, "checkin")
def _checked_in(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info["checked_in_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _check_out(dbapi_connection, connection_record, connection_proxy) -> None:
    """Hand out only a live PostgreSQL connection, with a round trip only when one may be dead.

    A server that restarts or ends an idle session (``idle_session_timeout``, ``pg_terminate_backend``) sends
    an error and closes the socket, which makes the idle socket readable: that is seen here with a zero-timeout
    ``poll``, no round trip. What sends nothing (a firewall that forgets the connection) is caught by pinging
    whatever sat idle over ``PING_AFTER_IDLE_S``. A failed ping raises ``DisconnectionError``: the pool
    discards the connection and checks out a new one, as ``pool_pre_ping`` would."""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("connection closed")
    idle_since = connection_record.info.get("checked_in_at")
    if idle_since is None:
        return  # just opened
    if time.monotonic() - idle_since <= PING_AFTER_IDLE_S and not _readable(dbapi_connection.fileno()):
        return
    try:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as error:  # any failure means this connection cannot be used
        raise exc.DisconnectionError(f"ping failed: {error.__class__.__name__}") from error


def _readable(fd: int) -> bool:
    """Whether the server sent something (or closed) while the connection sat idle in the pool."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def make_engine(url: str) -> Engine:
    return create_engine(url, **engine_options(url))


def make_session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=make_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"

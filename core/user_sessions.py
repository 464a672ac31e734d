"""Sign-in sessions kept on the server, so that ending one is real.

The cookie (signed by Flask) carries a random session key; the table ``user_sessions`` keeps its SHA-256,
who it belongs to, when it began and was last seen, and whether it has ended. Every request looks its row
up by that hash (one indexed query, joined with the user), so a cookie copied before sign-out, a password
change, a role change or a disabled account opens nothing afterwards.

``last_seen_at`` is written at most once a minute per session, by a short UPDATE of its own (not in the
request's transaction), so the idle limit is counted to the minute and a page view rarely writes.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.jobs.registry import Env, registry
from core.models.accounts import LoginFailure, User, UserSession
from core.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(seconds=60)
# Ended and expired rows are kept a while for the account page and investigations, then deleted.
KEEP_ENDED = timedelta(days=30)

# Why a session ended (``UserSession.end_reason``).
LOGOUT, PASSWORD, ROLE, DISABLED, OTHERS, IDLE, EXPIRED = ("logout", "password", "role", "disabled", "others",
                                                         "idle", "expired")


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(session: Session, user: User, *, ip: str = "", user_agent: str = "",
          now: datetime | None = None) -> tuple[UserSession, str]:
    """A new session for ``user``; returns the row and the key for the cookie (never stored in clear)."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, key_hash=key_digest(key), created_at=now, last_seen_at=now,
                      ip=ip[:64], user_agent=user_agent[:255])
    session.add(row)
    session.flush()
    return row, key


def lookup(session: Session, key: str) -> tuple[UserSession, User] | None:
    """The session with this cookie key and its user, in one query on the unique ``key_hash`` index."""
    found = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                            .where(UserSession.key_hash == key_digest(key))).first()
    return (found[0], found[1]) if found else None


def over(row: UserSession, user: User, *, idle_minutes: int, max_hours: int,
         now: datetime | None = None) -> str | None:
    """Why the session can no longer be used (an ``end_reason``), or None while it is good."""
    now = now or utcnow()
    if row.ended_at is not None:
        return row.end_reason or LOGOUT
    if not user.is_active:
        return DISABLED
    if now - as_utc(row.created_at) > timedelta(hours=max_hours):
        return EXPIRED
    if now - as_utc(row.last_seen_at) > timedelta(minutes=idle_minutes):
        return IDLE
    return None


def touch(engine: Engine, row: UserSession, now: datetime | None = None) -> None:
    """Record that the session is in use, at most once a minute, in a short transaction of its own."""
    now = now or utcnow()
    if now - as_utc(row.last_seen_at) < TOUCH_EVERY:
        return
    _own_update(engine, update(UserSession).where(UserSession.id == row.id,
                                                  UserSession.last_seen_at < now - TOUCH_EVERY)
                .values(last_seen_at=now))


def end_expired(engine: Engine, row: UserSession, reason: str, now: datetime | None = None) -> None:
    """Mark a session that ran out of time as ended (its own short transaction: the request only reads)."""
    _own_update(engine, update(UserSession).where(UserSession.id == row.id, UserSession.ended_at.is_(None))
                .values(ended_at=now or utcnow(), end_reason=reason))


def _own_update(engine: Engine, statement) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except SQLAlchemyError as exc:  # bookkeeping only: the request goes on, the next one tries again
        log.warning("session bookkeeping postponed: %s", getattr(exc, "orig", exc))


def end(session: Session, row: UserSession, reason: str, now: datetime | None = None) -> None:
    if row.ended_at is None:
        row.ended_at, row.end_reason = now or utcnow(), reason


def end_all(session: Session, user_id: int, reason: str, *, keep: int | None = None,
            now: datetime | None = None) -> int:
    """End every open session of a user (but ``keep``, the id of the one in use); the caller commits."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = session.execute(query.values(ended_at=now or utcnow(), end_reason=reason)
                             .execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)


def open_sessions(session: Session, user: User, *, idle_minutes: int, max_hours: int,
                  now: datetime | None = None) -> list[UserSession]:
    """The user's sessions still usable now, the most recently seen first."""
    now = now or utcnow()
    rows = session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None),
        UserSession.created_at > now - timedelta(hours=max_hours),
        UserSession.last_seen_at > now - timedelta(minutes=idle_minutes))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return list(rows)


def purge(session: Session, *, max_hours: int, now: datetime | None = None) -> int:
    """Delete sessions that ended, or ran past the absolute limit, more than 30 days ago, and failed sign-ins
    that count for nothing any more (a day past their window and lock); the caller commits."""
    now = now or utcnow()
    cutoff = now - KEEP_ENDED
    gone = session.execute(UserSession.__table__.delete().where(or_(
        UserSession.ended_at < cutoff, UserSession.created_at < cutoff - timedelta(hours=max_hours)))).rowcount
    stale = int(now.timestamp()) - 86400
    session.execute(LoginFailure.__table__.delete().where(
        LoginFailure.window_start < stale, or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < stale)))
    return int(gone or 0)


@registry.handler("accounts.purge")
def purge_job(env: Env, payload: dict) -> None:
    with env.factory() as session:
        purge(session, max_hours=int(env.settings["SESSION_MAX_HOURS"]))
        session.commit()


registry.daily("04:20", "accounts.purge")

"""Rate limits whose counts live in the database, so that every web process (and every host) shares them.

The algorithm is the *sliding window counter*: time is cut into fixed windows of ``window_s`` seconds, a
row per (scope, client) keeps the attempts of the client's current window and of the window before it,
and an attempt is allowed while

    hits in this window + hits in the previous window × (share of the previous window still inside
    the sliding window that ends now)  ≤  limit.

Unlike a plain fixed window, bursting at a window edge gains little: a burst of δ seconds straddling an
edge gets at most ``limit × (1 + δ / window_s)`` through, any span of ``window_s`` seconds at most
``2 × limit`` (and only by spreading evenly over a whole window after filling the end of the one before),
and over a longer run no more than ``limit`` per window on average.

Attempts that are turned away count too, but only up to ``limit + 1`` in a window: hammering does not get
more through than waiting would, and cannot push the wait much past the start of the next window. Each
``Retry-After`` is exact for a client that then waits as told.

One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` counts an attempt atomically (SQLite ≥ 3.35 and
PostgreSQL). The client's address is stored only as a keyed hash. The first attempt of a client in a new
window also deletes the rows of its scope that are more than a window old, so the table holds only the
clients of the last two windows. Windows follow this process's clock, so web processes on several hosts
need synchronised clocks.

If the database fails, the attempt is let through with a warning in the log: the limit only slows down
enumeration of public data, and a citizen checking a suspicious call must not get an error page.
"""
from __future__ import annotations

import logging
import math
import time
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import Engine, and_, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from core.jobs.registry import Env, registry
from core.models.ratelimit import RateLimit
from core.privacy import phone_hash

log = logging.getLogger(__name__)


class Decision(NamedTuple):
    allowed: bool
    retry_after: int  # whole seconds until an attempt would be allowed; 0 when allowed


def client_hash(client: str, hash_key: str) -> str:
    """The stored form of a client's address: the project's HMAC-SHA256 (``phone_hash``) of a prefixed
    value, so it never equals the hash of a phone number."""
    return phone_hash(f"client:{client}", hash_key)


def hit(engine: Engine, scope: str, client: str, *, limit: int, window_s: int, hash_key: str,
        now: float | None = None) -> Decision:
    """Count one attempt by ``client`` (an IP address) in ``scope`` and say whether it is allowed.

    Runs in its own short transaction on ``engine``, so the count stays even if the request fails
    afterwards, and the request's session is left alone. ``now`` is Unix time (default: the clock)."""
    if limit < 1 or window_s < 1:
        raise ValueError("limit and window_s must be at least 1")
    moment = Fraction(time.time() if now is None else now)
    start = math.floor(moment / window_s) * window_s
    try:
        with engine.begin() as conn:
            hits, prev_hits, row_start = conn.execute(
                _count(conn.dialect.name, scope, client_hash(client, hash_key), start, limit, window_s)).one()
    except SQLAlchemyError as exc:
        log.warning("rate limit %s unavailable, letting the request through: %s", scope, getattr(exc, "orig", exc))
        return Decision(True, 0)
    if hits == 1:
        _sweep(engine, scope, start - window_s)
    return _decide(hits, prev_hits, max(Fraction(0), moment - row_start), limit, window_s)


def refund(engine: Engine, scope: str, client: str, *, window_s: int, hash_key: str,
           now: float | None = None) -> None:
    """Take back one attempt that ``hit`` counted in the current window, once it proved harmless (a sign-in
    that succeeded), so that only the others count. Best effort, in its own short transaction."""
    start = math.floor(Fraction(time.time() if now is None else now) / window_s) * window_s
    try:
        with engine.begin() as conn:
            conn.execute(update(RateLimit).where(RateLimit.scope == scope,
                                                 RateLimit.key_hash == client_hash(client, hash_key),
                                                 RateLimit.window_start >= start, RateLimit.hits > 0)
                         .values(hits=RateLimit.hits - 1))
    except SQLAlchemyError as exc:
        log.warning("rate limit %s refund skipped: %s", scope, getattr(exc, "orig", exc))


def _count(dialect: str, scope: str, key: str, start: int, limit: int, window_s: int) -> Insert:
    """The upsert of one attempt. All SET expressions read the row as it was before this statement."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = RateLimit
    # A row ahead of ``start`` was moved on by a process that read the clock a moment later; counting
    # into its window keeps those hits instead of resetting them.
    current = row.window_start >= start
    return (insert(RateLimit)
            .values(scope=scope, key_hash=key, window_start=start, hits=1, prev_hits=0)
            .on_conflict_do_update(
                index_elements=[RateLimit.scope, RateLimit.key_hash],
                set_={
                    "hits": case((and_(current, row.hits > limit), row.hits), (current, row.hits + 1), else_=1),
                    "prev_hits": case((current, row.prev_hits), (row.window_start == start - window_s, row.hits),
                                      else_=0),
                    "window_start": case((current, row.window_start), else_=start),
                })
            .returning(RateLimit.hits, RateLimit.prev_hits, RateLimit.window_start))


def _decide(hits: int, prev_hits: int, elapsed: Fraction, limit: int, window_s: int) -> Decision:
    remaining = window_s - elapsed  # of the current window; the previous window weighs remaining / window_s
    if hits * window_s + prev_hits * remaining <= limit * window_s:
        return Decision(True, 0)
    if hits < limit - 1:
        # Still in this window, once the previous window's weight has faded enough for one more attempt.
        wait = remaining - Fraction((limit - hits - 1) * window_s, prev_hits)
    elif limit > 1:
        # In the next window, where this window's hits become the fading previous count.
        wait = remaining + max(Fraction(0), window_s - Fraction((limit - 1) * window_s, hits))
    else:
        wait = remaining + window_s
    return Decision(False, max(1, math.ceil(wait)))


def _sweep(engine: Engine, scope: str, cutoff: int) -> None:
    """Delete the rows of ``scope`` whose window began before ``cutoff``: they count for nothing any more.
    In its own transaction, so that two sweeps never hold each other's row locks along with a count."""
    try:
        with engine.begin() as conn:
            conn.execute(delete(RateLimit).where(RateLimit.scope == scope, RateLimit.window_start < cutoff))
    except SQLAlchemyError as exc:  # the next client's first attempt sweeps again
        log.info("rate limit sweep of %s postponed: %s", scope, getattr(exc, "orig", exc))


STALE_AFTER_S = 3600   # longer than any window here, so only rows that count for nothing are deleted


def purge_stale(session: Session, now: float | None = None) -> int:
    """Delete every scope's rows whose window began over an hour ago; the caller commits.

    A job of the runtime runs this every ten minutes (below), so a client's hashed address never outlives the
    hour by much even when no later visitor triggers the per-scope sweep."""
    cutoff = int(time.time() if now is None else now) - STALE_AFTER_S
    return session.execute(delete(RateLimit).where(RateLimit.window_start < cutoff)
                           .execution_options(synchronize_session=False)).rowcount


@registry.handler("ratelimit.purge")
def purge_job(env: Env, payload: dict) -> None:
    with env.factory() as session:
        purge_stale(session)
        session.commit()


registry.every(600, "ratelimit.purge")


"""Signing in: throttling per address and per network, and an account lockout that counts per source.

One attempt goes through, in order:

1. **Throttling** (``core.ratelimit``, shared by every web process): attempts per source address and per
   network (IPv4 /24, IPv6 /64) in a sliding window of ``LOGIN_THROTTLE_MINUTES``. An attempt whose
   password proves right is taken back, so a city hall whose staff all come through one address is
   limited by its failures only. Over the limit: ``THROTTLED`` with a wait, whatever the name.
2. **Lockout per account and source**: failures of one account name from one source address are counted
   (``login_failures``) before the password is checked, so parallel guesses cannot overtake the count. The
   ``LOGIN_MAX_FAILURES``-th failure locks that name *for that source* for ``LOGIN_LOCK_MINUTES``; other
   sources can still sign in, so nobody can keep ``admin`` locked from their own address. Failures older
   than the lock time stop counting. An admin can unlock at once (``core.accounts.unlock_account``).
3. **The password** (``core.accounts.check_credentials``).

Unknown names are counted and locked exactly like real ones, and every attempt that is not throttled
verifies one Argon2 hash (a dummy one for unknown or locked names), so neither the answer nor its timing
tells whether an account exists.
"""
from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import ratelimit
from core.accounts import SignIn, check_credentials, waste_a_hash
from core.models.accounts import LoginFailure, User
from core.privacy import phone_hash

IP_SCOPE = "login.ip"
NETWORK_SCOPE = "login.network"


@dataclass(frozen=True)
class Limits:
    max_failures: int = 5
    lock_minutes: int = 15
    ip_limit: int = 30
    network_limit: int = 100
    throttle_minutes: int = 10

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Limits:
        return cls(int(settings["LOGIN_MAX_FAILURES"]), int(settings["LOGIN_LOCK_MINUTES"]),
                   int(settings["LOGIN_IP_LIMIT"]), int(settings["LOGIN_NETWORK_LIMIT"]),
                   int(settings["LOGIN_THROTTLE_MINUTES"]))


@dataclass(frozen=True)
class Attempt:
    result: SignIn
    user: User | None
    retry_after: int = 0   # seconds, when THROTTLED


def network_of(address: str) -> str:
    """The network an address belongs to for throttling: its IPv4 /24 or IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False))


def _keys(username: str, source: str, hash_key: str) -> tuple[str, str]:
    return phone_hash(f"login-account:{username}", hash_key), phone_hash(f"login-source:{source}", hash_key)


def sign_in(session: Session, username: str, password: str, *, source: str, hash_key: str,
            limits: Limits = Limits(), now: float | None = None) -> Attempt:
    """Check one sign-in from ``source`` (the client's address). The throttle and failure counts are written
    in short transactions of their own; changes to the user (last sign-in, the console's failure summary)
    are left in ``session`` for the caller to commit with its audit entry."""
    now = time.time() if now is None else now
    engine = session.get_bind()
    window_s = limits.throttle_minutes * 60
    throttles = ((IP_SCOPE, source, limits.ip_limit), (NETWORK_SCOPE, network_of(source), limits.network_limit))
    for scope, client, limit in throttles:
        decision = ratelimit.hit(engine, scope, client, limit=limit, window_s=window_s, hash_key=hash_key, now=now)
        if not decision.allowed:
            return Attempt(SignIn.THROTTLED, None, decision.retry_after)

    name = username.strip()
    user = session.scalar(select(User).filter_by(username=name))
    keys = _keys(name, source, hash_key)
    failures, locked_until = _count(engine, keys, user.id if user else None, int(now), limits.lock_minutes * 60)
    if (locked_until and locked_until > now) or failures > limits.max_failures:
        waste_a_hash(password)
        return Attempt(SignIn.LOCKED, user)

    result = check_credentials(user, password)
    if result is SignIn.BAD_CREDENTIALS:
        if failures >= limits.max_failures:
            _execute(engine, update(LoginFailure).where(*_match(keys))
                     .values(locked_until=int(now) + limits.lock_minutes * 60))
            result = SignIn.LOCKED
    else:   # the right password: this source's failures, and its throttle counts for this attempt, are forgiven
        _execute(engine, delete(LoginFailure).where(*_match(keys)))
        for scope, client, _limit in throttles:
            ratelimit.refund(engine, scope, client, window_s=window_s, hash_key=hash_key, now=now)
    if user is not None:
        summarise(session, user, limits.lock_minutes * 60, now)
    return Attempt(result, user)


def _match(keys: tuple[str, str]) -> tuple:
    return LoginFailure.account_key == keys[0], LoginFailure.source_key == keys[1]


def _execute(engine: Engine, statement) -> None:
    with engine.begin() as conn:
        conn.execute(statement)


def _count(engine: Engine, keys: tuple[str, str], user_id: int | None, now: int, lock_s: int) -> tuple[int, int | None]:
    """Count this attempt as a failure (taken back if the password is right) in one atomic upsert; returns the
    failures of the current run, this one included, and the end of a lock. A run starts afresh once its first
    failure is older than the lock time, or its lock has ended. All SET expressions read the row as it was."""
    row = LoginFailure
    lock_over = and_(row.locked_until.is_not(None), row.locked_until <= now)
    stale = and_(row.locked_until.is_(None), row.window_start < now - lock_s)
    afresh = or_(lock_over, stale)
    locked = row.locked_until > now
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = (insert(LoginFailure)
                 .values(account_key=keys[0], source_key=keys[1], user_id=user_id, failures=1, window_start=now)
                 .on_conflict_do_update(
                     index_elements=[row.account_key, row.source_key],
                     set_={"failures": case((afresh, 1), (locked, row.failures), else_=row.failures + 1),
                           "window_start": case((afresh, now), else_=row.window_start),
                           "locked_until": case((lock_over, null()), else_=row.locked_until),
                           "user_id": user_id})
                 .returning(row.failures, row.locked_until))
    with engine.begin() as conn:
        failures, locked_until = conn.execute(statement).one()
    return int(failures), locked_until


def summarise(session: Session, user: User, lock_s: int, now: float | None = None) -> None:
    """The console's view of the account: failures still counting, over all sources, and the latest end of a
    lock against any source (``users.failed_logins``, ``users.locked_until``)."""
    now = int(time.time() if now is None else now)
    counting = case((or_(LoginFailure.window_start >= now - lock_s, LoginFailure.locked_until > now),
                     LoginFailure.failures), else_=0)
    failures, until = session.execute(select(func.coalesce(func.sum(counting), 0), func.max(LoginFailure.locked_until))
                                      .where(LoginFailure.user_id == user.id)).one()
    user.failed_logins = int(failures)
    user.locked_until = datetime.fromtimestamp(until, UTC) if until and until > now else None

"""Accounts: password hashing, sign-in with lockout, and personal API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_, MessageError
from core.models.accounts import ROLES, ApiToken, User
from core.timeutil import as_utc, utcnow

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Verifying against a real hash for unknown users keeps response times alike.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class SignIn(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    INACTIVE = "inactive"


class AccountError(MessageError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("비밀번호는 %(min)s자 이상이어야 합니다."), min=MIN_PASSWORD_LENGTH)
    if password.isdigit() or password.isalpha():
        raise AccountError(N_("비밀번호는 문자와 숫자 또는 기호를 섞어야 합니다."))


def create_user(session: Session, username: str, password: str, role: str = "staff", **fields) -> User:
    if role not in ROLES:
        raise AccountError(N_("알 수 없는 역할입니다: %(role)s (%(roles)s)"), role=role, roles=", ".join(ROLES))
    if session.scalar(select(User).filter_by(username=username)):
        raise AccountError(N_("이미 있는 사용자입니다: %(username)s"), username=username)
    check_password_policy(password)
    user = User(username=username, password_hash=hash_password(password), role=role,
                password_changed_at=utcnow(), **fields)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def authenticate(session: Session, username: str, password: str, *,
                 max_failures: int = 5, lock_minutes: int = 15) -> tuple[SignIn, User | None]:
    """Check a sign-in; counts failures and locks the account after ``max_failures``."""
    user = session.scalar(select(User).filter_by(username=username.strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return SignIn.BAD_CREDENTIALS, None
    now = utcnow()
    if user.locked_until and as_utc(user.locked_until) > now:
        return SignIn.LOCKED, user
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            return SignIn.LOCKED, user
        return SignIn.BAD_CREDENTIALS, user
    if not user.is_active:
        return SignIn.INACTIVE, user
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignIn.OK, user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str = "cli") -> str:
    """Create a personal API token; the clear token is shown once and never stored."""
    token = "gyp_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).filter_by(token_hash=_token_digest(token)))
    if row is None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user

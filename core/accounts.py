"""Accounts: password hashing, credential checks, password changes that end sessions, personal API tokens
(named, expiring, their last use recorded), and the console's account management (create, disable, roles,
password resets, unlocking, token revocation). Throttling and the lockout are in ``core.signin``, the
sessions in ``core.user_sessions``."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, and_, delete, not_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, contains_eager, object_session

from core import user_sessions
from core.db import MAX_ID  # a larger id is "not found", never a database error
from core.i18n import N_, MessageError
from core.models.accounts import ROLES, ApiToken, LoginFailure, User
from core.models.organization import Department
from core.pagination import Page, paginate
from core.timeutil import as_utc, utcnow

_hasher = PasswordHasher()       # argon2-cffi's defaults: RFC 9106's low-memory profile (t=3, 64 MiB, p=4)
_dummy_hash: str | None = None
MIN_PASSWORD_LENGTH = 10
# OWASP's floor for Argon2id; production refuses anything cheaper (tests may go lower to run quickly).
PRODUCTION_MIN_MEMORY_KIB, PRODUCTION_MIN_TIME_COST = 19 * 1024, 2


def configure_hashing(*, time_cost: int, memory_kib: int, parallelism: int, production: bool) -> None:
    """Set the Argon2id cost of new hashes (``ARGON2_*`` settings); older hashes are upgraded at sign-in."""
    global _hasher, _dummy_hash
    if production and (memory_kib < PRODUCTION_MIN_MEMORY_KIB or time_cost < PRODUCTION_MIN_TIME_COST):
        raise ValueError(f"Argon2 below {PRODUCTION_MIN_MEMORY_KIB} KiB or {PRODUCTION_MIN_TIME_COST} passes "
                         "is refused in production")
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) != (time_cost, memory_kib, parallelism):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        _dummy_hash = None


class SignIn(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    INACTIVE = "inactive"
    THROTTLED = "throttled"


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


def change_password(session: Session, user: User, password: str, *, current_session: int | None = None,
                    keep_tokens: bool = False) -> tuple[int, int]:
    """The user's own change: a new password, every other session of theirs ended (the one in use,
    ``current_session``, is left to the caller to renew) and, unless ``keep_tokens``, their API tokens
    revoked. Returns (sessions ended, tokens revoked); the caller commits."""
    set_password(user, password)
    ended = user_sessions.end_all(session, user.id, user_sessions.PASSWORD, keep=current_session)
    return ended, 0 if keep_tokens else revoke_tokens(session, user)


def waste_a_hash(password: str) -> None:
    """Do the work of one password check, for answers that need none (unknown or locked names): every
    answer then takes about as long, so timing does not tell whether an account exists."""
    global _dummy_hash
    # Made at first use, at the current cost, so that it takes as long as a real check (and import stays quick).
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password")
    verify_password(_dummy_hash, password)


def check_credentials(user: User | None, password: str) -> SignIn:
    """OK, BAD_CREDENTIALS (also for no such user) or INACTIVE (right password, disabled account)."""
    if user is None:
        waste_a_hash(password)
        return SignIn.BAD_CREDENTIALS
    if not verify_password(user.password_hash, password):
        return SignIn.BAD_CREDENTIALS
    if not user.is_active:
        return SignIn.INACTIVE
    user.last_login_at = utcnow()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignIn.OK


def authenticate(session: Session, username: str, password: str) -> tuple[SignIn, User | None]:
    """The credentials alone, without throttling or lockout (the web's sign-in is ``core.signin.sign_in``)."""
    user = session.scalar(select(User).filter_by(username=username.strip()))
    return check_credentials(user, password), user


# --- Personal API tokens --------------------------------------------------------------------------------

DEFAULT_TOKEN_DAYS = 90       # API_TOKEN_DAYS
MAX_TOKEN_DAYS = 3650
TOKEN_TOUCH_EVERY = timedelta(seconds=60)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str = "cli", *, days: int = DEFAULT_TOKEN_DAYS,
                now: datetime | None = None) -> str:
    """Create a personal API token named ``label`` that expires after ``days``; the clear token is returned
    to be shown once and never stored. The caller audits and commits."""
    label = _clean_name(label, N_("토큰 이름을 입력해 주세요."), N_("토큰 이름은 %(max)s자 이하여야 합니다."))
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(N_("토큰 유효 기간은 1일에서 %(max)s일 사이여야 합니다."), max=MAX_TOKEN_DAYS)
    now = now or utcnow()
    token = "gyp_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label, created_at=now,
                         expires_at=now + timedelta(days=days)))
    session.flush()
    return token


def find_token(session: Session, token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token (not expired, its owner active) with its user, in one indexed query; writes nothing."""
    row = session.scalar(select(ApiToken).filter_by(token_hash=_token_digest(token)))
    if row is None or not row.user.is_active or as_utc(row.expires_at) <= (now or utcnow()):
        return None
    return row


def touch_token(engine: Engine, row: ApiToken, now: datetime | None = None) -> None:
    """Record the token's use at most once a minute, by a short UPDATE of its own: a request made with a
    token never commits, and a busy token does not write on every call."""
    now = now or utcnow()
    if row.last_used_at is not None and now - as_utc(row.last_used_at) < TOKEN_TOUCH_EVERY:
        return
    try:
        with engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == row.id, or_(
                ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_TOUCH_EVERY))
                .values(last_used_at=now))
    except SQLAlchemyError:  # bookkeeping only; the next use tries again
        return


def revoke_tokens(session: Session, user: User) -> int:
    """Delete every token of ``user``; returns how many."""
    return int(session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0)


# --- The console's account management (blueprints/admin/users.py) -----------------------------------------

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_NAME_LENGTH = 64          # users.username and users.display_name are VARCHAR(64)
STATUSES = ("active", "disabled", "locked")
# No look-alikes (0/O, 1/l/I): a generated password is read off a screen and typed on a phone.
_GENERATED_CHARS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def user_status(user: User, now: datetime | None = None) -> str:
    """``disabled`` (cannot sign in), ``locked`` (too many failures, until ``locked_until``) or ``active``."""
    if not user.is_active:
        return "disabled"
    if user.locked_until and as_utc(user.locked_until) > (now or utcnow()):
        return "locked"
    return "active"


def search_users(session: Session, q: str = "", *, role: str = "", status: str = "", page: int = 1,
                 size: int = 50, now: datetime | None = None) -> Page:
    """Accounts by username, matching ``q`` in the username, name, employee number or department."""
    now = now or utcnow()
    query = (select(User).outerjoin(Department, User.department_id == Department.id)
             .options(contains_eager(User.department)).order_by(User.username, User.id))
    q = q.strip()[:MAX_NAME_LENGTH]
    if q:
        query = query.where(or_(User.username.icontains(q, autoescape=True),
                                User.display_name.icontains(q, autoescape=True),
                                User.employee_no.icontains(q, autoescape=True),
                                Department.name.icontains(q, autoescape=True)))
    if role in ROLES:
        query = query.where(User.role == role)
    locked = and_(User.locked_until.is_not(None), User.locked_until > now)
    if status == "disabled":
        query = query.where(User.is_active.is_(False))
    elif status == "locked":
        query = query.where(User.is_active.is_(True), locked)
    elif status == "active":
        query = query.where(User.is_active.is_(True), not_(locked))
    return paginate(session, query, page, size)


def generate_password() -> str:
    """A random password (16 letters and digits in groups of four, about 92 bits) that meets the policy."""
    chars = "".join(secrets.choice(_GENERATED_CHARS) for _ in range(16))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def _clean_name(value: str, empty: str, too_long: str) -> str:
    value = (value or "").strip()
    if not value:
        raise AccountError(empty)
    if len(value) > MAX_NAME_LENGTH:
        raise AccountError(too_long, max=MAX_NAME_LENGTH)
    return value


def create_account(session: Session, username: str, display_name: str, role: str = "staff",
                   department_id: int | None = None) -> tuple[User, str]:
    """A new account with a generated password; the clear password is returned to be shown once."""
    username = _clean_name(username, N_("아이디를 입력해 주세요."), N_("아이디는 %(max)s자 이하여야 합니다."))
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError(N_("아이디는 영문자, 숫자, 점(.), 밑줄(_), 하이픈(-)만 쓸 수 있습니다."))
    display_name = _clean_name(display_name, N_("이름을 입력해 주세요."), N_("이름은 %(max)s자 이하여야 합니다."))
    _check_department(session, department_id)
    password = generate_password()
    user = create_user(session, username, password, role, display_name=display_name, department_id=department_id)
    return user, password


def _check_department(session: Session, department_id: int | None) -> None:
    if department_id is not None and not (0 < department_id <= MAX_ID and session.get(Department, department_id)):
        raise AccountError(N_("알 수 없는 부서입니다."))


def change_department(session: Session, user: User, department_id: int | None) -> int | None:
    """Move ``user`` to another department (None: none); returns the old one. A department admin's
    console shows their department's lines and calls."""
    _check_department(session, department_id)
    old, user.department_id = user.department_id, department_id
    return old


def reset_password(user: User) -> str:
    """Replace the password with a generated one, returned to be shown once (only its hash is kept). Every
    session of the user ends and their API tokens are revoked: a reset follows a forgotten password or a
    suspected break-in, and whoever held the old one must not stay signed in."""
    password = generate_password()
    set_password(user, password)
    session = object_session(user)
    user_sessions.end_all(session, user.id, user_sessions.PASSWORD)
    revoke_tokens(session, user)
    return password


def _check_not_last_admin(session: Session, user: User) -> None:
    """Refuse to leave the city without an active admin. FOR UPDATE (PostgreSQL) makes two admins demoting
    each other at once wait for one another, so the second sees the first's change."""
    if user.role != "admin" or not user.is_active:
        return
    others = session.scalars(select(User.id).where(User.role == "admin", User.is_active.is_(True),
                                                   User.id != user.id).with_for_update()).all()
    if not others:
        raise AccountError(N_("마지막 관리자는 역할을 바꾸거나 사용 중지할 수 없습니다."))


def change_role(session: Session, actor: User, user: User, role: str) -> str:
    """Give ``user`` another role; returns the old one. Nobody changes their own role."""
    if role not in ROLES:
        raise AccountError(N_("알 수 없는 역할입니다: %(role)s (%(roles)s)"), role=role, roles=", ".join(ROLES))
    if actor.id == user.id:
        raise AccountError(N_("자신의 역할은 바꿀 수 없습니다."))
    if role != "admin":
        _check_not_last_admin(session, user)
    old, user.role = user.role, role
    if old != role:   # pages and rights were granted for the old role: sign in again
        user_sessions.end_all(session, user.id, user_sessions.ROLE)
    return old


def disable_account(session: Session, actor: User, user: User) -> int:
    """Stop an account: it cannot sign in, its sessions end on their next request, and its API tokens are
    deleted (an account re-enabled later starts without them). Returns the number of tokens deleted."""
    if actor.id == user.id:
        raise AccountError(N_("자신의 계정은 사용 중지할 수 없습니다."))
    _check_not_last_admin(session, user)
    user.is_active = False
    user_sessions.end_all(session, user.id, user_sessions.DISABLED)
    return revoke_tokens(session, user)


def enable_account(user: User) -> None:
    user.is_active = True


def unlock_account(user: User) -> None:
    """End the account's lockouts (against every source) now rather than after ``LOGIN_LOCK_MINUTES``, and
    forget the failures counted."""
    object_session(user).execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
    user.locked_until, user.failed_logins = None, 0


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Delete one of ``user``'s tokens; None when it is not theirs or is already gone."""
    if not 0 < token_id <= MAX_ID:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if row is not None:
        session.delete(row)
    return row

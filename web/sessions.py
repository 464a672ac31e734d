"""Sign-in sessions: the server-side session behind the cookie, bearer tokens, idle and absolute expiry,
role checks.

The signed cookie carries flask-login's user id and ``sid``, the key of a row in ``user_sessions``
(``core.user_sessions``). Each request looks that row up once (cached on ``g``) and refuses the cookie when
the session ended (sign-out, password or role change, disabled account) or ran past
``SESSION_IDLE_MINUTES`` or ``SESSION_MAX_HOURS``. Bearer tokens count only under ``/api/``.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_login import current_user

from core import user_sessions
from core.accounts import find_token, touch_token
from core.models.accounts import User, UserSession
from core.timeutil import utcnow
from extensions import db, login_manager
from web.security import error_response

SESSION_KEY = "sid"
# What survives the end of a session in the cookie: the language chosen before signing in.
KEPT_ON_END = ("lang",)


def _load_user(user_id: str) -> User | None:
    key = session.get(SESSION_KEY)
    found = user_sessions.lookup(db.session, key) if isinstance(key, str) and key else None
    if found is None or str(found[0].user_id) != user_id:
        forget_session()
        return None
    row, user = found
    cfg = current_app.config
    now = utcnow()
    reason = user_sessions.over(row, user, idle_minutes=int(cfg["SESSION_IDLE_MINUTES"]),
                                max_hours=int(cfg["SESSION_MAX_HOURS"]), now=now)
    if reason is not None:
        if reason in (user_sessions.IDLE, user_sessions.EXPIRED):
            user_sessions.end_expired(db.engine, row, reason, now)
        forget_session(expired=reason in (user_sessions.IDLE, user_sessions.EXPIRED))
        return None
    user_sessions.touch(db.engine, row, now)
    g.user_session = row
    return user


def forget_session(expired: bool = False) -> None:
    """Empty the cookie of a session that is over (keeping the language), noting why for the login page."""
    kept = {name: session[name] for name in KEPT_ON_END if name in session}
    session.clear()
    session.update(kept)
    if expired:
        session["expired"] = True


def _load_from_bearer(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    row = find_token(db.session, header[7:].strip())
    if row is None:
        return None
    touch_token(db.engine, row)
    g.api_token = row   # web.security skips CSRF only for a request signed in this way
    return row.user


def current_session() -> UserSession | None:
    """The server-side session of this request's cookie, or None (anonymous, or a bearer token)."""
    return g.get("user_session") if current_user.is_authenticated else None


def session_nonce() -> str | None:
    """A value unique to this sign-in session and never sent to the browser, for binding signed URLs to it
    (the viewer's page images): URLs signed for it die with the session."""
    row = current_session()
    return row.key_hash if row is not None else None


def _unauthorized():
    if request.path.startswith("/api/"):
        return error_response(401)
    if request.headers.get("HX-Request"):
        # A partial request after expiry must send the whole window to the login page.
        return "", 401, {"HX-Redirect": url_for("auth.login", next=request.path)}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def start_session(user: User) -> UserSession:
    """A new server-side session for ``user`` (just signed in or renewed), its key in the cookie; the caller
    commits."""
    row, key = user_sessions.start(db.session, user, ip=request.remote_addr or "",
                                   user_agent=request.user_agent.string)
    session.permanent = True
    session[SESSION_KEY] = key
    g.user_session = row
    return row


def _check_session() -> None:
    """Load the user at the start of every request, so an ended session is refused (and its cookie emptied)
    before any view runs and the bookkeeping happens before the view's own writes."""
    if "_user_id" in session:
        current_user._get_current_object()


def roles_required(*roles: str) -> Callable:
    """Allow only signed-in users holding one of ``roles`` (admin passes every check)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            if not current_user.has_role(*roles):
                return error_response(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_bearer)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"
    app.before_request(_check_session)

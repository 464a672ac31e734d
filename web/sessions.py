"""Sign-in sessions: loading users, bearer tokens, idle and absolute expiry, role checks."""
from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user

from core.accounts import user_for_token
from core.models.accounts import User
from extensions import db, login_manager
from web.security import error_response


def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def _load_from_bearer(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    user = user_for_token(db.session, header[7:].strip())
    if user is not None:
        db.session.commit()
    return user


def _unauthorized():
    if request.path.startswith("/api/"):
        return error_response(401)
    if request.headers.get("HX-Request"):
        # A partial request after expiry must send the whole window to the login page.
        return "", 401, {"HX-Redirect": url_for("auth.login", next=request.path)}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def start_session() -> None:
    now = int(time.time())
    session.permanent = True
    session["login_at"] = now
    session["seen_at"] = now


def _enforce_expiry() -> None:
    if request.endpoint == "static" or "login_at" not in session:
        return
    cfg = current_app.config
    now = int(time.time())
    idle = now - int(session.get("seen_at", 0)) > int(cfg["SESSION_IDLE_MINUTES"]) * 60
    too_old = now - int(session["login_at"]) > int(cfg["SESSION_MAX_HOURS"]) * 3600
    if idle or too_old:
        logout_user()
        session.clear()
        session["expired"] = True
        return
    session["seen_at"] = now


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
    app.before_request(_enforce_expiry)

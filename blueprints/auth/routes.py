from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from blueprints.auth import bp
from blueprints.auth.forms import LoginForm, PasswordForm
from core import audit, user_sessions
from core.accounts import AccountError, SignIn, verify_password
from core.accounts import change_password as change_own_password
from core.signin import Limits, sign_in
from extensions import db
from web.client import client_info
from web.i18n import LOCALES, translated
from web.sessions import current_session, forget_session, start_session


def _safe_next(target: str | None, default: str | None = None) -> str:
    """Only a path of this site: never an open redirect (browsers read a backslash as a slash, /\\host is //host,
    and drop tabs and line breaks, /\\t/host too) and no control character, which a Location header cannot
    hold (``/\\r\\nSet-Cookie: ...``)."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(char < " " or char == "\x7f" for char in target) and not urlsplit(target).netloc):
        return target
    return default or url_for("main.home")


def _landing(user) -> str:
    """Where a sign-in lands without a ``next``: admins and department admins work in the console."""
    return url_for("admin.dashboard") if user.has_role("dept_admin") else url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    if session.pop("expired", False):
        flash(_("오랫동안 사용하지 않아 로그아웃되었습니다. 다시 로그인해 주세요."), "info")
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        cfg = current_app.config
        attempt = sign_in(db.session, form.username.data, form.password.data, source=request.remote_addr or "",
                          hash_key=cfg["PHONE_HASH_KEY"], limits=Limits.from_settings(cfg))
        user = attempt.user
        if attempt.result is SignIn.OK:
            audit.record(db.session, "login", user=user, **client_info())
            forget_session()   # nothing of an earlier sign-in in this browser carries over
            login_user(user)
            start_session(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next"), _landing(user)))
        # Unknown and existing names get the same answer (status, text, about the same time): the lock, too,
        # counts per name and source whether or not the account exists (core.signin).
        status = 429 if attempt.result is SignIn.THROTTLED else 401
        if attempt.result is SignIn.THROTTLED:
            # Not audited: a flood would fill the log. The throttle is per address, so it reveals no account.
            minutes = max(1, -(-attempt.retry_after // 60))
            headers["Retry-After"] = str(attempt.retry_after)
            flash(ngettext("로그인 시도가 너무 많습니다. %(num)s분 뒤에 다시 시도해 주세요.",
                           "로그인 시도가 너무 많습니다. %(num)s분 뒤에 다시 시도해 주세요.", minutes), "error")
        else:
            audit.record(db.session, f"login_{attempt.result.value}", user=user, username=form.username.data[:64],
                         **client_info())
            db.session.commit()
        if attempt.result is SignIn.LOCKED:
            minutes = int(cfg["LOGIN_LOCK_MINUTES"])
            flash(ngettext("로그인 실패가 반복되어 계정이 %(num)s분 동안 잠겼습니다.",
                           "로그인 실패가 반복되어 계정이 %(num)s분 동안 잠겼습니다.", minutes), "error")
        elif attempt.result is SignIn.INACTIVE:
            flash(_("사용이 중지된 계정입니다. 관리자에게 문의해 주세요."), "error")
        elif attempt.result is SignIn.BAD_CREDENTIALS:
            flash(_("아이디 또는 비밀번호가 올바르지 않습니다."), "error")
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout():
    row = current_session()
    if row is not None:
        user_sessions.end(db.session, row, user_sessions.LOGOUT)
    audit.record(db.session, "logout", user=current_user, **client_info())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("로그아웃되었습니다."), "info")
    response = redirect(url_for("auth.login"))
    # The browser drops its HTTP and back/forward caches of this site: the next person on a shared phone
    # cannot page back into this user's screens. (The service worker forgets its copies on this POST.)
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("현재 비밀번호가 올바르지 않습니다."))
        else:
            user, row = current_user._get_current_object(), current_session()
            try:
                ended, revoked = change_own_password(db.session, user, form.new.data,
                                                     current_session=row.id if row else None,
                                                     keep_tokens=form.keep_tokens.data)
            except AccountError as exc:
                form.new.errors.append(translated(exc.detail))
            else:
                # This session goes on under a new key, so a copy of its cookie taken before dies as well.
                if row is not None:
                    user_sessions.end(db.session, row, user_sessions.PASSWORD)
                start_session(user)
                audit.record(db.session, "password_changed", user=user, sessions_ended=ended, tokens_revoked=revoked,
                             **client_info())
                db.session.commit()
                flash(_("비밀번호를 바꾸었습니다. 다른 기기에서는 모두 로그아웃되었습니다."), "success")
                if revoked:
                    flash(ngettext("API 토큰 %(num)s개를 폐기했습니다.", "API 토큰 %(num)s개를 폐기했습니다.", revoked),
                          "info")
                return redirect(url_for("main.more"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.post("/account/language")
def set_language():
    lang = request.form.get("lang", "ko")
    if lang in LOCALES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))

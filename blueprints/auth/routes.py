from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from blueprints.auth import bp
from blueprints.auth.forms import LoginForm, PasswordForm
from core import audit
from core.accounts import AccountError, SignIn, authenticate, set_password, verify_password
from extensions import db
from web.client import client_info
from web.i18n import LOCALES, translated
from web.sessions import start_session


def _safe_next(target: str | None, default: str | None = None) -> str:
    """Only same-site paths: never an open redirect (browsers read a backslash as a slash: /\\host is //host)."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not urlsplit(target).netloc):
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
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config
        result, user = authenticate(db.session, form.username.data, form.password.data,
                                    max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"])
        if result is SignIn.OK:
            audit.record(db.session, "login", user=user, **client_info())
            db.session.commit()
            login_user(user)
            start_session()
            return redirect(_safe_next(request.args.get("next"), _landing(user)))
        audit.record(db.session, f"login_{result.value}", user=user, username=form.username.data[:64],
                     **client_info())
        db.session.commit()
        status = 423 if result is SignIn.LOCKED else 401
        if result is SignIn.LOCKED:
            minutes = int(cfg["LOGIN_LOCK_MINUTES"])
            flash(ngettext("로그인 실패가 반복되어 계정이 %(num)s분 동안 잠겼습니다.",
                           "로그인 실패가 반복되어 계정이 %(num)s분 동안 잠겼습니다.", minutes), "error")
        elif result is SignIn.INACTIVE:
            flash(_("사용이 중지된 계정입니다. 관리자에게 문의해 주세요."), "error")
        else:
            flash(_("아이디 또는 비밀번호가 올바르지 않습니다."), "error")
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    audit.record(db.session, "logout", user=current_user, **client_info())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("로그아웃되었습니다."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("현재 비밀번호가 올바르지 않습니다."))
        else:
            try:
                set_password(current_user, form.new.data)
            except AccountError as exc:
                form.new.errors.append(translated(exc.detail))
            else:
                audit.record(db.session, "password_changed", user=current_user, **client_info())
                db.session.commit()
                flash(_("비밀번호를 바꾸었습니다."), "success")
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

"""더보기 → 로그인 기기와 API 토큰: a person's own sessions and personal API tokens.

They see where they are signed in and can sign out everywhere else; they list, create and revoke their
own API tokens. A new token is shown in the one response that made it, marked ``no-store`` and
``hx-history="false"``, with the address bar set back to the page, so reloading or going back never shows
it again; only its hash is stored. Every change is CSRF-checked (web.security) and audited.
"""
from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from blueprints.auth import bp
from blueprints.auth.forms import TokenForm
from core import accounts, audit, user_sessions
from core.accounts import AccountError
from extensions import db
from web.client import client_info
from web.i18n import translated
from web.sessions import current_session


def _page(form: TokenForm, status: int = 200, new_token: str | None = None):
    cfg = current_app.config
    sessions = user_sessions.open_sessions(db.session, current_user, idle_minutes=int(cfg["SESSION_IDLE_MINUTES"]),
                                           max_hours=int(cfg["SESSION_MAX_HOURS"]))
    body = render_template("auth/security.html", form=form, sessions=sessions, this_session=current_session(),
                           tokens=accounts.user_tokens(db.session, current_user), new_token=new_token)
    response = make_response(body, status)
    if new_token:
        response.headers["HX-Replace-Url"] = url_for("auth.security")
    return response


def _form() -> TokenForm:
    form = TokenForm()
    if form.days.data is None and not form.is_submitted():
        form.days.data = int(current_app.config["API_TOKEN_DAYS"])
    return form


@bp.get("/account/security")
@login_required
def security():
    return _page(_form())


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    row = current_session()
    ended = user_sessions.end_all(db.session, current_user.id, user_sessions.OTHERS, keep=row.id if row else None)
    audit.record(db.session, "sessions_ended", user=current_user, sessions_ended=ended, **client_info())
    db.session.commit()
    flash(ngettext("다른 기기 %(num)s곳에서 로그아웃했습니다.", "다른 기기 %(num)s곳에서 로그아웃했습니다.", ended),
          "success")
    return redirect(url_for("auth.security"))


@bp.post("/account/tokens")
@login_required
def token_create():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    user = current_user._get_current_object()
    try:
        raw = accounts.issue_token(db.session, user, form.name.data, days=form.days.data)
    except AccountError as exc:
        db.session.rollback()
        form.name.errors.append(translated(exc.detail))
        return _page(form, 400)
    row = accounts.find_token(db.session, raw)
    audit.record(db.session, "token_issued", user=user, target=user.username, token_id=row.id, label=row.label,
                 expires_at=row.expires_at.isoformat(), via="account", **client_info())
    db.session.commit()
    return _page(TokenForm(formdata=None, days=int(current_app.config["API_TOKEN_DAYS"])), new_token=raw)


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    token = accounts.revoke_token(db.session, current_user, token_id) or abort(404)
    audit.record(db.session, "token_revoked", user=current_user, target=current_user.username, token_id=token_id,
                 label=token.label, **client_info())
    db.session.commit()
    flash(_("API 토큰 '%(label)s'을(를) 폐기했습니다.", label=token.label), "success")
    return redirect(url_for("auth.security"))

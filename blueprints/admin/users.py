"""Console: staff accounts (admins only). Every change is CSRF-checked (web.security) and audited.

A generated password is rendered into the one response that created it, marked ``no-store`` and
``hx-history="false"`` (htmx keeps no copy of the page), and the address bar is set to the account's page,
so reloading or going back shows the account without it; only the hash is stored.
"""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from blueprints.admin import bp
from core import accounts
from core.accounts import AccountError
from core.audit import record
from core.models.accounts import ROLES, User
from core.models.organization import Department
from extensions import db
from web.client import client_info
from web.converters import page_arg
from web.i18n import translated
from web.sessions import roles_required

PAGE_SIZE = 50
ROLE_LABELS = {"staff": _l("직원"), "dept_admin": _l("부서 관리자"), "admin": _l("관리자")}
STATUS_LABELS = {"active": _l("정상"), "disabled": _l("사용 중지됨"), "locked": _l("잠김")}


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name, Department.id)))


def _department_arg(raw: str | None) -> int | None:
    """The form's department: empty is none; anything but digits is an id that no department has."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() else 0


def _audit(action: str, user: User, **detail) -> None:
    record(db.session, action, user=current_user, target=user.username, user_id=user.id, **detail,
           **client_info())


def _detail_page(user: User, status: int = 200, **extra):
    return render_template("admin/user_detail.html", user=user, tokens=accounts.user_tokens(db.session, user),
                           status=accounts.user_status(user), departments=_departments(), roles=ROLES,
                           role_labels=ROLE_LABELS, status_labels=STATUS_LABELS, **extra), status


def _refused(user_id: int, exc: AccountError):
    db.session.rollback()
    return _detail_page(_user(user_id), 400, error=translated(exc.detail))


def _with_password(user: User, password: str, created: bool):
    """The account page showing ``password`` this once (see the module's docstring)."""
    body, status = _detail_page(user, new_password=password, created=created)
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["HX-Replace-Url"] = url_for("admin.user_detail", user_id=user.id)
    return response


@bp.get("/users")
@roles_required("admin")
def users():
    q = request.args.get("q", "").strip()[:accounts.MAX_NAME_LENGTH]
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    page = accounts.search_users(db.session, q, role=role, status=status,
                                 page=page_arg(), size=PAGE_SIZE)
    template = "admin/_user_results.html" if request.htmx and not request.htmx.boosted else "admin/users.html"
    return render_template(template, page=page, q=q, role=role if role in ROLES else "",
                           status=status if status in accounts.STATUSES else "", roles=ROLES,
                           role_labels=ROLE_LABELS, status_labels=STATUS_LABELS,
                           user_status=accounts.user_status)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = request.form
    if request.method == "POST":
        try:
            user, password = accounts.create_account(db.session, form.get("username", ""),
                                                     form.get("display_name", ""), form.get("role", "staff"),
                                                     _department_arg(form.get("department")))
        except AccountError as exc:
            db.session.rollback()
            return render_template("admin/user_new.html", form=form, departments=_departments(), roles=ROLES,
                                   role_labels=ROLE_LABELS, error=translated(exc.detail)), 400
        _audit("admin.user.create", user, role=user.role, department_id=user.department_id)
        db.session.commit()
        return _with_password(user, password, created=True)
    return render_template("admin/user_new.html", form=form, departments=_departments(), roles=ROLES,
                           role_labels=ROLE_LABELS, error=None)


@bp.get("/users/<id:user_id>")
@roles_required("admin")
def user_detail(user_id: int):
    return _detail_page(_user(user_id))


@bp.post("/users/<id:user_id>/role")
@roles_required("admin")
def user_role(user_id: int):
    user = _user(user_id)
    role = request.form.get("role", "")
    try:
        old = accounts.change_role(db.session, current_user, user, role)
    except AccountError as exc:
        return _refused(user_id, exc)
    if old != role:
        _audit("admin.user.role", user, old=old, new=role)
        db.session.commit()
        flash(_("%(name)s의 역할을 %(role)s(으)로 바꾸었습니다.", name=user.username, role=ROLE_LABELS[role]),
              "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/department")
@roles_required("admin")
def user_department(user_id: int):
    user = _user(user_id)
    try:
        old = accounts.change_department(db.session, user, _department_arg(request.form.get("department")))
    except AccountError as exc:
        return _refused(user_id, exc)
    if old != user.department_id:
        _audit("admin.user.department", user, old=old, new=user.department_id)
        db.session.commit()
        flash(_("%(name)s의 부서를 바꾸었습니다.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/disable")
@roles_required("admin")
def user_disable(user_id: int):
    user = _user(user_id)
    if user.is_active:
        try:
            revoked = accounts.disable_account(db.session, current_user, user)
        except AccountError as exc:
            return _refused(user_id, exc)
        _audit("admin.user.disable", user, tokens_revoked=revoked)
        db.session.commit()
        flash(_("%(name)s 계정을 사용 중지했습니다.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/enable")
@roles_required("admin")
def user_enable(user_id: int):
    user = _user(user_id)
    if not user.is_active:
        accounts.enable_account(user)
        _audit("admin.user.enable", user)
        db.session.commit()
        flash(_("%(name)s 계정을 다시 사용하게 했습니다.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/unlock")
@roles_required("admin")
def user_unlock(user_id: int):
    user = _user(user_id)
    accounts.unlock_account(user)
    _audit("admin.user.unlock", user)
    db.session.commit()
    flash(_("%(name)s 계정의 잠금을 풀었습니다.", name=user.username), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<id:user_id>/password")
@roles_required("admin")
def user_password(user_id: int):
    user = _user(user_id)
    password = accounts.reset_password(user)
    _audit("admin.user.password_reset", user)
    db.session.commit()
    return _with_password(user, password, created=False)


@bp.post("/users/<id:user_id>/tokens/<id:token_id>/revoke")
@roles_required("admin")
def user_token_revoke(user_id: int, token_id: int):
    user = _user(user_id)
    token = accounts.revoke_token(db.session, user, token_id) or abort(404)
    _audit("admin.user.token_revoke", user, token_id=token_id, label=token.label)
    db.session.commit()
    flash(_("API 토큰 '%(label)s'을(를) 폐기했습니다.", label=token.label), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))

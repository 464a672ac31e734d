"""Staff pages: the week of my cafeteria (switchable, offline through the service worker's menu-v1 cache) and
my allergen profile with my cafeteria and the morning warning."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.menu import bp
from core import menu
from core.menu.allergens import ALLERGENS
from extensions import db
from web.i18n import translated
from web.read_only import reads_only

HEADERS = {"Cache-Control": "private, no-cache", "Vary": "HX-Request, Cookie"}


def _int_arg(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 9 else None


def home_for_template() -> dict[str, Any]:
    """templates/menu/_home.html's data when the home page did not pass core.menu.home_context's."""
    if not current_user.is_authenticated:
        return {"menu_cafeteria": None, "menu_day": menu.today(), "menu_meals": []}
    return menu.home_context(db.session, current_user)


@bp.get("/menu")
@reads_only
@login_required
def week():
    day, problem = menu.today(), None
    if raw := request.args.get("week", "").strip():
        try:
            day = date.fromisoformat(raw[:10])
        except ValueError:
            problem = _("날짜 형식이 올바르지 않습니다 (YYYY-MM-DD). 이번 주를 보여 드립니다.")
    context = menu.week(db.session, current_user.id, day, _int_arg(request.args.get("cafeteria")))
    if problem:
        flash(problem, "error")
    monday = context["days"][0]
    response = make_response(render_template("menu/week.html", prev_week=(monday - timedelta(days=7)).isoformat(),
                                             next_week=(monday + timedelta(days=7)).isoformat(), **context))
    response.headers.update(HEADERS)
    return response


@bp.route("/menu/profile", methods=["GET", "POST"])
@login_required
def profile():
    mine = menu.profile(db.session, current_user.id)
    status, error, chosen = 200, None, set(mine.numbers)
    if request.method == "POST":
        numbers = [n for n in (_int_arg(v) for v in request.form.getlist("allergen")) if n is not None]
        chosen = set(numbers)
        if len(numbers) != len(request.form.getlist("allergen")):
            given = ", ".join(v[:8] for v in request.form.getlist("allergen")[:25])
            error = _("알 수 없는 알레르기 번호입니다: %(numbers)s", numbers=given)
        cafeteria = request.form.get("cafeteria", "")
        cafeteria_id = _int_arg(cafeteria)
        if cafeteria and cafeteria_id is None:
            error = _("선택한 구내식당이 없습니다. 목록에서 골라 주세요.")
        if error is None:
            try:
                menu.save_profile(db.session, current_user.id, allergens=numbers, cafeteria_id=cafeteria_id,
                                  morning_push=request.form.get("morning_push") == "1")
            except menu.MenuError as exc:
                db.session.rollback()
                error = translated(exc.detail)
            else:
                db.session.commit()
                flash(_("알레르기 정보와 구내식당을 저장했습니다."), "success")
                return redirect(url_for("menu.profile"))
        status = 400
    response = make_response(render_template(
        "menu/profile.html", mine=mine, chosen=chosen, allergens=ALLERGENS, error=error,
        cafeterias=menu.cafeterias(db.session)), status)
    response.headers.update(HEADERS)
    return response

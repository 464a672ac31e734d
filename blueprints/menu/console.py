"""The console's menu pages (admins): the CSV/XLSX import with progress, and editing one meal of one day."""
from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from blueprints.menu import bp
from core import audit, menu
from core.menu import CALORIES_MAX, SERVINGS_MAX
from core.menu.allergens import DishError
from core.menu.importer import MenuFileError, read_rows
from extensions import db
from web import tasks
from web.client import client_info
from web.i18n import translated
from web.sessions import roles_required


class ImportForm(FlaskForm):
    file = FileField(_l("식단 파일 (CSV 또는 XLSX)"), validators=[
        FileRequired(_l("올릴 파일을 골라 주세요.")),
        FileAllowed(["csv", "xlsx"], _l("CSV 또는 XLSX 파일만 올릴 수 있습니다.")),
    ], render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


@bp.route("/admin/menu/import", methods=["GET", "POST"])
@roles_required("admin")
def import_page():
    form = ImportForm()
    task, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "upload"
        data = upload.read()
        try:
            read_rows(data, filename, current_app.config, header_only=True)  # a bad file changes nothing
        except MenuFileError as exc:
            form.file.errors.append(translated(exc.detail))
            status = 400
        else:
            task = tasks.submit_import("menu_import", "menu.import", filename, data)
            if request.htmx:
                return render_template("admin/_task_progress.html", task=task)
    elif request.method == "POST":
        status = 400
    if status == 400 and request.htmx:
        return render_template("directory/_import_errors.html", form=form), 400
    return render_template("menu/console/import.html", form=form, task=task,
                           recent_tasks=tasks.recent("menu_import")), status


def _number(text: str, limit: float, whole: bool) -> float | int | None:
    """The form's 열량 or 식수; raises ValueError for anything but a number from 0 to ``limit``."""
    text = text.strip()
    if not text:
        return None
    value = int(text) if whole else round(float(text), 1)
    if not 0 <= value <= limit:
        raise ValueError(text)
    return value


@bp.route("/admin/menu/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit():
    cafeterias = menu.cafeterias(db.session)
    source = request.form if request.method == "POST" else request.args
    cafeteria = menu.choose_cafeteria(db.session, current_user.id, _int(source.get("cafeteria")))
    code = source.get("meal", "lunch") if source.get("meal") in menu.MEAL_LABELS else "lunch"
    try:
        day = date.fromisoformat(source.get("day", "")[:10]) if source.get("day") else menu.today()
    except ValueError:
        day, error = menu.today(), _("날짜 형식이 올바르지 않습니다 (YYYY-MM-DD).")
    else:
        error = None
    status = 200
    meal = menu.find_meal(db.session, cafeteria.id, day, code) if cafeteria else None
    text = menu.dishes_text(meal)
    calories, servings = (meal.calories, meal.servings) if meal else (None, None)
    if request.method == "POST" and cafeteria is not None and error is None:
        text = request.form.get("dishes", "")[:5000]
        try:
            dishes = menu.parse_dishes(text)
            calories = _number(request.form.get("calories", ""), CALORIES_MAX, whole=False)
            servings = _number(request.form.get("servings", ""), SERVINGS_MAX, whole=True)
        except DishError as exc:
            error = translated(exc.detail)
        except ValueError:
            error = _("열량과 식수는 0 이상의 숫자로 적어 주세요 (열량 최대 %(c)s, 식수 최대 %(s)s).",
                      c=CALORIES_MAX, s=SERVINGS_MAX)
        else:
            outcome = menu.set_meal(db.session, cafeteria.id, day, code, dishes, calories, servings)
            audit.record(db.session, "menu.edit", user=current_user, target=f"{cafeteria.name} {day} {code}",
                         outcome=outcome, **client_info())
            db.session.commit()
            flash(_("식단을 저장했습니다."), "success")
            return redirect(url_for("menu.edit", cafeteria=cafeteria.id, day=day.isoformat(), meal=code))
    if error:
        status = 400
    return render_template("menu/console/edit.html", cafeterias=cafeterias, cafeteria=cafeteria, day=day,
                           code=code, text=text, calories=calories, servings=servings, error=error,
                           meal_labels=menu.MEAL_LABELS), status


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 9 else None

"""Console: the opt-out list (masked numbers only), entering an opt-out by number, and undo.

Only the keyed hash (``PHONE_HASH_KEY``) and the masked form of a number are ever stored."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.lettering import bp
from blueprints.lettering.forms import OptOutForm
from core.audit import record
from core.lettering.optout import opt_out, undo_opt_out
from core.models.lettering import OptOut
from core.phone import mask, try_normalize
from core.privacy import phone_hash
from extensions import db
from web.client import client_info
from web.converters import page_arg
from web.sessions import roles_required

PAGE_SIZE = 50


def _hash(e164: str) -> str:
    return phone_hash(e164, current_app.config["PHONE_HASH_KEY"])


@bp.route("/optouts", methods=["GET", "POST"])
def optouts():
    form = OptOutForm()
    status = 200
    if form.validate_on_submit():
        e164 = try_normalize(form.number.data)
        if e164 is None:
            form.number.errors = [_("전화번호 형식이 올바르지 않습니다. 010-1234-5678 처럼 입력해 주세요.")]
        else:
            row = opt_out(db.session, _hash(e164), masked=mask(e164), source="admin")
            record(db.session, "lettering.optout.add", user=current_user, target=row.masked,
                   **client_info())
            db.session.commit()
            flash(_("%(number)s 번호를 수신 거부 목록에 넣었습니다.", number=row.masked), "success")
            return redirect(url_for("lettering.optouts"))
    if request.method == "POST":
        status = 422
    page = page_arg()
    show_all = request.args.get("all") == "1"
    query = select(OptOut).order_by(OptOut.updated_at.desc(), OptOut.id.desc())
    if not show_all:
        query = query.where(OptOut.active)
    find = request.args.get("find", "").strip()[:40]
    found_error = ""
    if find:
        e164 = try_normalize(find)
        if e164 is None:
            found_error = _("전화번호 형식이 올바르지 않습니다.")
            query = query.where(OptOut.id.is_(None))
        else:
            query = query.where(OptOut.phone_hash == _hash(e164))
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    template = ("lettering/_optout_rows.html" if request.htmx and not request.htmx.boosted
                and request.method == "GET" else "lettering/optouts.html")
    return render_template(template, form=form, rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE,
                           page=page, show_all=show_all, find=find, found_error=found_error), status


@bp.post("/optouts/<id:optout_id>/undo")
@roles_required("admin")
def optout_undo(optout_id: int):
    row = db.session.get(OptOut, optout_id) or abort(404)
    if undo_opt_out(db.session, row.phone_hash):
        record(db.session, "lettering.optout.undo", user=current_user, target=row.masked,
               **client_info())
        db.session.commit()
        flash(_("%(number)s 번호의 수신 거부를 취소했습니다.", number=row.masked or _("(번호 미상)")), "success")
    return redirect(url_for("lettering.optouts"))

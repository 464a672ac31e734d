"""Console: the "이달의 정책" link every card shows (admins)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from blueprints.cards import bp
from core import audit, cards
from extensions import db
from web.client import client_info
from web.i18n import translated
from web.sessions import roles_required


class PolicyForm(FlaskForm):
    label = StringField(_l("제목"))
    url = StringField(_l("주소"))
    enabled = BooleanField(_l("명함에 표시"), default=True)


@bp.route("/admin/cards/policy", methods=["GET", "POST"])
@roles_required("admin")
def console_policy():
    link = cards.policy_link(db.session)
    if request.method == "GET":
        form = PolicyForm(data={"label": link.label, "url": link.url, "enabled": link.enabled} if link else None)
        return render_template("cards/console_policy.html", form=form, error="")
    form = PolicyForm()
    if not form.validate_on_submit():
        return render_template("cards/console_policy.html", form=form, error=_("입력한 내용을 확인해 주세요.")), 400
    try:
        saved = cards.save_policy_link(db.session, label=form.label.data or "", url=form.url.data or "",
                                       enabled=bool(form.enabled.data))
        audit.record(db.session, "cards.policy_link.save", user=current_user, target="card_policy_link:1",
                     label=saved.label, url=saved.url, enabled=saved.enabled, **client_info())
        db.session.commit()
    except cards.PolicyLinkError as exc:
        db.session.rollback()
        return render_template("cards/console_policy.html", form=form, error=translated(exc.detail)), 400
    flash(_("이달의 정책 링크를 저장했습니다."), "success")
    return redirect(url_for("cards.console_policy"))

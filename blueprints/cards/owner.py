"""The owner's 내 명함: the card as they are shown it, a full-screen QR, sharing, the mobile choice, counts."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.cards import bp
from core import audit, cards
from core.cards.data import card_data
from core.timeutil import to_kst, utcnow
from extensions import db
from web.client import client_info


def _my_card():
    """The signed-in user's card, made on first visit; None when their account has no directory entry."""
    if not current_user.person_id:
        return None
    card = cards.ensure_card(db.session, current_user.person_id)
    db.session.commit()
    return card


@bp.get("/cards/me")
@login_required
def mine():
    card = _my_card()
    if card is None:
        return render_template("cards/no_entry.html"), 404
    today = to_kst(utcnow()).date()
    return render_template("cards/mine.html", card=card, data=card_data(card, current_app.config),
                           total=cards.totals(db.session, card),
                           recent=cards.totals(db.session, card, since=today - timedelta(days=29)))


@bp.get("/cards/me/qr")
@login_required
def mine_qr():
    """The full-screen QR without script (and where the Fullscreen API is missing, as on iPhone)."""
    card = _my_card()
    if card is None:
        return render_template("cards/no_entry.html"), 404
    return render_template("cards/qr_full.html", card=card, data=card_data(card, current_app.config))


@bp.post("/cards/me/mobile")
@login_required
def set_mobile():
    card = _my_card()           # the CSRF token was checked by CSRFProtect before this view
    if card is None:
        return render_template("cards/no_entry.html"), 404
    choice = request.form.get("show_mobile", "")
    if choice not in ("0", "1"):
        flash(_("선택을 확인해 주세요."), "error")
        return redirect(url_for("cards.mine"))
    cards.set_show_mobile(db.session, card, choice == "1")
    audit.record(db.session, "cards.show_mobile", user=current_user, target=f"business_card:{card.id}",
                 show_mobile=card.show_mobile, **client_info())
    db.session.commit()
    flash(_("명함에 휴대전화를 표시합니다.") if card.show_mobile else _("명함에서 휴대전화를 숨겼습니다."), "success")
    return redirect(url_for("cards.mine"))

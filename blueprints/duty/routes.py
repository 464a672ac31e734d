"""The 근무 tab: my coming duties, today's duty officers, my calendar feed, and swaps."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.duty import bp
from core.duty import feed, roster, swaps
from core.duty.roster import DutyError
from core.i18n import N_
from core.models.duty import Duty, DutySwap
from core.models.organization import Person
from extensions import db
from web.i18n import translated
from web.read_only import reads_only

CITY_DUTY_ROOM = "시청 당직실"
FEED_SESSION_KEY = "duty_feed_token"


def _feed_urls() -> dict[str, str] | None:
    """The feed's addresses, known only in the sign-in that made the token (only its hash is stored)."""
    token = session.get(FEED_SESSION_KEY)
    if not token:
        return None
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    https = base + url_for("duty.calendar_feed", token=token)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def _colleagues() -> list[Person]:
    me = db.session.get(Person, current_user.person_id) if current_user.person_id else None
    if me is None or me.department_id is None:
        return []
    return list(db.session.scalars(select(Person).where(Person.department_id == me.department_id,
                                                        Person.id != me.id, Person.kind == "staff")
                                   .order_by(Person.name).limit(200)))


@bp.get("/duty")
@reads_only
@login_required
def index():
    person_id = current_user.person_id
    me = db.session.get(Person, person_id) if person_id else None
    department_id = me.department_id if me else current_user.department_id
    context = {
        "me": me,
        "coming": roster.coming(db.session, person_id) if person_id else [],
        "department_today": roster.on_duty_now(db.session, department_id=department_id) if department_id else [],
        "city_today": roster.on_duty_now(db.session, place=CITY_DUTY_ROOM),
        "swaps": swaps.for_user(db.session, current_user),
        "colleagues": _colleagues(),
        "feed_urls": _feed_urls(),
        "has_token": db.session.get(feed.DutyFeedToken, current_user.id) is not None,
        "can_manage": swaps.can_manage,
    }
    response = render_template("duty/index.html", **context)
    db.session.rollback()
    return response


@bp.post("/duty/feed/rotate")
@login_required
def rotate_feed():
    session[FEED_SESSION_KEY] = feed.rotate(db.session, current_user.id)
    db.session.commit()
    flash(_("새 캘린더 주소를 만들었습니다. 이전 주소는 더 이상 쓸 수 없습니다."), "success")
    return redirect(url_for("duty.index") + "#feed")


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.post("/duty/<id:duty_id>/swap")
@login_required
def offer_swap(duty_id: int):
    duty = db.session.get(Duty, duty_id)
    to_person = _int("to_person_id")
    try:
        if duty is None:
            raise DutyError(N_("근무를 찾을 수 없습니다."))
        if to_person is None:
            raise DutyError(N_("교대할 동료를 골라 주세요."))
        swaps.offer(db.session, current_user, duty, to_person)
    except DutyError as exc:
        db.session.rollback()
        flash(translated(exc.detail), "error")
        return redirect(url_for("duty.index")), 303
    db.session.commit()
    flash(_("교대 요청을 보냈습니다."), "success")
    return redirect(url_for("duty.index")), 303


@bp.post("/duty/swaps/<id:swap_id>/<action>")
@login_required
def swap_action(swap_id: int, action: str):
    swap = db.session.get(DutySwap, swap_id)
    try:
        if swap is None or action not in ("accept", "refuse", "withdraw", "approve", "decline"):
            raise DutyError(N_("교대 요청을 찾을 수 없습니다."))
        if action in ("accept", "refuse"):
            swaps.answer(db.session, current_user, swap, action == "accept")
        elif action == "withdraw":
            swaps.withdraw(db.session, current_user, swap)
        else:
            swaps.decide(db.session, current_user, swap, action == "approve", request.form.get("reason", ""))
    except DutyError as exc:
        db.session.rollback()
        flash(translated(exc.detail), "error")
        return redirect(_back()), 303
    db.session.commit()
    flash(_("처리했습니다."), "success")
    return redirect(_back()), 303


def _back() -> str:
    return url_for("duty.console") if request.form.get("next") == "console" else url_for("duty.index")

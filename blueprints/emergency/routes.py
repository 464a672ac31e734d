"""The staff side of 비상연락망: my groups (call one member, text them all), a call-out's answer page (three
buttons, POST with CSRF through htmx), the manager's live board (htmx polling every 3 s), starting and
closing a call-out, the report and its CSV, and the JSON copy the phone keeps offline."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.emergency import bp
from core.emergency import EmergencyError, callouts, groups, report
from core.emergency import home_context as _home_context
from core.models.emergency import EmergencyCallout, EmergencyGroup
from extensions import db
from web.client import client_info
from web.i18n import translated
from web.read_only import reads_only


def home_context() -> dict:
    """For ``templates/main/home.html``: ``{% set e = emergency_home() %}`` then include the partial."""
    return _home_context(db.session, current_user)


def _vary(response: Response) -> Response:
    response.headers.add("Vary", "HX-Request")
    return response


def _callout_or_404(callout_id: int) -> EmergencyCallout:
    callout = db.session.get(EmergencyCallout, callout_id)
    if callout is None or not callouts.can_view(current_user, callout):
        abort(404)     # someone else's call-out is a 404 like a missing one
    return callout


def _group_or_404(group_id: int) -> EmergencyGroup:
    group = db.session.get(EmergencyGroup, group_id)
    if group is None or not groups.can_manage(current_user, group):
        abort(404)
    return group


@bp.get("/emergency")
@reads_only
@login_required
def index():
    mine = groups.my_groups(db.session, current_user)
    return _vary(Response(render_template(
        "emergency/index.html", groups=mine, sms={g.id: groups.sms_links([m.person.mobile for m in g.members])
                                                  for g in mine},
        open_callouts=callouts.open_for(db.session, current_user), sms_chunk=groups.SMS_CHUNK,
        managed={g.id for g in mine if groups.can_manage(current_user, g)})))


@bp.get("/emergency/offline.json")
@login_required
def offline_json():
    response = jsonify(groups.offline_copy(db.session, current_user))
    # Stored by the service worker (emergency-v1, deleted at sign-out), asked afresh whenever online.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/emergency/groups/<id:group_id>")
@login_required
def group(group_id: int):
    group = _group_or_404(group_id)
    return render_template("emergency/group.html", group=group, history=report.history(db.session, group),
                           minutes=10)


@bp.post("/emergency/groups/<id:group_id>/callouts")
@login_required
def start(group_id: int):
    group = _group_or_404(group_id)
    try:
        minutes = int(request.form.get("escalation_minutes", "10"))
    except ValueError:
        minutes = -1
    try:
        callout = callouts.start(db.session, current_user, group, message=request.form.get("message", ""),
                                 drill=request.form.get("drill") == "1", escalation_minutes=minutes,
                                 ip=client_info()["ip"])
    except EmergencyError as exc:
        db.session.rollback()
        flash(translated(exc.detail), "error")
        return render_template("emergency/group.html", group=group, history=report.history(db.session, group),
                               message=request.form.get("message", "")[:callouts.MESSAGE_MAX],
                               minutes=request.form.get("escalation_minutes", "10")[:4]), 400
    db.session.commit()
    return redirect(url_for("emergency.board", callout_id=callout.id))


@bp.get("/emergency/callouts/<id:callout_id>")
@login_required
def callout(callout_id: int):
    callout = _callout_or_404(callout_id)
    return _vary(Response(render_template("emergency/callout.html", callout=callout,
                                          target=callouts.target_of(current_user, callout),
                                          manager=callouts.is_manager(current_user, callout))))


@bp.post("/emergency/callouts/<id:callout_id>/answer")
@login_required
def answer(callout_id: int):
    callout = _callout_or_404(callout_id)
    error = None
    try:
        target = callouts.answer(db.session, current_user, callout, request.form.get("answer", ""), via="page",
                                 ip=client_info()["ip"])
        db.session.commit()
    except EmergencyError as exc:
        db.session.rollback()
        error, target = translated(exc.detail), callouts.target_of(current_user, callout)
    if request.htmx:
        return _vary(Response(render_template("emergency/_answer.html", callout=callout, target=target,
                                              error=error), 400 if error else 200))
    if error:
        flash(error, "error")
    return redirect(url_for("emergency.callout", callout_id=callout.id))


@bp.get("/emergency/callouts/<id:callout_id>/board")
@login_required
def board(callout_id: int):
    callout = _callout_or_404(callout_id)
    if not callouts.is_manager(current_user, callout):
        abort(404)
    context = {"callout": callout, "report": report.build(callout),
               "format_seconds": report.format_seconds}
    if request.htmx and request.args.get("live") == "1":
        return _vary(Response(render_template("emergency/_board.html", **context)))
    return _vary(Response(render_template("emergency/board.html", **context)))


@bp.post("/emergency/callouts/<id:callout_id>/close")
@login_required
def close(callout_id: int):
    callout = _callout_or_404(callout_id)
    try:
        callouts.close(db.session, current_user, callout, ip=client_info()["ip"])
        db.session.commit()
        flash(_("비상소집을 종료했습니다."), "success")
    except EmergencyError as exc:
        db.session.rollback()
        flash(translated(exc.detail), "error")
    return redirect(url_for("emergency.board", callout_id=callout.id))


@bp.get("/emergency/callouts/<id:callout_id>/report.csv")
@login_required
def report_csv(callout_id: int):
    callout = _callout_or_404(callout_id)
    if not callouts.is_manager(current_user, callout):
        abort(404)
    kind = "drill" if callout.drill else "callout"
    return Response(report.to_csv(report.build(callout)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="emergency-{kind}-{callout.id}.csv"',
                             "Cache-Control": "private, no-store"})

"""Console pages for emergency groups: the list (admins see every group, managers theirs), a new group
(admins), and a group's name, pin, members in call order with roles and deputies, and managers."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.emergency import bp
from core.emergency import EmergencyError, groups
from core.models.accounts import User
from core.models.emergency import EmergencyGroup
from extensions import db
from web.client import client_info
from web.i18n import translated

FIELD_MAX = 20000       # a textarea's text, before it is parsed


def _form_fields() -> dict[str, str]:
    return {name: request.form.get(name, "")[:FIELD_MAX] for name in ("name", "description", "members", "managers")}


@bp.get("/admin/emergency/groups")
@login_required
def console_groups():
    return render_template("emergency/console_groups.html", groups=groups.managed_groups(db.session, current_user),
                           can_create=groups.can_create(current_user))


def _form(group: EmergencyGroup | None, fields: dict[str, str], pinned: bool, status: int = 200):
    return render_template("emergency/console_group.html", group=group, fields=fields, pinned=pinned), status


@bp.route("/admin/emergency/groups/new", methods=["GET", "POST"])
@bp.route("/admin/emergency/groups/<id:group_id>", methods=["GET", "POST"])
@login_required
def console_group(group_id: int | None = None):
    group = None
    if group_id is not None:
        group = db.session.get(EmergencyGroup, group_id)
        if group is None or not groups.can_manage(current_user, group):
            abort(404)
    elif not groups.can_create(current_user):
        abort(404)
    if request.method == "GET":
        if group is None:
            return _form(None, {"name": "", "description": "", "members": "", "managers": ""}, True)
        usernames = db.session.scalars(select(User.username).where(User.id.in_([m.user_id for m in group.managers])))
        return _form(group, {"name": group.name, "description": group.description,
                             "members": groups.members_text(group), "managers": " ".join(usernames)}, group.pinned)
    fields, pinned = _form_fields(), request.form.get("pinned") == "1"
    try:
        data = groups.GroupInput(name=fields["name"], description=fields["description"], pinned=pinned,
                                 members=groups.parse_members(db.session, fields["members"]),
                                 manager_ids=groups.parse_managers(db.session, fields["managers"]))
        saved = groups.save(db.session, current_user, data, group, ip=client_info()["ip"])
        db.session.commit()
    except EmergencyError as exc:
        db.session.rollback()
        flash(translated(exc.detail), "error")
        return _form(group, fields, pinned, 400)
    flash(_("비상연락망 그룹을 저장했습니다."), "success")
    return redirect(url_for("emergency.console_group", group_id=saved.id))


@bp.post("/admin/emergency/groups/<id:group_id>/delete")
@login_required
def console_group_delete(group_id: int):
    group = db.session.get(EmergencyGroup, group_id)
    if group is None or not groups.can_manage(current_user, group):
        abort(404)
    try:
        groups.delete(db.session, current_user, group, ip=client_info()["ip"])
        db.session.commit()
    except EmergencyError as exc:
        db.session.rollback()
        flash(translated(exc.detail), "error")
        return redirect(url_for("emergency.console_group", group_id=group_id))
    flash(_("그룹을 지웠습니다."), "success")
    return redirect(url_for("emergency.console_groups"))

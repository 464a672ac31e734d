"""/admin/groups: list (paged), create, rename, members by username or picked from the accounts, delete.

Every change is audited (``group.create``, ``group.update``, ``group.members``, ``group.delete``). A refused
input (a taken name, an unknown username) is a flashed message in the reader's language, never a 500.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.groups import bp
from core import audit
from core.db import MAX_ID
from core.groups import (
    GroupError,
    can_manage,
    create_group,
    delete_group,
    listing,
    member_counts,
    pickable_users,
    set_members,
    update_group,
)
from core.models.groups import StaffGroup
from core.pagination import paginate
from extensions import db
from web.client import client_info
from web.converters import page_arg
from web.i18n import translated
from web.sessions import roles_required

PAGE_SIZE = 30


def _usernames() -> list[str]:
    return request.form.get("members", "").replace(",", "\n").split()


def _picked() -> list[int]:
    values = request.form.getlist("user_ids")
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 10 and int(v) <= MAX_ID]


def _managed(group_id: int) -> StaffGroup:
    group = db.session.get(StaffGroup, group_id)
    if group is None:
        abort(404)
    if not can_manage(current_user, group):
        abort(403)
    return group


def _refused(exc: GroupError, target: str):
    db.session.rollback()
    flash(translated(exc.detail), "error")
    return redirect(target)


@bp.get("/admin/groups")
@roles_required("dept_admin")
def index():
    page = paginate(db.session, listing(), page_arg(), PAGE_SIZE)
    counts = member_counts(db.session, [g.id for g in page.items])
    return render_template("groups/index.html", page=page, counts=counts,
                           users=pickable_users(db.session), can_manage=can_manage)


@bp.post("/admin/groups")
@roles_required("dept_admin")
def create():
    try:
        group = create_group(db.session, request.form.get("name", ""), _usernames(),
                             description=request.form.get("description", ""), created_by=current_user,
                             user_ids=_picked())
        audit.record(db.session, "group.create", user=current_user, target=f"group:{group.id}",
                     name=group.name, members=len(group.members), **client_info())
        db.session.commit()
    except GroupError as exc:
        return _refused(exc, url_for("groups.index"))
    flash(_("그룹을 만들었습니다."), "success")
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.get("/admin/groups/<id:group_id>")
@roles_required("dept_admin")
def detail(group_id: int):
    group = _managed(group_id)
    members = sorted(group.members, key=lambda m: (m.user.display_name or m.user.username, m.user_id))
    return render_template("groups/detail.html", group=group, members=members,
                           member_ids={m.user_id for m in members}, users=pickable_users(db.session))


@bp.post("/admin/groups/<id:group_id>")
@roles_required("dept_admin")
def update(group_id: int):
    group = _managed(group_id)
    before = group.name
    try:
        update_group(db.session, group, name=request.form.get("name", ""),
                     description=request.form.get("description", ""))
        audit.record(db.session, "group.update", user=current_user, target=f"group:{group.id}",
                     name=group.name, before=before, **client_info())
        db.session.commit()
    except GroupError as exc:
        return _refused(exc, url_for("groups.detail", group_id=group_id))
    flash(_("그룹을 저장했습니다."), "success")
    return redirect(url_for("groups.detail", group_id=group_id))


@bp.post("/admin/groups/<id:group_id>/members")
@roles_required("dept_admin")
def members(group_id: int):
    group = _managed(group_id)
    try:
        added, removed = set_members(db.session, group, _usernames(), _picked())
        audit.record(db.session, "group.members", user=current_user, target=f"group:{group.id}",
                     added=added, removed=removed, members=len(group.members), **client_info())
        db.session.commit()
    except GroupError as exc:
        return _refused(exc, url_for("groups.detail", group_id=group_id))
    flash(_("구성원을 저장했습니다. 추가 %(added)s명, 제외 %(removed)s명", added=added, removed=removed), "success")
    return redirect(url_for("groups.detail", group_id=group_id))


@bp.post("/admin/groups/<id:group_id>/delete")
@roles_required("dept_admin")
def delete(group_id: int):
    group = _managed(group_id)
    audit.record(db.session, "group.delete", user=current_user, target=f"group:{group.id}", name=group.name,
                 **client_info())
    delete_group(db.session, group)
    db.session.commit()
    flash(_("그룹을 삭제했습니다."), "success")
    return redirect(url_for("groups.index"))

"""Console pages for documents (department admins and admins). Staff groups have their own page: blueprints/groups."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.viewer import bp
from blueprints.viewer.common import document_error, error_text, viewer_config
from core import audit
from core.documents import DocumentError
from core.documents.service import create_document, readers, recent_views, revoke, set_shares
from core.documents.sharing import can_manage, managed_documents
from core.groups import GroupError, resolve_members
from core.i18n import N_
from core.models.documents import Document
from core.models.groups import StaffGroup
from core.models.organization import Department
from extensions import db
from web import tasks
from web.client import client_info
from web.sessions import roles_required


def _choices() -> dict:
    return {"departments": db.session.scalars(select(Department).order_by(Department.name)).all(),
            "groups": db.session.scalars(select(StaffGroup).order_by(StaffGroup.name)).all()}


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isascii() and v.isdigit() and len(v) <= 10]


def _share_users() -> list[int]:
    """The people a document is shared with one by one, named by username (unknown names refused)."""
    usernames = request.form.get("share_users", "").replace(",", "\n").split()
    return [u.id for u in resolve_members(db.session, usernames)] if usernames else []


def _managed(doc_id: int) -> Document:
    document = db.session.get(Document, doc_id)
    if document is None or not can_manage(current_user, document):
        abort(404)
    return document


POLL_SECONDS = 3   # how often the list asks again while a document converts


def _console_rows() -> list[Document]:
    return db.session.scalars(managed_documents(current_user).limit(200)).all()


@bp.get("/admin/documents")
@roles_required("dept_admin")
def console_documents():
    return render_template("viewer/console_list.html", documents=_console_rows(), poll_seconds=POLL_SECONDS,
                           **_choices())


@bp.get("/admin/documents/rows")
@roles_required("dept_admin")
def console_document_rows():
    """The list alone, polled while a conversion runs (viewer/_console_rows.html)."""
    return render_template("viewer/_console_rows.html", documents=_console_rows(), poll_seconds=POLL_SECONDS)


@bp.post("/admin/documents")
@roles_required("dept_admin")
def console_upload():
    """Store the upload, then convert and pre-render it in a background task with progress."""
    upload = request.files.get("file")
    cfg = viewer_config()
    try:
        if upload is None or not upload.filename:
            raise DocumentError(N_("올릴 파일을 선택해 주세요."))
        document = create_document(db.session, cfg, filename=upload.filename, data=upload.read(),
                                   title=request.form.get("title", ""), owner=current_user, source="console")
        set_shares(db.session, document, all_staff=request.form.get("share_all") == "1",
                   department_ids=_ids("departments"), group_ids=_ids("groups"), user_ids=_share_users())
        audit.record(db.session, "document.upload", user=current_user, target=f"document:{document.id}",
                     title=document.title, type=document.original_type, size=document.original_size, **client_info())
        db.session.commit()
    except (DocumentError, GroupError) as exc:
        db.session.rollback()
        if request.htmx:
            return render_template("viewer/_upload_error.html", message=error_text(exc)), 422
        flash(error_text(exc), "error")
        return redirect(url_for("viewer.console_documents"))
    doc_id = document.id
    task = tasks.submit("document_convert", document.title, payload={"document_id": doc_id})
    if request.htmx:
        # The list shows the new row (converting) at once, and then polls until its conversion ends.
        return render_template("admin/_task_progress.html", task=task), {"HX-Trigger": "documents-changed"}
    flash(_("문서를 올렸습니다. 변환이 끝나면 목록에 표시됩니다."), "success")
    return redirect(url_for("viewer.console_document", doc_id=doc_id))


@bp.get("/admin/documents/<id:doc_id>")
@roles_required("dept_admin")
def console_document(doc_id: int):
    document = _managed(doc_id)
    shared = {"all": any(s.scope == "all" for s in document.shares),
              "departments": {s.department_id for s in document.shares if s.scope == "department"},
              "groups": {s.group_id for s in document.shares if s.scope == "group"},
              "users": sorted(s.user.username for s in document.shares if s.scope == "user" and s.user)}
    return render_template("viewer/console_document.html", document=document, shared=shared,
                           error=document_error(document),
                           readers=readers(db.session, document), views=recent_views(db.session, document),
                           **_choices())


@bp.post("/admin/documents/<id:doc_id>/shares")
@roles_required("dept_admin")
def console_shares(doc_id: int):
    document = _managed(doc_id)
    try:
        user_ids = _share_users()
    except GroupError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("viewer.console_document", doc_id=doc_id))
    set_shares(db.session, document, all_staff=request.form.get("share_all") == "1",
               department_ids=_ids("departments"), group_ids=_ids("groups"), user_ids=user_ids)
    audit.record(db.session, "document.share", user=current_user, target=f"document:{document.id}",
                 shares=[f"{s.scope}:{s.department_id or s.group_id or s.user_id or ''}" for s in document.shares],
                 **client_info())
    db.session.commit()
    flash(_("공유 대상을 저장했습니다."), "success")
    return redirect(url_for("viewer.console_document", doc_id=doc_id))


@bp.post("/admin/documents/<id:doc_id>/revoke")
@roles_required("dept_admin")
def console_revoke(doc_id: int):
    document = _managed(doc_id)
    if document.status != "revoked":
        revoke(db.session, viewer_config(), document, by=current_user)
        audit.record(db.session, "document.revoke", user=current_user, target=f"document:{document.id}",
                     title=document.title, **client_info())
        db.session.commit()
    flash(_("문서를 회수했습니다. 이제 아무도 볼 수 없습니다."), "success")
    return redirect(url_for("viewer.console_document", doc_id=doc_id))

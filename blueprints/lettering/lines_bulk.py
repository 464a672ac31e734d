"""Console: bulk actions on the lines list (core.lettering.lines_bulk): the selected lines or every line of the
search, within what the user may see (a department admin their own department's lines; moving lines between
departments is an admin's). CSRF-protected like every POST, audited, and refused line by line with reasons."""
from flask import abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.lettering import bp
from blueprints.lettering.lines import bulk_actions, search_args, search_query
from core.audit import record
from core.lettering.line_rules import line_prefixes
from core.lettering.lines_bulk import ACTIONS, MAX_LINES, BulkError, apply_bulk
from core.models.lettering import Line
from core.models.organization import Department
from extensions import db
from web.client import client_info
from web.i18n import translated


@bp.post("/lines/bulk")
def lines_bulk():
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    if action == "move" and not current_user.has_role("admin"):
        abort(403)
    q, dept_id = search_args()
    query = search_query(q, dept_id)
    scope = request.form.get("scope", "selected")
    missing = 0
    if scope == "search":
        lines = list(db.session.scalars(query.limit(MAX_LINES + 1)))
    else:
        wanted = {int(raw) for raw in request.form.getlist("line") if raw.isdigit() and len(raw) < 10}
        lines = list(db.session.scalars(query.where(Line.id.in_(wanted)))) if wanted else []
        missing = len(wanted) - len(lines)  # another department's, or gone: not disclosed one by one
    department = None
    if action == "move":
        raw = request.form.get("department", "")
        department = db.session.get(Department, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    error, result = "", None
    if not lines:
        error = _("바꿀 회선을 골라 주세요.")
    else:
        try:
            result = apply_bulk(db.session, lines, action, department=department,
                                message=request.form.get("message", ""), prefixes=line_prefixes(current_app.config))
        except BulkError as exc:
            db.session.rollback()
            error = translated(exc.message.detail)
    if result is not None:
        record(db.session, "lettering.lines.bulk", user=current_user, target=action, scope=scope, q=q,
               dept=dept_id, lines=len(lines), changed=len(result.changed), unchanged=result.unchanged,
               refused=len(result.refused), department=department.name if department else None,
               message=request.form.get("message", "") if action == "message" else None,
               numbers=result.changed[:500], **client_info())
        db.session.commit()
        flash(_("%(changed)s개 회선을 바꿨습니다. 변경 없음 %(unchanged)s, 거부 %(refused)s.",
                changed=len(result.changed), unchanged=result.unchanged, refused=len(result.refused)),
              "success" if not result.refused else "info")
    status = 422 if error or (result and result.refused and not result.changed) else 200
    return render_template("lettering/lines_bulk.html", result=result, error=error, missing=missing, q=q,
                           dept_id=dept_id, action_label=dict(bulk_actions()).get(action, action),
                           department=department), status

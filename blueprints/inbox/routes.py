"""The 알림함 pages: the list ("더 보기" through htmx), opening an item (marks it read, then its page), marking
one or all read (POST with CSRF)."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.inbox import bp, unread_count
from core import inbox
from extensions import db
from web.converters import page_arg
from web.read_only import reads_only


def _days() -> int:
    return int(current_app.config.get("INBOX_RETENTION_DAYS", inbox.RETENTION_DAYS))


def _partial_wanted() -> bool:
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def _item_or_404(item_id: int):
    # Someone else's item is a 404 like a missing one.
    return inbox.get(db.session, current_user, item_id, days=_days()) or abort(404)


def _safe_path(url: str) -> str:
    """The item's page: a path of ours (core.push.send accepts nothing else; checked again here)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else url_for("main.home")


@bp.get("/inbox")
@reads_only
@login_required
def index():
    page = inbox.page(db.session, current_user, page_arg(), days=_days())
    if _partial_wanted() and request.args.get("more") == "1":
        return render_template("inbox/_more.html", page=page)
    return render_template("inbox/index.html", page=page,
                           unread=unread_count())   # the bottom bar's count, counted once a request


@bp.get("/inbox/<id:item_id>/open")
@login_required
def open_item(item_id: int):
    item = _item_or_404(item_id)
    inbox.mark_read(db.session, item)
    target = _safe_path(item.message.url)
    db.session.commit()
    return redirect(target)


@bp.post("/inbox/<id:item_id>/read")
@login_required
def mark_read(item_id: int):
    item = _item_or_404(item_id)
    inbox.mark_read(db.session, item)
    db.session.commit()
    if request.htmx:
        return render_template("inbox/_item.html", item=item)
    return redirect(url_for("inbox.index"))


@bp.post("/inbox/read-all")
@login_required
def mark_all_read():
    inbox.mark_all_read(db.session, current_user)
    db.session.commit()
    return redirect(url_for("inbox.index"))

"""Console pages for posts written in the portal: list, write, edit, delete (admins every post, department
admins their department's). The form is parsed here; ``core.board.writing`` checks and saves it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from blueprints.board import bp
from blueprints.board.forms import DeleteForm, PostForm
from blueprints.viewer.common import viewer_config
from core.audience import Audience, AudienceError
from core.board import writing
from core.board.writing import BoardError, PostInput, Upload
from core.i18n import N_
from core.models.board import BoardPost
from core.pagination import paginate
from core.timeutil import format_kst
from extensions import db
from web import audience_form
from web.client import client_info
from web.converters import page_arg
from web.i18n import translated
from web.sessions import roles_required

PAGE_SIZE = 30


def _managed(post_id: int) -> BoardPost:
    post = db.session.get(BoardPost, post_id)
    if post is None or not writing.can_manage(current_user, post):
        abort(404)
    return post


def _uploads() -> list[Upload]:
    files: list[FileStorage] = [f for f in request.files.getlist("attachments") if f and f.filename]
    if len(files) > writing.MAX_FILES:
        raise BoardError(N_("첨부 파일은 한 번에 %(max)s개까지 올릴 수 있습니다."), max=writing.MAX_FILES)
    return [Upload(f.filename or "", f.read()) for f in files]


def _remove_ids() -> set[int]:
    return {int(v) for v in request.form.getlist("remove_attachment") if v.isascii() and v.isdigit() and len(v) <= 10}


def _input(form: PostForm) -> PostInput:
    """The submitted post; raises BoardError (or AudienceError) with a message for the writer."""
    return PostInput(title=form.title.data or "", body=form.body.data or "", board=form.board.data or "",
                     important=bool(form.important.data), audience=audience_form.from_form(),
                     display_from=writing.parse_kst(form.display_from.data),
                     display_until=writing.parse_kst(form.display_until.data),
                     uploads=_uploads(), remove_attachments=_remove_ids())


def _audience_of(post: BoardPost | None) -> Audience | None:
    return Audience.from_rows(post.audience_rows) if post is not None else None


def _render_form(form: PostForm, post: BoardPost | None, error: str = "", status: int = 200,
                 audience: Audience | None = None):
    attachments = [(a, writing.attachment_status(a)) for a in post.attachments] if post else []
    return render_template("board/console/post_form.html", form=form, post=post, error=error,
                           audience=audience if audience is not None else _audience_of(post),
                           attachments=attachments, max_mb=viewer_config().max_bytes // 1048576,
                           **audience_form.choices()), status


def _submitted_audience() -> Audience | None:
    try:
        return audience_form.from_form()
    except AudienceError:
        return None


@bp.get("/admin/board/posts")
@roles_required("dept_admin")
def console_posts():
    page = paginate(db.session, writing.managed(current_user), page_arg(), PAGE_SIZE)
    return render_template("board/console/posts.html", page=page, delete_form=DeleteForm())


@bp.route("/admin/board/posts/new", methods=["GET", "POST"])
@roles_required("dept_admin")
def console_post_new():
    form = PostForm()
    if request.method == "GET":
        return _render_form(form, None, audience=Audience.everyone())
    if not form.validate_on_submit():
        return _render_form(form, None, _("입력한 내용을 확인해 주세요."), 400, _submitted_audience())
    try:
        post = writing.create_post(db.session, viewer_config(), current_user, _input(form), client_info())
        db.session.commit()
    except (BoardError, AudienceError) as exc:
        db.session.rollback()
        message = translated(exc.detail) if isinstance(exc, BoardError) else _("게시 대상이 너무 많습니다.")
        return _render_form(form, None, message, 400, _submitted_audience())
    flash(_("게시글을 올렸습니다.") + (" " + _("중요 공지 알림을 보냅니다.") if post.push_message_id else ""),
          "success")
    return redirect(url_for("board.console_post_edit", post_id=post.id))


@bp.route("/admin/board/posts/<id:post_id>", methods=["GET", "POST"])
@roles_required("dept_admin")
def console_post_edit(post_id: int):
    post = _managed(post_id)
    if request.method == "GET":
        form = PostForm(data={"title": post.title, "board": post.board, "body": post.body_html,
                              "important": post.important,
                              "display_from": format_kst(post.display_from, "%Y-%m-%dT%H:%M"),
                              "display_until": format_kst(post.display_until, "%Y-%m-%dT%H:%M")})
        return _render_form(form, post)
    form = PostForm()
    if not form.validate_on_submit():
        return _render_form(form, post, _("입력한 내용을 확인해 주세요."), 400, _submitted_audience())
    try:
        pushed_before = post.pushed_at is not None
        writing.update_post(db.session, viewer_config(), post, current_user, _input(form), client_info())
        db.session.commit()
    except (BoardError, AudienceError) as exc:
        db.session.rollback()
        message = translated(exc.detail) if isinstance(exc, BoardError) else _("게시 대상이 너무 많습니다.")
        return _render_form(form, _managed(post_id), message, 400, _submitted_audience())
    flash(_("게시글을 저장했습니다.") + (" " + _("중요 공지 알림을 보냅니다.")
                                     if post.pushed_at and not pushed_before else ""), "success")
    return redirect(url_for("board.console_post_edit", post_id=post.id))


@bp.post("/admin/board/posts/<id:post_id>/delete")
@roles_required("dept_admin")
def console_post_delete(post_id: int):
    post = _managed(post_id)
    writing.delete_post(db.session, post, current_user, client_info())
    db.session.commit()
    flash(_("게시글을 삭제했습니다."), "success")
    return redirect(url_for("board.console_posts"))

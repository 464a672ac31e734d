"""The staff's board: the list (search as you type, board filter, "더 보기" paging through htmx), one post, and
the copy of the last posts that the phone keeps for reading offline (templates/pwa/sw.js, board-offline.js)."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.board import bp
from core import inbox
from core.board import posts
from core.board.writing import attachment_status
from core.models.board import BoardPost
from core.timeutil import format_kst, utcnow
from extensions import db
from web.converters import page_arg
from web.read_only import reads_only

MAX_BOARD_ARG = 64
HOME_POSTS = 3


def _partial_wanted() -> bool:
    """An htmx swap of part of the page; boosted navigation and history restores need the whole page."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def _list_args() -> tuple[str, str, int]:
    q = request.args.get("q", "").strip()[:posts.MAX_QUERY]
    board = request.args.get("board", "").strip()[:MAX_BOARD_ARG]
    return q, board, page_arg()


@bp.get("/board")
@reads_only
@login_required
def index():
    q, board, number = _list_args()
    page = posts.list_posts(db.session, current_user, board=board, query=q, page=number)
    context = {"q": q, "board": board, "page": page,
               "read": posts.read_ids(db.session, current_user, (p.id for p in page.items))}
    if _partial_wanted():
        # The "더 보기" button swaps itself for the next rows; the search box and the chips swap the results.
        template = "board/_more.html" if request.args.get("more") == "1" else "board/_results.html"
        return render_template(template, **context)
    return render_template("board/index.html", boards=posts.board_names(db.session, current_user), **context)


@bp.get("/board/<id:post_id>")
@login_required
def post(post_id: int):
    # Another department's post is a 404, not a 403: an outsider learns nothing, not even that it exists.
    item = posts.get_visible(db.session, current_user, post_id) or abort(404)
    if posts.mark_read(db.session, current_user, item):
        inbox.mark_source_read(db.session, current_user, url_for("board.post", post_id=item.id))
    db.session.commit()
    return render_template("board/post.html", post=item,
                           attachments=[(a, attachment_status(a)) for a in item.attachments])


def recent_for_home(limit: int = HOME_POSTS) -> list[BoardPost]:
    """The home screen's "최근 공지" card: the newest posts the signed-in user may read (one query)."""
    if not current_user.is_authenticated:
        return []
    return posts.recent(db.session, current_user, limit)


def _offline_entry(item: BoardPost) -> dict:
    return {"id": item.id, "title": item.title, "board": item.board, "author": item.author,
            "department": item.department_name, "important": item.important,
            "posted_at": format_kst(item.posted_at), "body_html": item.body_html,
            "attachments": [a.filename for a in item.attachments]}


@bp.get("/board/offline.json")
@login_required
def offline_copy():
    """The last ``OFFLINE_POSTS`` posts this person may read, for the service worker to keep. Private and
    fetched afresh when online (``no-cache``), never ``no-store``: the phone must be able to keep it."""
    entries = [_offline_entry(p) for p in posts.recent(db.session, current_user)]
    # Always whole (no ETag): "saved at" is the moment of the last successful download, which a 304 would lose.
    payload = json.dumps({"generated_at": format_kst(utcnow()), "count": len(entries), "posts": entries},
                         ensure_ascii=False, separators=(",", ":"))
    headers = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}
    return Response(payload, mimetype="application/json", headers=headers)


@bp.get("/board/offline")
@login_required
def offline_page():
    """The page the service worker answers with for any board address when there is no network; its script
    renders the list or the post from the saved copy. It holds no post itself."""
    response = current_app.make_response(render_template("board/offline.html"))
    response.headers["Cache-Control"] = "private, no-cache"
    return response

"""Reader-facing routes. None of them ever returns a file: only HTML and watermarked page images (WebP or JPEG)."""
from __future__ import annotations

import re

from flask import current_app, g, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.viewer import bp
from blueprints.viewer.common import VIEWER_CSP, document_error, error_text, viewer_config
from core.documents import DocumentError
from core.documents.isolation import RenderError
from core.documents.service import (
    PAGE_WIDTH,
    WIDTHS,
    ZOOM_WIDTH,
    fit_width,
    identity_for,
    new_request_id,
    page_image,
    record_view,
)
from core.documents.sharing import can_manage, is_audience, shared_documents
from core.documents.signing import PageGrant, make_grant, sign, verify
from core.models.documents import Document, DocumentView
from extensions import db
from web.client import client_info
from web.read_only import reads_only
from web.security import error_response
from web.sessions import session_nonce

VIEW_ID = re.compile(r"R-[0-9A-F]{8}")


def _nonce() -> str | None:
    """The sign-in session's own value (kept on the server, never sent to the browser): page URLs signed
    for it die with the session, at sign-out, a password change or any other end (web.sessions).

    It is fixed when the session starts (the key of its ``user_sessions`` row), so no page request ever
    writes it: the first fragments of a viewing, fetched at once, all sign for the same value
    (tests/viewer/test_nonce_race.py). A nonce created lazily in the cookie by the first fragment was
    what made some first pages fail with 403."""
    return session_nonce()


def _width() -> int:
    """The width the viewer asked for (its page's CSS width × devicePixelRatio), rounded to an allowed one."""
    if request.args.get("z") == "1":   # a viewer opened before widths were asked for
        return ZOOM_WIDTH
    wanted = request.args.get("w", type=int)
    return fit_width(min(max(wanted, 1), 10000)) if wanted else PAGE_WIDTH


def _format() -> str:
    """WebP for a browser that names it in Accept (every current one does), JPEG otherwise. Only the exact
    type counts: Safari before 14 sent ``image/*`` and could not show WebP. ``VIEWER_WEBP = False`` sends
    JPEG to everyone (WebP costs several times JPEG's encoding time, docs/viewer.md)."""
    if not current_app.config.get("VIEWER_WEBP", True):
        return "jpeg"
    return "webp" if any(kind == "image/webp" and q > 0 for kind, q in request.accept_mimetypes) else "jpeg"


def _readable(doc_id: int):
    """The document if the current user may read it now, else an error response."""
    document = db.session.get(Document, doc_id)
    manager = document is not None and can_manage(current_user, document)
    # Someone outside the audience learns nothing, not even that a document was revoked.
    if document is None or not (manager or is_audience(db.session, current_user, document)):
        return None, error_response(404, _("문서를 찾을 수 없습니다."))
    if document.status == "revoked":
        return None, error_response(410, _("회수된 문서입니다. 더 이상 볼 수 없습니다."))
    if document.status != "ready":
        if not manager:
            return None, error_response(404, _("문서를 찾을 수 없습니다."))
        message = _("아직 변환 중인 문서입니다.") if document.status == "converting" else \
            _("변환에 실패한 문서입니다: %(error)s", error=document_error(document))
        return None, error_response(409, message)
    return document, None


@bp.get("/documents")
@reads_only
@login_required
def documents():
    rows = db.session.scalars(shared_documents(current_user)).all()
    return render_template("viewer/documents.html", documents=rows)


@bp.get("/viewer/<id:doc_id>")
@login_required
def view(doc_id: int):
    document, error = _readable(doc_id)
    if error:
        return error
    # This viewing's request id goes into every page's watermark and every page's log row.
    view_id = new_request_id()
    record_view(db.session, document, current_user, kind="view", request_id=view_id, **client_info())
    db.session.commit()
    g.csp = VIEWER_CSP
    response = make_response(render_template("viewer/viewer.html", document=document, view_id=view_id,
                                             widths=WIDTHS))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/viewer/<id:doc_id>/pages/<id:page>")
@login_required
def page_fragment(doc_id: int, page: int):
    """The <img> of one page with freshly signed URLs; requested as the page scrolls into view."""
    document, error = _readable(doc_id)
    if error:
        return error
    if not 1 <= page <= document.page_count:
        return error_response(404, _("없는 쪽입니다."))
    view_id = request.args.get("v", "")
    if not VIEW_ID.fullmatch(view_id) or not db.session.scalar(
            db.select(DocumentView.id).filter_by(document_id=document.id, user_id=current_user.id, kind="view",
                                                 request_id=view_id)):
        return error_response(400, _("문서 보기 정보가 올바르지 않습니다. 문서를 다시 열어 주세요."))
    width = _width()
    grant = make_grant(document.id, page, width, int(current_app.config["VIEWER_URL_TTL_SECONDS"]), view_id)
    signature = sign(current_app.config["SECRET_KEY"], grant, current_user.id, _nonce() or "")
    src = url_for("viewer.page_image_view", doc_id=document.id, page=page, w=width, e=grant.expires, v=view_id,
                  s=signature)
    response = make_response(render_template("viewer/_page.html", document=document, page=page, src=src,
                                             pixels=width))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/viewer/<id:doc_id>/img/<id:page>")
@login_required
def page_image_view(doc_id: int, page: int):
    """A watermarked page: signed URL, bound to this user and session, never stored by caches."""
    cfg = current_app.config
    width = request.args.get("w", type=int)
    expires = request.args.get("e", type=int)
    if width not in WIDTHS or expires is None:
        return error_response(400, _("잘못된 쪽 주소입니다."))
    grant = PageGrant(doc_id, page, width, expires, request.args.get("v", ""))
    if not verify(cfg["SECRET_KEY"], grant, request.args.get("s", ""), current_user.id, _nonce(),
                  ttl_seconds=int(cfg["VIEWER_URL_TTL_SECONDS"])):
        return error_response(403, _("쪽 주소가 만료되었거나 다른 사용자의 주소입니다. 문서를 다시 열어 주세요."))
    document, error = _readable(doc_id)
    if error:
        return error
    request_id, fmt = grant.view, _format()
    try:
        body = page_image(viewer_config(), document, page, width, identity_for(current_user, request_id), fmt)
    except RenderError as exc:
        return error_response(503, error_text(exc))
    except DocumentError as exc:
        return error_response(404, error_text(exc))
    record_view(db.session, document, current_user, kind="page", page=page, width=width, request_id=request_id,
                **client_info())
    db.session.commit()
    response = make_response(body)
    response.headers.update({
        "Content-Type": f"image/{fmt}",
        "Cache-Control": "no-store, private, max-age=0",
        "Pragma": "no-cache",
        "Content-Disposition": "inline",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "X-Request-Id": request_id,
    })
    response.vary.add("Accept")   # the same URL answers WebP or JPEG by the request's Accept
    return response

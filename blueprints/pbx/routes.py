"""Thin view over ``core.lettering.ingest``: size, signature, load, validation, one transaction."""
from __future__ import annotations

import threading
import time

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from blueprints.pbx import bp
from core import jobs
from core.lettering import ingest
from extensions import db
from web.security import error_response

STORE_ATTEMPTS = 3          # a concurrent request may insert the same event or call first
BACKLOG_CACHE_S = 1.0       # counting the queue on every request would cost more than it saves
_backlog = {"at": 0.0, "value": 0}
_backlog_lock = threading.Lock()


def _queue_backlog() -> int:
    with _backlog_lock:
        if time.monotonic() - _backlog["at"] > BACKLOG_CACHE_S:
            _backlog["value"] = jobs.backlog(db.session)
            _backlog["at"] = time.monotonic()
        return _backlog["value"]


def _read_body() -> bytes | None:
    """The raw body, or None when it is over 1 MiB (by Content-Length or by what actually arrives)."""
    if (request.content_length or 0) > ingest.MAX_BODY_BYTES:
        return None
    body = request.stream.read(ingest.MAX_BODY_BYTES + 1)
    return None if len(body) > ingest.MAX_BODY_BYTES else body


@bp.post("/events")
def events():
    body = _read_body()
    if body is None:
        return error_response(413, _("본문이 1 MiB를 넘습니다."), code="body_too_large")
    if not ingest.verify_signature(current_app.config["PBX_WEBHOOK_SECRET"], request.headers.get("X-PBX-Timestamp"),
                                   request.headers.get("X-PBX-Signature"), body):
        return error_response(401, _("서명이 올바르지 않거나 타임스탬프가 허용 범위(300초)를 벗어났습니다."),
                              code="bad_signature")
    limit = int(current_app.config.get("LETTERING_MAX_BACKLOG", 50000))
    if limit and _queue_backlog() > limit:
        response, status = error_response(429, _("처리 대기 중인 작업이 많습니다. 잠시 후 다시 보내 주세요."),
                                          code="busy")
        response.headers["Retry-After"] = "5"
        return response, status
    parsed, errors = ingest.parse_body(body)
    if errors:
        # Exactly the body PROTOCOLS.md §1 fixes: the field names the problem, the message says it.
        return jsonify({"errors": [{"index": e.index, "field": e.field, "message": _(e.message, **e.params)}
                                   for e in errors]}), 400
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            accepted, duplicates = ingest.store_events(db.session, parsed, current_app.config)
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt == STORE_ATTEMPTS:
                raise
    return jsonify({"accepted": accepted, "duplicates": duplicates}), 202

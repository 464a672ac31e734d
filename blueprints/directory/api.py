"""JSON API: directory search and voice dialling (session cookie + CSRF, or a Bearer token)."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import login_required

from blueprints.directory import bp
from core.directory.index import get_index
from core.directory.search import MAX_QUERY, search_page
from core.directory.voice import MAX_TRANSCRIPT, match
from core.pagination import MAX_OFFSET, parse_offset
from extensions import db
from web.read_only import reads_only
from web.security import error_response

MAX_LIMIT = 100


@bp.get("/api/directory/search")
@reads_only
@login_required
def api_search():
    q = request.args.get("q", "")
    raw_limit = request.args.get("limit", "20").strip()
    # ASCII digits only, and few of them: "²".isdigit() is true but int() refuses it, and so it does 5,000 nines.
    limit = int(raw_limit) if raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 4 else 0
    if not 1 <= limit <= MAX_LIMIT:
        return error_response(400, _("limit은 1부터 %(max)s 사이의 정수여야 합니다.", max=MAX_LIMIT),
                              code="invalid_limit")
    offset = parse_offset(request.args.get("offset"))
    if offset is None:
        return error_response(400, _("offset은 0부터 %(max)s 사이의 정수여야 합니다.", max=MAX_OFFSET),
                              code="invalid_offset")
    if len(q) > MAX_QUERY:
        return error_response(400, _("검색어가 너무 깁니다 (최대 %(max)s자).", max=MAX_QUERY), code="query_too_long")
    if not q.strip():
        return jsonify({"results": [], "total": 0, "offset": offset, "partial": False})
    found = search_page(get_index(db.session), q, offset, limit)
    return jsonify({"results": [entry.as_result(score) for entry, score in found.hits],
                    "total": found.window.total, "offset": offset, "partial": found.partial})


@bp.post("/api/voice-dial")
@login_required
def api_voice_dial():
    body = request.get_json(silent=True)
    transcript = body.get("transcript") if isinstance(body, dict) else None
    if not isinstance(transcript, str) or not transcript.strip():
        return error_response(400, _("transcript(음성 인식 문장)를 JSON 문자열로 보내 주세요."),
                              code="missing_transcript")
    if len(transcript) > MAX_TRANSCRIPT:
        return error_response(400, _("문장이 너무 깁니다 (최대 %(max)s자).", max=MAX_TRANSCRIPT),
                              code="transcript_too_long")
    return jsonify(match(get_index(db.session), transcript))

"""Thin views over ``core.lettering.reports``."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from blueprints.providers import bp
from core import jsonsafe
from core.lettering import reports
from extensions import db
from web.security import error_response

MAX_REPORT_BYTES = 64 * 1024


def _signed_json(secret_name: str, header: str) -> tuple[dict | None, tuple | None]:
    if (request.content_length or 0) > MAX_REPORT_BYTES:
        return None, error_response(413, code="body_too_large")
    raw = request.get_data(cache=False)
    if not reports.valid_signature(current_app.config[secret_name], raw, request.headers.get(header)):
        return None, error_response(401, _("서명이 올바르지 않습니다."), code="bad_signature")
    try:
        data = jsonsafe.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, error_response(400, _("본문이 올바른 JSON이 아닙니다."), code="invalid_json")
    if not isinstance(data, dict):
        return None, error_response(400, _("본문은 JSON 객체여야 합니다."), code="not_an_object")
    return data, None


def _store(apply, data: dict):
    """Stored (204), malformed (400), or the database too busy to take it in time (503 + Retry-After: the
    provider sends it again, so nothing is lost)."""
    try:
        error = reports.store(db.engine, apply, data)
    except reports.StoreBusy:
        response, status = error_response(503, _("지금은 보고를 저장할 수 없습니다. 잠시 후 다시 보내 주세요."),
                                          code="busy")
        response.headers["Retry-After"] = str(reports.RETRY_AFTER_S)
        return response, status
    if error:
        return error_response(400, _(reports.PROBLEMS[error]), code=error)
    return "", 204


@bp.post("/carrier/receipts")
def carrier_receipt():
    data, problem = _signed_json("CARRIER_RECEIPT_SECRET", "X-Carrier-Signature")
    if problem:
        return problem
    return _store(reports.apply_carrier_receipt, data)


@bp.post("/kakao/reports")
def kakao_report():
    data, problem = _signed_json("KAKAO_REPORT_SECRET", "X-Provider-Signature")
    if problem:
        return problem
    return _store(reports.apply_kakao_report, data)

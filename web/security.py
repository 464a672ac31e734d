"""Security headers, CSRF policy and uniform error answers."""
from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from extensions import csrf, db

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'")

# Views and blueprints authenticated another way (HMAC signatures from machines).
_csrf_exempt: set[str] = set()

# Signed-in pages under these paths are never kept anywhere (the service worker's PRIVATE list in
# templates/pwa/sw.js says the same): ``no-store``, so neither the HTTP cache nor the back/forward cache
# shows them to the next person on a shared phone. The other signed-in pages stay ``private, no-cache``
# (web/static_files.py) because the offline app stores them, and forgets them at sign-out.
NO_STORE_PREFIXES = ("/viewer/", "/documents", "/admin", "/account/", "/login", "/logout")

ERROR_MESSAGES = {
    400: _l("요청이 올바르지 않습니다."),
    401: _l("로그인이 필요합니다."),
    403: _l("이 작업을 할 권한이 없습니다."),
    404: _l("페이지를 찾을 수 없습니다."),
    405: _l("허용되지 않는 요청 방식입니다."),
    413: _l("보낸 데이터가 너무 큽니다."),
    429: _l("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."),
    500: _l("서버 오류가 발생했습니다. 잠시 후 다시 시도해 주세요."),
}
# The machine-readable ``code`` of a JSON error when the caller names none: stable, never translated.
ERROR_CODES = {400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "body_too_large",
               429: "too_many_requests", 500: "server_error", 503: "unavailable"}


def csrf_exempt(name: str) -> None:
    """Exempt a blueprint name or endpoint ("bp.view") from CSRF; it must authenticate otherwise."""
    _csrf_exempt.add(name)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str | None = None, code: str | None = None,
                   **extra) -> tuple[Response, int] | tuple[str, int]:
    """JSON ``{"error": message, "code": code, "status": status, ...}`` under /api/ (the message in the
    negotiated language, the code stable for machines), an error page elsewhere."""
    message = str(message or ERROR_MESSAGES.get(status, _l("오류가 발생했습니다.")))
    if wants_json():
        return jsonify({"error": message, "code": code or ERROR_CODES.get(status, "error"), "status": status,
                        **extra}), status
    return render_template("error.html", status=status, message=message), status


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if (request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer ")
            and current_user.is_authenticated and g.get("api_token") is not None):
        # Signed in by a valid token (web.sessions sets g.api_token), which browsers never attach on their
        # own: no forgery is possible. An invalid token, or one sent beside a cookie, gets the usual check.
        return
    if request.blueprint in _csrf_exempt or request.endpoint in _csrf_exempt:
        return
    csrf.protect()


def _headers(response: Response) -> Response:
    h = response.headers
    h.setdefault("Content-Security-Policy", getattr(g, "csp", None) or CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure or request.headers.get("X-Forwarded-Proto") == "https":
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        # Any page may be fetched whole or as an htmx partial, so caches must key on it.
        h.add("Vary", "HX-Request")
        if request.path.startswith(NO_STORE_PREFIXES) and current_user.is_authenticated:
            h["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.after_request(_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(400, _l("보안 토큰이 만료되었거나 올바르지 않습니다. "
                                      "페이지를 새로 고친 뒤 다시 시도해 주세요."), code="csrf_failed")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        response = error_response(exc.code or 500)
        if exc.code == 405 and exc.get_response().headers.get("Allow"):
            body, status = response
            return body, status, {"Allow": exc.get_response().headers["Allow"]}
        return response

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        # A failed flush leaves the session unusable, and the error page itself reads the signed-in user.
        db.session.rollback()
        return error_response(500)

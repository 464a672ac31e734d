"""How requests arrive: which reverse proxies to believe, what is refused before any view sees it, and JSON
bodies that cannot cause a 500."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from core import jsonsafe
from web.security import error_response

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SafeJSONProvider(DefaultJSONProvider):
    """``request.get_json`` through ``core.jsonsafe``: a body nested too deeply, with a huge number, NUL or a
    lone surrogate raises ``ValueError``, which Flask answers with 400 (``None`` with ``silent=True``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsonsafe.loads(s, **kwargs)


def _has_nul(texts: Iterable[str | None]) -> bool:
    return any(text and "\x00" in text for text in texts)


def _at_the_edge():
    """The first hook of every request, before sign-in, CSRF or any view:

    - a URL that matches no rule is a 404 and a method the rule does not allow a 405 (``DELETE /login``), not
      whatever a later hook would have said about it (the CSRF check's 400);
    - a NUL byte anywhere in the path, the query string, a form field's name or value or an uploaded file's
      name is refused with 400, once for every route: PostgreSQL cannot store one, no form of ours has a use
      for one, and text the app keeps (a flash message in the session) must never hold one. JSON bodies are
      checked by ``core.jsonsafe``.
    """
    if request.routing_exception is not None:
        current_app.raise_routing_exception(request)
    texts: list[str | None] = [request.path]
    texts += [t for key, value in request.args.items(multi=True) for t in (key, value)]
    if request.mimetype in FORM_TYPES:
        texts += [t for key, value in request.form.items(multi=True) for t in (key, value)]
        texts += [t for key, upload in request.files.items(multi=True) for t in (key, upload.filename)]
    if _has_nul(texts):
        return error_response(400, _l("보낸 내용에 쓸 수 없는 문자(NUL)가 있습니다."), code="nul_byte")
    return None


def init_app(app: Flask) -> None:
    """With ``TRUSTED_PROXY_COUNT`` = n > 0, take the client's address, scheme and host from the last n
    proxies' X-Forwarded-For/-Proto/-Host (so rate limits and the audit log see the citizen, not the
    proxy). With 0 (the default) those headers are ignored: anyone can send them."""
    app.json = SafeJSONProvider(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _at_the_edge)
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

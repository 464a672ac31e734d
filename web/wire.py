"""How requests arrive: which reverse proxies to believe, and JSON bodies that cannot cause a 500."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from core import jsonsafe


class SafeJSONProvider(DefaultJSONProvider):
    """``request.get_json`` through ``core.jsonsafe``: a body nested too deeply, with a huge number, NUL or a
    lone surrogate raises ``ValueError``, which Flask answers with 400 (``None`` with ``silent=True``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsonsafe.loads(s, **kwargs)


def init_app(app: Flask) -> None:
    """With ``TRUSTED_PROXY_COUNT`` = n > 0, take the client's address, scheme and host from the last n
    proxies' X-Forwarded-For/-Proto/-Host (so rate limits and the audit log see the citizen, not the
    proxy). With 0 (the default) those headers are ignored: anyone can send them."""
    app.json = SafeJSONProvider(app)
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

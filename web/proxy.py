"""Reverse proxies in front of the app: whose ``X-Forwarded-*`` headers to believe."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """With ``TRUSTED_PROXY_COUNT`` = n > 0, take the client's address, scheme and host from the last n
    proxies' X-Forwarded-For/-Proto/-Host (so rate limits and the audit log see the citizen, not the
    proxy). With 0 (the default) those headers are ignored: anyone can send them."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

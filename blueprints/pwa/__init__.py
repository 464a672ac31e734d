"""The installable app shell: web manifest, service worker, offline page, the offline
directory snapshot and its console setting."""
from flask import Blueprint, Flask, Response
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from web.console import register_console_link

bp = Blueprint("pwa", __name__)


def init_app(app: Flask) -> None:
    register_console_link("pwa.offline_settings", _l("오프라인 연락처"), role="admin", order=60)

    @app.after_request
    def _content_language(response: Response) -> Response:
        # The service worker reads it from every page to keep the offline page in the language in use.
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Language", str(get_locale() or "ko"))
        return response


from blueprints.pwa import push_api, routes  # noqa: F401

"""The secure document viewer: 문서함, the page-image viewer, its console pages and the ``documents`` CLI."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("viewer", __name__)


def init_app(app: Flask) -> None:
    from blueprints.viewer.cli import documents_cli
    from core.allocator import keep_large_buffers
    from web.console import register_console_link

    keep_large_buffers()   # this process decodes and watermarks cached page bitmaps
    register_console_link("viewer.console_documents", _l("문서"), order=40)
    app.cli.add_command(documents_cli)


from blueprints.viewer import console, routes  # noqa: F401

"""Staff directory: search, detail, favourites, voice dialling and the import."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("directory", __name__)


def init_app(app: Flask) -> None:
    from blueprints.directory.cli import directory_cli
    from web.console import register_console_link

    app.cli.add_command(directory_cli)
    register_console_link("directory.import_page", _l("연락처 가져오기"), role="admin", order=20)


from blueprints.directory import api, routes  # noqa: F401

"""Staff directory: search, detail, favourites, voice dialling and the import."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("directory", __name__)


def init_app(app: Flask) -> None:
    from blueprints.directory.cli import directory_cli
    from blueprints.directory.contact_texts import contact_texts
    from core.directory import index, published
    from extensions import db
    from web.console import register_console_link

    app.cli.add_command(directory_cli)
    app.jinja_env.globals["directory_contact_texts"] = contact_texts
    with app.app_context():  # large indexes come from the worker's files, never built in front of a search
        index.use_published(db.engine, published.folder_for(app.config))
    register_console_link("directory.import_page", _l("연락처 가져오기"), role="admin", order=20)


from blueprints.directory import api, routes  # noqa: F401

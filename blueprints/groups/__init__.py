"""Staff groups' console page (core.groups): admins manage every group, department admins the ones they made."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("groups", __name__)


def init_app(app: Flask) -> None:
    from web.console import register_console_link

    register_console_link("groups.index", _l("직원 그룹"), order=41)


from blueprints.groups import routes  # noqa: F401

"""Duty rosters: the 근무 tab, the calendar feed, swaps, the console's month grid and import."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("duty", __name__)


def init_app(app: Flask) -> None:
    from blueprints.duty.cli import duty_cli
    from core.duty import home_context
    from web.console import register_console_link
    from web.home import register_home_card

    app.cli.add_command(duty_cli)
    register_home_card("duty", "duty/_home.html", home_context, order=20)
    register_console_link("duty.console", _l("근무표"), role="dept_admin", order=45)
    register_console_link("duty.import_page", _l("근무표 가져오기"), role="dept_admin", order=46)


from blueprints.duty import console, feed, routes  # noqa: F401

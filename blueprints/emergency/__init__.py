"""비상연락망: the members' page, a call-out's answer page, the manager's live board and report, and the
console's group pages. Domain code is ``core.emergency``."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("emergency", __name__)


def init_app(app: Flask) -> None:
    from core.emergency import home_context
    from web.console import register_console_link

    register_console_link("emergency.console_groups", _l("비상연락망"), role="staff", order=55)
    app.jinja_env.globals["emergency_home"] = routes.home_context
    try:
        from web.home import register_home_card
    except ImportError:      # the home screen's card registry lands with the groups helper's work
        return
    register_home_card("emergency", "emergency/_home.html", home_context, order=15)


from blueprints.emergency import console, routes  # noqa: F401

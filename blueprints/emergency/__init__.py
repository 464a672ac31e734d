"""비상연락망: the members' page, a call-out's answer page, the manager's live board and report, and the
console's group pages. Domain code is ``core.emergency``."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("emergency", __name__)


def init_app(app: Flask) -> None:
    from web.console import register_console_link
    from web.security import csrf_exempt

    register_console_link("emergency.console_groups", _l("비상연락망"), role="staff", order=55)
    csrf_exempt("emergency.answer_by_token")      # the service worker's answer carries a signed one-time token
    app.jinja_env.globals["emergency_home"] = routes.home_context


from blueprints.emergency import console, routes  # noqa: F401

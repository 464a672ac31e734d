"""The admin console: its own blueprint under /admin, open to dept_admin and admin roles."""
from flask import Blueprint, Flask

from web.sessions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("dept_admin")
def _require_console_role() -> None:
    return None


def init_app(app: Flask) -> None:
    from blueprints.admin.cli import seed_demo_command

    app.cli.add_command(seed_demo_command)


from blueprints.admin import push, routes, users  # noqa: F401

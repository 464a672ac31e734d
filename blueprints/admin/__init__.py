"""The admin console: its own blueprint under /admin, open to dept_admin and admin roles."""
from flask import Blueprint, Flask, abort

from core.accounts import MAX_ID
from web.sessions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("dept_admin")
def _require_console_role() -> None:
    return None


@bp.url_value_preprocessor
def _ids_in_range(endpoint: str | None, values: dict | None) -> None:
    """An id beyond what the database can hold is simply not found (not a database error)."""
    if values and any(isinstance(v, int) and v > MAX_ID for v in values.values()):
        abort(404)


def init_app(app: Flask) -> None:
    from blueprints.admin.cli import seed_demo_command

    app.cli.add_command(seed_demo_command)


from blueprints.admin import routes, users  # noqa: F401

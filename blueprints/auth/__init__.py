"""Sign-in, sign-out, password change, the account's sessions and API tokens, language choice, and the
``users`` CLI."""
from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from blueprints.auth.cli import users_cli

    app.cli.add_command(users_cli)


from blueprints.auth import account, routes  # noqa: F401

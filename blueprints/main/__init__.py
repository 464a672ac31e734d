"""The staff home, the app's health check and the bottom-navigation sections."""
from flask import Blueprint, Flask

bp = Blueprint("main", __name__)


def init_app(app: Flask) -> None:
    from core import home
    from web.home import register_home_card

    # The home's own cards; every other area registers its card from its own init_app (web/home.py).
    register_home_card("notices", "main/_home_notices.html", home.notices, order=30)
    register_home_card("favourites", "main/_home_favourites.html", home.favourites, order=60)


from blueprints.main import routes  # noqa: F401

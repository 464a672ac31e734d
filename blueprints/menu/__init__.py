"""Cafeteria menus (구내식당): the week page, the allergen profile, the console's import and editing."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("menu", __name__)


def init_app(app: Flask) -> None:
    from blueprints.menu.cli import menu_cli
    from core.menu import home_context
    from core.menu.allergens import ALLERGENS
    from web.console import register_console_link
    from web.home import register_home_card

    app.cli.add_command(menu_cli)
    register_console_link("menu.import_page", _l("식단 가져오기"), role="admin", order=60)
    register_console_link("menu.edit", _l("식단 편집"), role="admin", order=61)
    app.jinja_env.globals["menu_home_context"] = routes.home_for_template
    app.jinja_env.globals["menu_allergen_names"] = ALLERGENS
    register_home_card("menu", "menu/_home.html", home_context, order=40)


from blueprints.menu import console, routes  # noqa: F401

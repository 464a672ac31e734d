"""The staff's bulletin board (list, post, offline copy) and the console's post writing."""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("board", __name__)


def init_app(app: Flask) -> None:
    from web.console import register_console_link

    register_console_link("board.console_posts", _l("게시글 작성"), role="dept_admin", order=45)
    app.jinja_env.globals["recent_board_posts"] = routes.recent_for_home
    feeds.init_app(app)      # the Saeol connector's console pages and ``flask board sync``


from blueprints.board import feeds, posts_console, routes  # noqa: F401

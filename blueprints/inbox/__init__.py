"""The 알림함: every push a person was sent, for anyone without push; the unread count on the tab bar."""
from flask import Blueprint, Flask, current_app, g
from flask_login import current_user

from core import inbox
from extensions import db

bp = Blueprint("inbox", __name__)


def unread_count() -> int:
    """The signed-in user's unread items: one COUNT, at most once a request, and only when a page shows the
    bottom navigation (which calls this)."""
    if not current_user.is_authenticated:
        return 0
    if "inbox_unread" not in g:
        g.inbox_unread = inbox.unread_count(db.session, current_user,
                                            days=int(current_app.config.get("INBOX_RETENTION_DAYS", 90)))
    return g.inbox_unread


def init_app(app: Flask) -> None:
    app.jinja_env.globals["inbox_unread_count"] = unread_count


from blueprints.inbox import routes  # noqa: F401

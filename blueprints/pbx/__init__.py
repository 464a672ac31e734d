"""The PBX webhook: ``POST /api/pbx/events`` (PROTOCOLS.md §1), authenticated by HMAC, not CSRF."""
from flask import Blueprint, Flask

from web.security import csrf_exempt

bp = Blueprint("pbx", __name__, url_prefix="/api/pbx")


def init_app(app: Flask) -> None:
    csrf_exempt("pbx")


from blueprints.pbx import routes  # noqa: F401

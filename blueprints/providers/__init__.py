"""Delivery reports from the providers: carrier receipts (§2) and Kakao reports (§3), HMAC-signed."""
from flask import Blueprint, Flask

from web.security import csrf_exempt

bp = Blueprint("providers", __name__, url_prefix="/api/providers")


def init_app(app: Flask) -> None:
    csrf_exempt("providers")


from blueprints.providers import routes  # noqa: F401

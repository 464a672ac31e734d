"""The citizens' pages: no login, Korean, mobile first and small.

- ``/p/<token>``: a campaign's landing page, ``/p/<token>/go/<n>`` its counted policy links;
- ``/optout`` and ``/optout/<token>``: rejecting (and undoing the rejection of) lettering and AlimTalk;
- ``/verify``: is the number that called me an official Goyang line?
"""
from flask import Blueprint, Flask

bp = Blueprint("public", __name__)


def init_app(app: Flask) -> None:
    from blueprints.public.ratelimit import SlidingWindowLimiter

    app.extensions["public_ratelimit"] = SlidingWindowLimiter(int(app.config["VERIFY_RATE_PER_MINUTE"]), 60.0)


from blueprints.public import routes  # noqa: F401

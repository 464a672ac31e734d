"""The citizens' pages: no login, Korean, mobile first and small.

- ``/p/<token>``: a campaign's landing page, ``/p/<token>/go/<n>`` its counted policy links;
- ``/optout`` and ``/optout/<token>``: rejecting (and undoing the rejection of) lettering and AlimTalk;
- ``/verify``: is the number that called me an official Goyang line?
"""
from flask import Blueprint

bp = Blueprint("public", __name__)


from blueprints.public import campaign_media, routes  # noqa: F401

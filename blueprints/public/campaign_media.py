"""``/media/campaigns/<key>-<width>.webp``: campaign card-news images. Names are content hashes, so the
answer never changes: cached for a year and ``immutable``, no cookie needed."""
from __future__ import annotations

from flask import abort, send_from_directory

from blueprints.lettering.campaign_media import media_store
from blueprints.public import bp
from core.lettering.card_images import FILE_NAME

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/campaigns/<name>")
def campaign_media(name: str):
    if not FILE_NAME.fullmatch(name):
        abort(404)
    answer = send_from_directory(media_store(), name, mimetype="image/webp", max_age=ONE_YEAR, conditional=True,
                                 etag=True)
    answer.cache_control.public = True
    answer.cache_control.immutable = True
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer

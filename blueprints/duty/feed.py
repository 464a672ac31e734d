"""GET /duty/feed/<token>.ics: a person's duties for calendar apps. No login: the token is the secret."""
from __future__ import annotations

from flask import Response, current_app, request

from blueprints.duty import bp
from core import ratelimit
from core.duty import feed
from extensions import db

SCOPE = "duty.feed"
PER_MINUTE = 30


@bp.get("/duty/feed/<token>.ics")
def calendar_feed(token: str):
    allowed, wait = ratelimit.hit(db.engine, SCOPE, request.remote_addr or "-", limit=PER_MINUTE, window_s=60,
                                  hash_key=current_app.config["PHONE_HASH_KEY"])
    if not allowed:
        return Response("요청이 너무 많습니다. 잠시 뒤 다시 시도해 주세요.\n", 429,
                        {"Retry-After": str(max(1, int(wait))), "Content-Type": "text/plain; charset=utf-8"})
    user = feed.user_for(db.session, token)
    if user is None or user.person_id is None:
        return Response("없는 주소입니다. 근무 화면에서 새 주소를 확인해 주세요.\n", 404,
                        {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})
    body = feed.calendar(feed.feed_duties(db.session, user.person_id),
                         f"근무 · {user.display_name or user.username}")
    db.session.rollback()
    return Response(body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                                "Content-Disposition": 'inline; filename="duty.ics"',
                                "Cache-Control": "private, max-age=900", "Referrer-Policy": "no-referrer",
                                "X-Robots-Tag": "noindex"})

"""The home screen's own cards (web/home.py registers them): unread notices and favourites, one query each.

Every other card (next duty, today's menu, pinned emergency groups and open call-outs) comes from its area.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from core.board.posts import UNREAD_WINDOW_DAYS, visible
from core.models.accounts import User
from core.models.board import BoardPost, BoardRead
from core.models.directory import Favourite
from core.models.organization import Person
from core.phone import format_korean
from core.timeutil import utcnow

HOME_POSTS = 3
HOME_FAVOURITES = 6


@dataclass(frozen=True)
class HomePost:
    post: BoardPost
    unread: bool


@dataclass(frozen=True)
class HomeFavourite:
    person: Person
    phone: str        # 031-8075-1234, for the tel: link and its label


def notices(session: Session, user: User, limit: int = HOME_POSTS,
            now: datetime | None = None) -> dict[str, Any]:
    """``home_posts`` (the newest posts ``user`` may read, each marked unread or not) and ``home_unread``
    (as ``core.board.posts.unread_count`` counts them), in one query: the count rides along as a column."""
    now = now or utcnow()
    read = select(BoardRead.id).where(BoardRead.post_id == BoardPost.id, BoardRead.user_id == user.id).exists()
    # Its own FROM board_posts (correlate(None)): a count over all visible posts, not over the outer row.
    unread = (visible(user, now).order_by(None)
              .where(BoardPost.posted_at >= now - timedelta(days=UNREAD_WINDOW_DAYS), ~read)
              .with_only_columns(func.count(BoardPost.id)).correlate(None).scalar_subquery())
    # The card shows neither attachments nor audiences: not loaded (they are selectin, a query each).
    rows = session.execute(visible(user, now).add_columns(read.label("read"), unread.label("unread"))
                           .options(lazyload(BoardPost.attachments), lazyload(BoardPost.audience_rows))
                           .limit(limit)).all()
    if not rows:
        # No post to carry the count: then there is nothing unread either.
        return {"home_posts": [], "home_unread": 0}
    return {"home_posts": [HomePost(row[0], not row.read) for row in rows], "home_unread": int(rows[0].unread)}


def favourites(session: Session, user: User, limit: int = HOME_FAVOURITES) -> dict[str, Any]:
    """``home_favourites``: the people ``user`` starred in the directory, first starred first (one query;
    the department comes joined with the person)."""
    people = session.scalars(select(Person).join(Favourite, Favourite.person_id == Person.id)
                             .where(Favourite.user_id == user.id)
                             .order_by(Favourite.created_at, Favourite.id).limit(limit)).unique().all()
    return {"home_favourites": [HomeFavourite(p, format_korean(p.phone)) for p in people]}


__all__ = ["HOME_FAVOURITES", "HOME_POSTS", "favourites", "notices"]

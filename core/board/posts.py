"""What the staff's board reads: the posts a person may see now, searched, filtered and paged, with read marks.

A post is visible to a user when some audience row reaches them (``core.audience``) and the clock is inside
its display window: ``display_from`` (if set) has come and ``display_until`` (if set) has not. The same
query serves the list, a single post (whose 404 tells an outsider nothing) and the offline copy.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import hangul
from core.audience import reach_condition
from core.models.accounts import User
from core.models.board import BoardPost, BoardPostAudience, BoardRead
from core.pagination import Page, paginate
from core.timeutil import utcnow

PAGE_SIZE = 20
MAX_QUERY = 100          # characters of a search
MAX_WORDS = 8            # words of a search; each one is a LIKE over title and body
_TYPING = re.compile("[\u3131-\u318e]+$")   # compatibility jamo: ㄱ…ㅎ, ㅏ…ㅣ
OFFLINE_POSTS = 50       # the phone's saved copy
UNREAD_WINDOW_DAYS = 90  # older posts never count as unread (no dot for last year's notices)


def visible(user: User, now: datetime | None = None) -> Select:
    """``SELECT board_posts`` that ``user`` may read at ``now``, newest first."""
    now = now or utcnow()
    return (select(BoardPost)
            .where(reach_condition(BoardPostAudience, BoardPostAudience.post_id, BoardPost.id, user),
                   or_(BoardPost.display_from.is_(None), BoardPost.display_from <= now),
                   or_(BoardPost.display_until.is_(None), BoardPost.display_until > now))
            .order_by(BoardPost.posted_at.desc(), BoardPost.id.desc()))


def search_words(query: str) -> list[str]:
    """The words of a search, as the directory splits them (``core.hangul``): spaces collapsed, duplicates
    dropped, at most ``MAX_WORDS``. Lone jamo at a word's end are the syllable still being typed in a search
    as you type (``교ㅇ`` on the way to ``교육``): they are left out, so the list does not empty mid-word."""
    text = hangul.normalize_spacing(query or "")[:MAX_QUERY]
    words = (_TYPING.sub("", w) for w in text.lower().split(" "))
    return list(dict.fromkeys(w for w in words if w))[:MAX_WORDS]


def _word_condition(word: str):
    """The word somewhere in the title or the body, as typed or without a trailing particle
    (``교육을`` also finds ``교육``). LIKE with escaping: ``%`` and ``_`` are only themselves."""
    forms = list(dict.fromkeys((word, hangul.strip_particles(word))))
    return or_(*(column.icontains(form, autoescape=True)
                 for form in forms for column in (BoardPost.title, BoardPost.body_text)))


def filtered(user: User, *, board: str = "", query: str = "", now: datetime | None = None) -> Select:
    """The visible posts of one board (or all), where every word of ``query`` matches somewhere."""
    stmt = visible(user, now)
    if board:
        stmt = stmt.where(BoardPost.board == board)
    words = search_words(query)
    if words:
        stmt = stmt.where(and_(*(_word_condition(w) for w in words)))
    return stmt


def list_posts(session: Session, user: User, *, board: str = "", query: str = "", page: int = 1,
               size: int = PAGE_SIZE, now: datetime | None = None) -> Page:
    """One page of the list with the true total (``core.pagination``)."""
    return paginate(session, filtered(user, board=board, query=query, now=now), page, size)


def board_names(session: Session, user: User, now: datetime | None = None) -> list[str]:
    """The boards that have a post ``user`` may read now, for the filter chips."""
    sub = visible(user, now).order_by(None).with_only_columns(BoardPost.board).distinct().subquery()
    return sorted(session.scalars(select(sub.c.board)))


def get_visible(session: Session, user: User, post_id: int, now: datetime | None = None) -> BoardPost | None:
    """The post if ``user`` may read it now; None both when it does not exist and when it is not theirs."""
    return session.scalar(visible(user, now).where(BoardPost.id == post_id))


def read_ids(session: Session, user: User, post_ids: Iterable[int]) -> set[int]:
    ids = list(post_ids)
    if not ids:
        return set()
    return set(session.scalars(select(BoardRead.post_id).where(BoardRead.user_id == user.id,
                                                                 BoardRead.post_id.in_(ids))))


def mark_read(session: Session, user: User, post: BoardPost) -> bool:
    """Record that ``user`` opened ``post``; True when it was unread. A double tap racing itself is harmless."""
    if session.scalar(select(BoardRead.id).where(BoardRead.post_id == post.id, BoardRead.user_id == user.id)):
        return False
    try:
        with session.begin_nested():
            session.add(BoardRead(post_id=post.id, user_id=user.id, read_at=utcnow()))
    except IntegrityError:
        return False
    return True


def unread_count(session: Session, user: User, now: datetime | None = None) -> int:
    """Visible posts of the last ``UNREAD_WINDOW_DAYS`` that ``user`` has not opened."""
    now = now or utcnow()
    read = select(BoardRead.id).where(BoardRead.post_id == BoardPost.id, BoardRead.user_id == user.id).exists()
    stmt = (visible(user, now).order_by(None)
            .where(BoardPost.posted_at >= now - timedelta(days=UNREAD_WINDOW_DAYS), ~read)
            .with_only_columns(func.count(BoardPost.id)))
    return int(session.scalar(stmt) or 0)


def recent(session: Session, user: User, limit: int = OFFLINE_POSTS, now: datetime | None = None) -> list[BoardPost]:
    """The newest posts ``user`` may read, for the home card and the offline copy."""
    return list(session.scalars(visible(user, now).limit(limit)))

"""The 알림함: every push a person was sent (``InboxItem`` rows written by the push fan-out), newest first.

Items older than ``INBOX_RETENTION_DAYS`` (90) are never shown, whether or not the purge job has removed them
yet, so the inbox says the same thing before and after the nightly purge.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from core.models.accounts import User
from core.models.push import InboxItem, PushMessage
from core.pagination import Page, paginate
from core.timeutil import utcnow

RETENTION_DAYS = 90
PAGE_SIZE = 20


def _since(now: datetime | None, days: int) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def items(user: User, *, now: datetime | None = None, days: int = RETENTION_DAYS) -> Select:
    """``SELECT inbox_items`` of ``user`` still kept, newest first."""
    return (select(InboxItem).where(InboxItem.user_id == user.id, InboxItem.created_at >= _since(now, days))
            .order_by(InboxItem.created_at.desc(), InboxItem.id.desc()))


def page(session: Session, user: User, number: int = 1, *, size: int = PAGE_SIZE, now: datetime | None = None,
         days: int = RETENTION_DAYS) -> Page:
    return paginate(session, items(user, now=now, days=days), number, size)


def unread_count(session: Session, user: User, *, now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
    """One COUNT over an indexed user_id: cheap enough for every page's tab bar."""
    return int(session.scalar(select(func.count(InboxItem.id)).where(
        InboxItem.user_id == user.id, InboxItem.read_at.is_(None),
        InboxItem.created_at >= _since(now, days))) or 0)


def get(session: Session, user: User, item_id: int, *, now: datetime | None = None,
        days: int = RETENTION_DAYS) -> InboxItem | None:
    """The item if it is ``user``'s and still kept; another person's item is None, like a missing one."""
    return session.scalar(items(user, now=now, days=days).where(InboxItem.id == item_id))


def mark_read(session: Session, item: InboxItem, now: datetime | None = None) -> bool:
    """True when it was unread."""
    if item.read_at is not None:
        return False
    item.read_at = now or utcnow()
    return True


def mark_all_read(session: Session, user: User, now: datetime | None = None) -> int:
    """Every unread item of ``user``; returns how many."""
    result = session.execute(update(InboxItem).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
                             .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def mark_source_read(session: Session, user: User, url: str, now: datetime | None = None) -> int:
    """Opening a post read in full also clears the inbox items that pointed at it (the tab's count drops)."""
    ids = select(PushMessage.id).where(PushMessage.url == url)
    result = session.execute(update(InboxItem).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None),
                                                     InboxItem.message_id.in_(ids))
                             .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)

"""Per-user favourites and recent contacts, resolved through the search index."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.directory.index import Entry, get_index
from core.models.directory import Favourite, RecentContact
from core.models.organization import Person
from core.timeutil import utcnow

RECENT_KEEP = 30
RECENT_ACTIONS = ("view", "call", "sms")


def favourite_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(Favourite.person_id).where(Favourite.user_id == user_id)))


def toggle_favourite(session: Session, user_id: int, person_id: int) -> bool:
    """Add or remove a favourite; returns whether it is a favourite now."""
    existing = session.scalar(select(Favourite).filter_by(user_id=user_id, person_id=person_id))
    if existing is not None:
        session.delete(existing)
        session.flush()
        return False
    try:
        with session.begin_nested():  # a double tap from two tabs must not fail on the unique key
            session.add(Favourite(user_id=user_id, person_id=person_id))
    except IntegrityError:
        pass
    return True


def favourites(session: Session, user_id: int) -> list[Entry]:
    index = get_index(session)
    ids = session.scalars(select(Favourite.person_id).where(Favourite.user_id == user_id)
                          .order_by(Favourite.created_at))
    entries = [index.by_id[pid] for pid in ids if pid in index.by_id]
    return sorted(entries, key=lambda e: e.place)


def record_recent(session: Session, user_id: int, person_id: int, action: str = "view") -> None:
    """Remember that the user opened or called a person; keeps the latest ``RECENT_KEEP``."""
    if action not in RECENT_ACTIONS:
        raise ValueError(f"unknown action: {action}")
    if session.get(Person, person_id) is None:
        raise LookupError(person_id)
    row = session.scalar(select(RecentContact).filter_by(user_id=user_id, person_id=person_id))
    if row is None:
        try:
            with session.begin_nested():
                session.add(RecentContact(user_id=user_id, person_id=person_id, action=action, at=utcnow()))
        except IntegrityError:
            row = session.scalar(select(RecentContact).filter_by(user_id=user_id, person_id=person_id))
    if row is not None:
        row.action, row.at = action, utcnow()
    session.flush()
    stale = select(RecentContact.id).where(RecentContact.user_id == user_id) \
        .order_by(RecentContact.at.desc()).offset(RECENT_KEEP)
    stale_ids = list(session.scalars(stale))
    if stale_ids:
        session.execute(delete(RecentContact).where(RecentContact.id.in_(stale_ids)))


def recents(session: Session, user_id: int, limit: int = 10) -> list[tuple[Entry, datetime, str]]:
    index = get_index(session)
    rows = session.execute(select(RecentContact.person_id, RecentContact.at, RecentContact.action)
                           .where(RecentContact.user_id == user_id)
                           .order_by(RecentContact.at.desc()).limit(limit))
    return [(index.by_id[r.person_id], r.at, r.action) for r in rows if r.person_id in index.by_id]

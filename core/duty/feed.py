"""Each person's iCalendar feed (RFC 5545, built with ``icalendar``) and its rotatable secret token.

Calendar apps send no headers, so the URL's token is the only secret: it is random, only its SHA-256 is
stored (a leaked database gives no working URL), and rotating it kills the old URL at once."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import icalendar
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.models.accounts import User
from core.models.duty import Duty, DutyFeedToken
from core.timeutil import KST, as_utc, utcnow

TZID = "Asia/Seoul"
CANCELLED_KEPT_DAYS = 60    # a cancelled duty stays in the feed this long, so every calendar hears of it
PAST_DAYS = 90
TOKEN_BYTES = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate(session: Session, user_id: int) -> str:
    """A new token for ``user_id`` (the old one stops working); returns it, the only time it is seen."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = session.get(DutyFeedToken, user_id)
    if row is None:
        session.add(DutyFeedToken(user_id=user_id, token_hash=_hash(token), created_at=utcnow()))
    else:
        row.token_hash, row.created_at = _hash(token), utcnow()
    session.flush()
    return token


def user_for(session: Session, token: str) -> User | None:
    """The active user whose token this is, compared in constant time after the indexed lookup."""
    if not token or len(token) > 128:
        return None
    digest = _hash(token)
    row = session.scalars(select(DutyFeedToken).where(DutyFeedToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def feed_duties(session: Session, person_id: int) -> list[Duty]:
    now = utcnow()
    return list(session.scalars(select(Duty).where(
        Duty.person_id == person_id, Duty.ends_at > now - timedelta(days=PAST_DAYS),
        or_(Duty.cancelled_at.is_(None), Duty.cancelled_at > now - timedelta(days=CANCELLED_KEPT_DAYS)))
        .order_by(Duty.starts_at, Duty.id)))


def calendar(duties: list[Duty], name: str) -> bytes:
    """The VCALENDAR: one VEVENT a duty, in Asia/Seoul time with its VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Goyang Portal//Duty roster//KO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = utcnow()
    for duty in duties:
        event = icalendar.Event()
        event.add("uid", duty.uid)
        event.add("sequence", duty.sequence)
        event.add("dtstamp", stamp)
        event.add("last-modified", as_utc(duty.updated_at))
        event.add("dtstart", as_utc(duty.starts_at).astimezone(KST))
        event.add("dtend", as_utc(duty.ends_at).astimezone(KST))
        event.add("summary", duty.kind)
        if duty.place:
            event.add("location", duty.place)
        if duty.note:
            event.add("description", duty.note)
        event.add("status", "CANCELLED" if duty.cancelled_at is not None else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()

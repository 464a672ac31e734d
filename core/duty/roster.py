"""Editing the roster: add, move (another time or person), remove; conflicts refused; the person told.

Every change bumps ``Duty.sequence`` (the feed's SEQUENCE) and clears ``reminded_at`` so that the evening
reminder follows the new time. A change to a duty that starts within ``CHANGE_NOTICE_DAYS`` notifies the
people concerned at once: calendar apps refresh a feed only every few hours."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import push
from core.audience import Audience
from core.i18n import N_, MessageError, korean
from core.models.accounts import User
from core.models.duty import Duty
from core.models.organization import Person
from core.timeutil import KST, as_utc, format_kst, utcnow

CHANGE_NOTICE_DAYS = 7
KIND_MAX, PLACE_MAX, NOTE_MAX = 32, 64, 255
LONGEST = timedelta(hours=48)   # no duty in the format runs longer; a longer one is a typing mistake


class DutyError(MessageError):
    """A change the roster refuses (a conflict, a missing person, a bad time)."""


def span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """KST day + HH:MM start/end → UTC instants; an end at or before the start is on the next day."""
    starts = datetime.combine(day, start, KST)
    ends = datetime.combine(day, end, KST)
    if ends <= starts:
        ends += timedelta(days=1)
    return as_utc(starts), as_utc(ends)


def check(session: Session, person_id: int | None, starts: datetime, ends: datetime, kind: str,
          exclude: int | None = None) -> None:
    """Raise DutyError for a duty with no one, a bad span or an overlap with the person's other duties."""
    if not person_id or session.get(Person, person_id) is None:
        raise DutyError(N_("근무자가 없습니다. 근무자를 지정해 주세요."))
    if not kind.strip() or len(kind) > KIND_MAX:
        raise DutyError(N_("근무 종류는 1~%(limit)s자여야 합니다."), limit=KIND_MAX)
    if ends <= starts or ends - starts > LONGEST:
        raise DutyError(N_("근무 시간이 올바르지 않습니다 (최대 48시간)."))
    other = overlapping(session, person_id, starts, ends, exclude)
    if other is not None:
        raise DutyError(N_("%(name)s 님은 같은 시간에 이미 근무가 있습니다: %(when)s %(kind)s"),
                        name=other.person.name, when=format_kst(other.starts_at), kind=other.kind)


def overlapping(session: Session, person_id: int, starts: datetime, ends: datetime,
                exclude: int | None = None) -> Duty | None:
    query = (select(Duty).where(Duty.person_id == person_id, Duty.cancelled_at.is_(None),
                                Duty.starts_at < ends, Duty.ends_at > starts))
    if exclude is not None:
        query = query.where(Duty.id != exclude)
    return session.scalars(query.order_by(Duty.starts_at).limit(1)).first()


def add(session: Session, *, person_id: int, kind: str, starts: datetime, ends: datetime,
        department_id: int | None, place: str = "", note: str = "", notify: bool = True) -> Duty:
    kind, place, note = kind.strip(), place.strip()[:PLACE_MAX], note.strip()[:NOTE_MAX]
    check(session, person_id, starts, ends, kind)
    duty = Duty(uid=f"{uuid.uuid4()}@duty.goyang", person_id=person_id, department_id=department_id, kind=kind,
                starts_at=starts, ends_at=ends, place=place, note=note, sequence=0)
    session.add(duty)
    session.flush()
    if notify and _soon(duty.starts_at):
        _notice(session, duty, [person_id], N_("근무가 추가되었습니다"))
    return duty


def change(session: Session, duty: Duty, *, person_id: int | None = None, starts: datetime | None = None,
           ends: datetime | None = None, kind: str | None = None, place: str | None = None,
           note: str | None = None, notify: bool = True) -> bool:
    """Apply the given fields; returns False when nothing changed (no SEQUENCE bump, no notice)."""
    if duty.cancelled_at is not None:
        raise DutyError(N_("취소된 근무는 바꿀 수 없습니다."))
    new = {"person_id": duty.person_id if person_id is None else person_id,
           "starts_at": as_utc(duty.starts_at) if starts is None else starts,
           "ends_at": as_utc(duty.ends_at) if ends is None else ends,
           "kind": duty.kind if kind is None else kind.strip(),
           "place": duty.place if place is None else place.strip()[:PLACE_MAX],
           "note": duty.note if note is None else note.strip()[:NOTE_MAX]}
    old = {"person_id": duty.person_id, "starts_at": as_utc(duty.starts_at), "ends_at": as_utc(duty.ends_at),
           "kind": duty.kind, "place": duty.place, "note": duty.note}
    if new == old:
        return False
    check(session, new["person_id"], new["starts_at"], new["ends_at"], new["kind"], exclude=duty.id)
    was_soon = _soon(old["starts_at"])
    for key, value in new.items():
        setattr(duty, key, value)
    duty.sequence += 1
    duty.updated_at = utcnow()
    duty.reminded_at = None
    session.flush()
    session.refresh(duty)
    if notify and (was_soon or _soon(duty.starts_at)):
        _notice(session, duty, {old["person_id"], duty.person_id}, N_("근무가 변경되었습니다"))
    return True


def remove(session: Session, duty: Duty, *, notify: bool = True) -> None:
    """Cancel (kept so that feeds publish STATUS:CANCELLED)."""
    if duty.cancelled_at is not None:
        return
    duty.cancelled_at = utcnow()
    duty.updated_at = duty.cancelled_at
    duty.sequence += 1
    session.flush()
    if notify and _soon(duty.starts_at):
        _notice(session, duty, [duty.person_id], N_("근무가 취소되었습니다"))


def _soon(starts: datetime) -> bool:
    now = utcnow()
    return as_utc(starts) > now - timedelta(hours=12) and as_utc(starts) <= now + timedelta(days=CHANGE_NOTICE_DAYS)


def users_of(session: Session, person_ids) -> list[int]:
    ids = [p for p in person_ids if p]
    if not ids:
        return []
    return list(session.scalars(select(User.id).where(User.person_id.in_(ids), User.is_active.is_(True))))


def describe(duty: Duty) -> str:
    place = f" · {duty.place}" if duty.place else ""
    return f"{format_kst(duty.starts_at, '%m월 %d일 %H:%M')}~{format_kst(duty.ends_at, '%H:%M')} {duty.kind}{place}"


def notify_people(session: Session, person_ids, title: str, body: str, *, topic: str = "",
                  source_id: int | None = None, urgency: str = "normal") -> None:
    users = users_of(session, person_ids)
    if users:
        push.send(session, audience=Audience.of(users=users), title=title, body=body, url="/duty",
                  urgency=urgency, topic=topic, source="duty", source_id=source_id)


def _notice(session: Session, duty: Duty, person_ids, title_msgid: str) -> None:
    notify_people(session, person_ids, korean(title_msgid, {}), describe(duty), source_id=duty.id)


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    first = datetime(year, month, 1, tzinfo=KST)
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=KST)
    return as_utc(first), as_utc(nxt)


def month_duties(session: Session, department_id: int | None, year: int, month: int) -> list[Duty]:
    first, nxt = month_range(year, month)
    query = select(Duty).where(Duty.cancelled_at.is_(None), Duty.starts_at >= first, Duty.starts_at < nxt)
    if department_id is not None:
        query = query.where(Duty.department_id == department_id)
    return list(session.scalars(query.order_by(Duty.starts_at, Duty.id)))


def coming(session: Session, person_id: int, limit: int = 20) -> list[Duty]:
    return list(session.scalars(select(Duty).where(Duty.person_id == person_id, Duty.cancelled_at.is_(None),
                                                   Duty.ends_at > utcnow())
                                .order_by(Duty.starts_at).limit(limit)))


def on_duty_now(session: Session, *, department_id: int | None = None, place: str | None = None) -> list[Duty]:
    """Today's (KST) duties of a department, or at a place (시청 당직실), that have not yet ended."""
    today = utcnow().astimezone(KST).date()
    start = as_utc(datetime.combine(today, time(0), KST))
    query = select(Duty).where(Duty.cancelled_at.is_(None), Duty.starts_at < start + timedelta(days=1),
                               Duty.ends_at > utcnow())
    if department_id is not None:
        query = query.where(Duty.department_id == department_id)
    if place is not None:
        query = query.where(Duty.place == place)
    return list(session.scalars(query.order_by(Duty.starts_at)))

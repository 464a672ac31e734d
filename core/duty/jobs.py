"""The duty area's job: the evening-before reminder (``duty.remind``).

``registry.daily`` needs its time at import, but the reminder's hour is a setting (``DUTY_REMINDER_AT``),
so a tick every ``TICK_SECONDS`` checks it: from that time on (KST), every duty starting the next day that has
not been reminded is reminded once. ``reminded_at`` makes a late or repeated tick harmless, and a changed duty
(``roster.change`` clears it) is reminded again if it moves to tomorrow."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.duty import roster
from core.jobs.outcomes import Outcome
from core.jobs.registry import Env, registry
from core.models.duty import Duty
from core.timeutil import KST, as_utc, format_kst, utcnow

REMIND_KIND = "duty.remind"
TICK_SECONDS = 60
DEFAULT_AT = time(18, 0)
HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def reminder_time(settings: dict[str, Any]) -> time:
    """``DUTY_REMINDER_AT`` as a time; a malformed value falls back to 18:00 rather than never reminding."""
    match = HHMM.match(str(settings.get("DUTY_REMINDER_AT", "18:00")).strip())
    return time(int(match[1]), int(match[2])) if match else DEFAULT_AT


def remind_due(session: Session, settings: dict[str, Any], now: datetime | None = None) -> int:
    """Send the reminders due at ``now``; returns how many. The caller's session is committed here."""
    now_kst = (now or utcnow()).astimezone(KST)
    if now_kst.time() < reminder_time(settings):
        return 0
    tomorrow = now_kst.date() + timedelta(days=1)
    first = as_utc(datetime.combine(tomorrow, time(0), KST))
    duties = list(session.scalars(select(Duty).where(
        Duty.cancelled_at.is_(None), Duty.reminded_at.is_(None),
        Duty.starts_at >= first, Duty.starts_at < first + timedelta(days=1)).order_by(Duty.starts_at)))
    for duty in duties:
        roster.notify_people(session, [duty.person_id], f"내일 근무: {duty.kind}",
                             f"{format_kst(duty.starts_at, '%m월 %d일 %H:%M')} 시작 · {duty.place or duty.kind}",
                             topic=f"duty-{duty.id}", source_id=duty.id)
        duty.reminded_at = utcnow()
    session.commit()
    return len(duties)


@registry.handler(REMIND_KIND)
def handle_remind(env: Env, payload: dict) -> Outcome:
    with env.factory() as session:
        remind_due(session, env.settings)
    return None


registry.every(TICK_SECONDS, REMIND_KIND)

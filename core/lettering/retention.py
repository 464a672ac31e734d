"""The retention purge (PIPA): after ``RETENTION_DAYS`` a call keeps only its hash, its masked number and
its outcome; the encrypted number and the events' detail go. A job of the runtime runs it every hour
(``core.lettering.jobs``); it is idempotent and cheap when there is nothing to purge. Finished jobs and the
rate limiter's rows are purged by their own owners (``core.jobs.maintenance``, ``core.ratelimit``)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, update
from sqlalchemy.orm import Session

from core.models.calls import Call, CallEvent
from core.timeutil import utcnow


def purge(session: Session, retention_days: int, now: datetime | None = None) -> dict[str, int]:
    """Purge everything older than the retention period; the caller commits. Returns counts."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    numbers = session.execute(update(Call).where(Call.created_at < cutoff, Call.peer_encrypted.is_not(None))
                              .values(peer_encrypted=None).execution_options(synchronize_session=False)).rowcount
    details = session.execute(update(CallEvent).where(CallEvent.received_at < cutoff,
                                                      cast(CallEvent.detail, String) != "{}")
                              .values(detail={}).execution_options(synchronize_session=False)).rowcount
    return {"numbers": numbers, "event_details": details}

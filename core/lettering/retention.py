"""The retention purge (PIPA): after ``RETENTION_DAYS`` a call keeps only its hash, its masked number and
its outcome. The encrypted number and the events' detail go, and finished jobs are deleted. The citizens'
pages' rate-limit rows (hashed addresses) go after an hour.
The worker runs it every hour; it is idempotent and cheap when there is nothing to purge."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, update
from sqlalchemy.orm import Session

from core.models.calls import Call, CallEvent
from core.models.jobs import Job
from core.ratelimit import purge_stale
from core.timeutil import utcnow


def purge(session: Session, retention_days: int, now: datetime | None = None) -> dict[str, int]:
    """Purge everything older than the retention period; the caller commits. Returns counts."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    numbers = session.execute(update(Call).where(Call.created_at < cutoff, Call.peer_encrypted.is_not(None))
                              .values(peer_encrypted=None).execution_options(synchronize_session=False)).rowcount
    details = session.execute(update(CallEvent).where(CallEvent.received_at < cutoff,
                                                      cast(CallEvent.detail, String) != "{}")
                              .values(detail={}).execution_options(synchronize_session=False)).rowcount
    finished = session.execute(delete(Job).where(Job.status == "done", Job.finished_at < cutoff)
                               .execution_options(synchronize_session=False)).rowcount
    limits = purge_stale(session, (now or utcnow()).timestamp())
    return {"numbers": numbers, "event_details": details, "jobs": finished, "rate_limits": limits}

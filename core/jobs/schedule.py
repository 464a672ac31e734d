"""Periodic schedules as ordinary jobs: each schedule's current slot is enqueued once, by whichever worker
reaches it first. The slot's key (``jobs.dedupe_key``, unique) makes the INSERT a no-op for every other
worker, so ten workers on three hosts still purge once a night. A slot missed while no worker ran (a daily
job at 04:00 with the worker down until 09:00) is enqueued as soon as a worker runs again."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.jobs.queue import notify
from core.jobs.registry import Schedule
from core.models.jobs import Job
from core.timeutil import KST


def current_slot(schedule: Schedule, now: datetime) -> tuple[str, datetime]:
    """The key and start of the slot that ``now`` falls in."""
    if schedule.every:
        number = int(now.timestamp()) // schedule.every
        return f"{schedule.kind}@{number}", datetime.fromtimestamp(number * schedule.every, UTC)
    local = now.astimezone(KST)
    start = local.replace(hour=schedule.daily_at.hour, minute=schedule.daily_at.minute, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return f"{schedule.kind}@{start.date().isoformat()}", start.astimezone(UTC)


def enqueue_slot(session: Session, schedule: Schedule, now: datetime) -> bool:
    """Enqueue the schedule's current slot unless some worker already did; the caller commits.
    True when this call added it."""
    key, start = current_slot(schedule, now)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # RETURNING tells whether this call inserted it (psycopg reports a rowcount of 1 for a skipped row).
    added = session.execute(
        insert(Job).values(kind=schedule.kind, payload={"slot": start.isoformat()}, run_at=now, status="queued",
                           attempts=0, max_attempts=3, locked_by="", last_error="", dedupe_key=key,
                           created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[Job.dedupe_key]).returning(Job.id)).scalar()
    if added is not None:
        notify(session)
    return added is not None


class Scheduler:
    """Remembers each schedule's last slot in this process, so the database is asked once per slot."""

    def __init__(self, schedules: list[Schedule]) -> None:
        self._schedules = list(schedules)
        self._seen: dict[Schedule, str] = {}

    def due(self, now: datetime) -> list[Schedule]:
        return [s for s in self._schedules if self._seen.get(s) != current_slot(s, now)[0]]

    def enqueue_due(self, session: Session, now: datetime) -> int:
        """Enqueue every schedule whose slot changed since this process last looked; the caller commits and
        then calls ``seen`` (a failed commit leaves them due, to try again)."""
        return sum(enqueue_slot(session, schedule, now) for schedule in self.due(now))

    def seen(self, now: datetime) -> None:
        for schedule in self._schedules:
            self._seen[schedule] = current_slot(schedule, now)[0]

"""The durable job queue in the database, shared by the web app (enqueue, console) and the worker.

Semantics:
- ``enqueue`` adds a job in the caller's transaction, so a job exists exactly when the data it
  works on was committed. On PostgreSQL it also sends ``NOTIFY jobs`` (delivered at commit).
- ``claim`` takes due jobs with a lease: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE ... WHERE id IN
  (...) AND <still due> RETURNING`` on PostgreSQL; on SQLite a lock-free SELECT, then the same short
  write statement, which re-checks under SQLite's single write lock that each job is still due, so two
  claimers never take one job. A job whose lease expired (its worker was killed) is claimable again.
- ``fail`` retries with exponential backoff and jitter; after ``max_attempts`` the job is dead.
  ``retry_dead`` puts a dead job back in the queue (the console's retry button).
- ``defer`` reschedules without counting an attempt (the job waits for another one to finish);
  ``release`` gives back a stopping worker's leases; ``renew`` extends a running worker's leases (its
  heartbeat), so a long job keeps its lease while a killed worker's jobs come back within one lease.
- ``purge_finished`` deletes old done and dead jobs (a daily job of ``core.jobs.maintenance``).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from core.models.jobs import Job
from core.timeutil import utcnow

DEFAULT_MAX_ATTEMPTS = 8
LEASE_SECONDS = 30
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 600.0
CHANNEL = "jobs"


def _is_postgres(session: Session) -> bool:
    """Also works for Flask-SQLAlchemy's scoped session (``core.db.is_postgres`` wants a plain one)."""
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class ClaimedJob:
    """A job as a worker holds it: plain data, free of any session."""

    id: int
    kind: str
    payload: dict
    attempts: int
    max_attempts: int


def notify(session: Session) -> None:
    """Wake the workers at commit (PostgreSQL); SQLite workers poll."""
    if _is_postgres(session):
        session.execute(text("SELECT pg_notify(:c, '')"), {"c": CHANNEL})


def enqueue(session: Session, kind: str, payload: dict[str, Any], run_at: datetime | None = None,
            max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Job:
    """Add one job in the caller's transaction; the caller commits."""
    job = Job(kind=kind, payload=payload, run_at=run_at or utcnow(), status="queued", max_attempts=max_attempts,
              attempts=0)
    session.add(job)
    session.flush()
    notify(session)
    return job


def enqueue_many(session: Session, jobs: list[tuple[str, dict[str, Any]]],
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
    """Add several due jobs with one INSERT (PBX batches), in the caller's transaction."""
    if not jobs:
        return 0
    now = utcnow()
    session.execute(insert(Job), [
        {"kind": kind, "payload": payload, "run_at": now, "status": "queued", "attempts": 0,
         "max_attempts": max_attempts, "locked_by": "", "last_error": "", "created_at": now, "updated_at": now}
        for kind, payload in jobs])
    notify(session)
    return len(jobs)


def claim(session: Session, worker_id: str, limit: int = 1, lease_seconds: int = LEASE_SECONDS,
          kinds: tuple[str, ...] | None = None) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs to ``worker_id`` and commit the lease at once."""
    now = utcnow()
    due = or_(and_(Job.status == "queued", Job.run_at <= now),
              and_(Job.status == "running", Job.lease_until < now))
    pick = select(Job.id).where(due)
    if kinds is not None:  # only these kinds (none at all for an empty tuple)
        pick = pick.where(Job.kind.in_(kinds))
    pick = pick.order_by(Job.run_at, Job.id).limit(limit)
    # Pick first, then take: PostgreSQL locks the picked rows (SKIP LOCKED: other workers pick others, and
    # a LIMIT subquery inside the UPDATE could run twice and take too many). On SQLite the read takes no
    # lock, so an idle poll never blocks the web app's writes; the UPDATE re-checks ``due`` under the
    # write lock, so a job another worker took in between is simply not taken.
    if _is_postgres(session):
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.scalars(pick))
    if not ids:
        session.commit()
        return []
    stmt = (update(Job).where(Job.id.in_(ids), due)
            .values(status="running", attempts=Job.attempts + 1, locked_by=worker_id,
                    lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
            .execution_options(synchronize_session=False))
    rows = session.execute(stmt).all()
    session.commit()
    return sorted((ClaimedJob(*row) for row in rows), key=lambda j: j.id)


def complete(session: Session, job_ids: list[int], worker_id: str) -> int:
    """Mark jobs done (only while this worker still holds them); the caller commits."""
    if not job_ids:
        return 0
    now = utcnow()
    result = session.execute(
        update(Job).where(Job.id.in_(job_ids), Job.status == "running", Job.locked_by == worker_id)
        .values(status="done", finished_at=now, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount


def backoff_seconds(attempts: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Exponential backoff with full jitter: up to base * 2^(attempts-1), at least a tenth of it."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 10, ceiling)


def fail(session: Session, job: ClaimedJob, worker_id: str, error: str, retry_in: float | None = None,
         permanent: bool = False) -> str:
    """Record a failed attempt: queue it again after a backoff, or make it dead. Returns the new status."""
    now = utcnow()
    dead = permanent or job.attempts >= job.max_attempts
    delay = retry_in if retry_in is not None else backoff_seconds(job.attempts)
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None, "updated_at": now}
    if dead:
        values.update(status="dead", finished_at=now)
    else:
        values.update(status="queued", run_at=now + timedelta(seconds=delay))
    session.execute(update(Job).where(Job.id == job.id, Job.locked_by == worker_id, Job.status == "running")
                    .values(**values).execution_options(synchronize_session=False))
    return "dead" if dead else "queued"


def defer(session: Session, job: ClaimedJob, worker_id: str, run_at: datetime, note: str = "") -> None:
    """Run the job again at ``run_at`` without counting this attempt."""
    now = utcnow()
    session.execute(update(Job).where(Job.id == job.id, Job.locked_by == worker_id, Job.status == "running")
                    .values(status="queued", run_at=run_at, attempts=Job.attempts - 1, lease_until=None,
                            last_error=note[:2000], updated_at=now)
                    .execution_options(synchronize_session=False))


def release(session: Session, worker_id: str) -> int:
    """Give back every job this worker still leases (SIGTERM), uncounted; the caller commits."""
    now = utcnow()
    result = session.execute(
        update(Job).where(Job.status == "running", Job.locked_by == worker_id)
        .values(status="queued", attempts=Job.attempts - 1, lease_until=None, locked_by="", updated_at=now)
        .execution_options(synchronize_session=False))
    notify(session)
    return result.rowcount


def renew(session: Session, worker_id: str, lease_seconds: int = LEASE_SECONDS) -> int:
    """Extend every lease this worker holds (its heartbeat); the caller commits."""
    now = utcnow()
    result = session.execute(
        update(Job).where(Job.status == "running", Job.locked_by == worker_id)
        .values(lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False))
    return result.rowcount


def purge_finished(session: Session, done_before: datetime, dead_before: datetime) -> int:
    """Delete done jobs finished before ``done_before`` and dead ones before ``dead_before``; the caller
    commits. Returns the rows deleted."""
    result = session.execute(delete(Job).where(or_(
        and_(Job.status == "done", Job.finished_at < done_before),
        and_(Job.status == "dead", Job.finished_at < dead_before))).execution_options(synchronize_session=False))
    return result.rowcount


def retry_dead(session: Session, job_id: int) -> bool:
    """Queue a dead job again with fresh attempts. False when the job is not dead. The caller commits."""
    now = utcnow()
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.status == "dead")
        .values(status="queued", attempts=0, run_at=now, lease_until=None, locked_by="", finished_at=None,
                updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount:
        notify(session)
    return bool(result.rowcount)


def counts(session: Session) -> dict[str, int]:
    """Jobs per status, every status present (for the console and health checks)."""
    found = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    return {status: int(found.get(status, 0)) for status in ("queued", "running", "done", "dead")}


def backlog(session: Session) -> int:
    """Jobs waiting or running: the load the ingest endpoint sheds against."""
    return int(session.scalar(select(func.count()).select_from(Job)
                              .where(Job.status.in_(("queued", "running")))) or 0)


def next_run_at(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Job.run_at)).where(Job.status == "queued"))

"""Worker heartbeats and the health of the job queue, read by ``/healthz`` and ``/metrics``.

A worker calls ``record_heartbeat`` every few seconds (and after each batch); the web app reads
``snapshot`` at request time. Both work from the database alone, so they hold across hosts and do not
couple the web app to the worker process.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models.calls import LETTERING_STATUSES, Call
from core.models.heartbeat import WorkerHeartbeat
from core.models.jobs import Job
from core.timeutil import as_utc, utcnow

LIVE_WITHIN_S = 60               # a worker seen this recently counts as live
FORGET_AFTER = timedelta(days=1)  # heartbeat rows older than this are deleted
DEFAULT_MAX_LAG_S = 120          # HEALTH_MAX_LAG_SECONDS' default


def record_heartbeat(session: Session, worker_id: str, jobs_processed: int, now: datetime | None = None) -> None:
    """Insert or refresh this process's heartbeat row (``worker_id`` at most 64 characters); the caller commits.

    One ``INSERT … ON CONFLICT DO UPDATE`` (SQLite ≥ 3.24 and PostgreSQL), so two beats never race into a
    duplicate key. ``started_at`` keeps the first beat's time. Rows of workers silent for a day are deleted
    here, so the table holds only recent workers without a separate purge."""
    now = as_utc(now) if now else utcnow()  # SQLite stores naive UTC, so compare in UTC
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"hostname": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": now,
              "jobs_processed": jobs_processed}
    session.execute(insert(WorkerHeartbeat)
                    .values(worker_id=worker_id, started_at=now, **values)
                    .on_conflict_do_update(index_elements=[WorkerHeartbeat.worker_id], set_=values))
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER)
                    .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class HealthSnapshot:
    last_heartbeat: datetime | None   # the latest beat of any worker (UTC), None when none ever beat
    seconds_since: float | None       # seconds from that beat to ``now``
    live_workers: int                 # workers seen in the last LIVE_WITHIN_S seconds
    lag_seconds: float                # age of the oldest due queued job; 0 when none is due
    due: int                          # queued jobs whose run_at has come
    dead: int                         # dead jobs waiting for an operator
    max_lag_seconds: float

    @property
    def worker_ok(self) -> bool:
        return self.seconds_since is not None and self.seconds_since <= LIVE_WITHIN_S

    @property
    def queue_ok(self) -> bool:
        return self.lag_seconds <= self.max_lag_seconds

    @property
    def problems(self) -> list[str]:
        """Stable codes of what is wrong: ``worker_silent``, ``queue_lagging``; empty when healthy."""
        return [code for code, ok in (("worker_silent", self.worker_ok), ("queue_lagging", self.queue_ok)) if not ok]


def snapshot(session: Session, now: datetime | None = None,
             max_lag_seconds: float = DEFAULT_MAX_LAG_S) -> HealthSnapshot:
    """Read the workers' heartbeats and the queue's state at ``now`` (default: the clock).

    One statement of three scalar subqueries (on PostgreSQL each statement is a round trip, and /healthz is
    probed every few seconds); the due-job one uses the ``(status, run_at)`` index."""
    now = as_utc(now) if now else utcnow()
    beats = select(func.max(WorkerHeartbeat.seen_at),
                   func.count().filter(WorkerHeartbeat.seen_at >= now - timedelta(seconds=LIVE_WITHIN_S))).subquery()
    queued = select(func.min(Job.run_at), func.count()).where(Job.status == "queued", Job.run_at <= now).subquery()
    dead = select(func.count()).select_from(Job).where(Job.status == "dead").scalar_subquery()
    # Both subqueries are one row each: joined on true, a product of one row.
    last, live, oldest, due, dead = session.execute(
        select(*beats.c, *queued.c, dead).select_from(beats.join(queued, true()))).one()
    last = as_utc(last) if last is not None else None
    return HealthSnapshot(
        last_heartbeat=last,
        seconds_since=None if last is None else max(0.0, (now - last).total_seconds()),
        live_workers=live or 0,
        lag_seconds=0.0 if oldest is None else max(0.0, (now - as_utc(oldest)).total_seconds()),
        due=due or 0, dead=dead or 0, max_lag_seconds=max_lag_seconds)


ACTIVITY_WINDOW = timedelta(hours=1)  # recent counts cover this much time, so a scrape reads few rows


@dataclass(frozen=True)
class Activity:
    """Grouped counts for ``/metrics``. Open jobs are counted whole (the queue is bounded by the PBX
    webhook's backlog limit); finished work only within ``ACTIVITY_WINDOW``, through indexed ranges, so a
    scrape costs the same after months of calls."""

    open_jobs: dict[tuple[str, str], int]   # (kind, status) -> jobs queued, running or dead now
    done_recent: dict[str, int]             # kind -> done jobs whose run_at is within the window
    lettering: dict[str, int]               # lettering_status -> calls created within the window
    alimtalk: dict[str, int]                # alimtalk_status -> those calls that had an AlimTalk due


def activity(session: Session, now: datetime | None = None, window: timedelta = ACTIVITY_WINDOW) -> Activity:
    now = as_utc(now) if now else utcnow()
    since = now - window
    open_jobs = session.execute(select(Job.kind, Job.status, func.count())
                                .where(Job.status.in_(("queued", "running", "dead")))
                                .group_by(Job.kind, Job.status)).all()
    done = session.execute(select(Job.kind, func.count())
                           .where(Job.status == "done", Job.run_at >= since, Job.run_at <= now)
                           .group_by(Job.kind)).all()
    recent = Call.created_at >= since
    lettering = session.execute(select(Call.lettering_status, func.count()).where(recent)
                                .group_by(Call.lettering_status)).all()
    alimtalk = session.execute(select(Call.alimtalk_status, func.count())
                               .where(recent, Call.alimtalk_status.is_not(None))
                               .group_by(Call.alimtalk_status)).all()
    return Activity(open_jobs={(kind, status): n for kind, status, n in open_jobs},
                    done_recent=dict(done),
                    lettering={status: 0 for status in LETTERING_STATUSES} | dict(lettering),
                    alimtalk=dict(alimtalk))

"""Worker heartbeats and the queue's health (core.health), with the clock set by each test."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core import health
from core.models.heartbeat import WorkerHeartbeat
from core.models.jobs import Job
from extensions import db

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def _job(status: str, run_at: datetime, kind: str = "lettering.dial") -> None:
    db.session.add(Job(kind=kind, payload={}, status=status, run_at=run_at))


def test_record_heartbeat_inserts_then_updates_keeping_started_at(app):
    health.record_heartbeat(db.session, "w1", 0, now=T0)
    db.session.commit()
    health.record_heartbeat(db.session, "w1", 7, now=T0 + timedelta(seconds=5))
    db.session.commit()
    rows = db.session.scalars(select(WorkerHeartbeat)).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.jobs_processed == 7
    assert row.pid == os.getpid() and row.hostname
    assert row.started_at.replace(tzinfo=UTC) == T0
    assert row.seen_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=5)


def test_record_heartbeat_forgets_workers_silent_for_a_day(app):
    health.record_heartbeat(db.session, "old", 3, now=T0)
    health.record_heartbeat(db.session, "recent", 1, now=T0 + timedelta(hours=20))
    db.session.commit()
    health.record_heartbeat(db.session, "new", 0, now=T0 + timedelta(days=1, seconds=1))
    db.session.commit()
    assert set(db.session.scalars(select(WorkerHeartbeat.worker_id))) == {"recent", "new"}


def test_snapshot_of_an_empty_database_has_no_worker(app):
    snap = health.snapshot(db.session, now=T0)
    assert snap.last_heartbeat is None and snap.seconds_since is None
    assert (snap.live_workers, snap.lag_seconds, snap.due, snap.dead) == (0, 0.0, 0, 0)
    assert snap.problems == ["worker_silent"]


def test_snapshot_counts_live_workers_and_time_since_the_last_beat(app):
    health.record_heartbeat(db.session, "a", 1, now=T0 - timedelta(seconds=90))  # not live
    health.record_heartbeat(db.session, "b", 1, now=T0 - timedelta(seconds=30))
    health.record_heartbeat(db.session, "c", 1, now=T0 - timedelta(seconds=10))
    db.session.commit()
    snap = health.snapshot(db.session, now=T0)
    assert snap.last_heartbeat == T0 - timedelta(seconds=10)
    assert snap.seconds_since == 10.0
    assert snap.live_workers == 2
    assert snap.problems == []
    later = health.snapshot(db.session, now=T0 + timedelta(seconds=71))
    assert later.live_workers == 0 and later.problems == ["worker_silent"]


def test_queue_lag_is_the_age_of_the_oldest_due_queued_job(app):
    health.record_heartbeat(db.session, "w", 0, now=T0)
    _job("queued", T0 - timedelta(seconds=150))
    _job("queued", T0 - timedelta(seconds=20))
    _job("queued", T0 + timedelta(hours=1))        # held for later: not due, not lag
    _job("running", T0 - timedelta(hours=2))       # being worked on
    _job("done", T0 - timedelta(hours=3))
    _job("dead", T0 - timedelta(hours=4))
    _job("dead", T0 - timedelta(hours=5))
    db.session.commit()
    snap = health.snapshot(db.session, now=T0, max_lag_seconds=120)
    assert (snap.lag_seconds, snap.due, snap.dead) == (150.0, 2, 2)
    assert snap.problems == ["queue_lagging"]
    assert health.snapshot(db.session, now=T0, max_lag_seconds=200).problems == []


def test_no_due_job_means_no_lag(app):
    _job("queued", T0 + timedelta(minutes=5))
    db.session.commit()
    snap = health.snapshot(db.session, now=T0)
    assert (snap.lag_seconds, snap.due) == (0.0, 0)

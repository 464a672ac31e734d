"""Worker heartbeats and the queue's health (core.health), with the clock set by each test."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import create_app
from core import health
from core.models.heartbeat import WorkerHeartbeat
from core.models.jobs import Job
from core.timeutil import utcnow
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


# /healthz: the clock is the real one here (the route reads it), so rows are placed relative to it.

def _beat(seconds_ago: float) -> None:
    health.record_heartbeat(db.session, "w1", 0, now=utcnow() - timedelta(seconds=seconds_ago))
    db.session.commit()


def test_healthz_healthy_reports_worker_and_queue(client):
    _beat(5)
    _job("queued", utcnow() - timedelta(seconds=30))
    _job("dead", utcnow() - timedelta(hours=1))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and "problems" not in body
    assert body["version"] == client.application.config["VERSION"]
    assert body["worker"]["live_workers"] == 1 and 5 <= body["worker"]["seconds_since"] < 30
    assert datetime.fromisoformat(body["worker"]["last_heartbeat"]).tzinfo is not None
    assert body["queue"]["due"] == 1 and body["queue"]["dead"] == 1 and 30 <= body["queue"]["lag_seconds"] < 60


def test_healthz_503_when_no_worker_ever_beat_or_it_fell_silent(client):
    never = client.get("/healthz")
    assert never.status_code == 503
    assert never.get_json()["problems"] == ["worker_silent"] and never.get_json()["worker"]["last_heartbeat"] is None
    _beat(61)
    silent = client.get("/healthz")
    assert silent.status_code == 503 and silent.get_json()["status"] == "degraded"
    assert silent.get_json()["worker"]["live_workers"] == 0
    # Liveness only: the web process itself is fine.
    assert client.get("/healthz?check=db").status_code == 200
    assert set(client.get("/healthz?check=db").get_json()) == {"status", "version", "database"}


def test_healthz_503_when_the_queue_lags_past_the_setting(app, client):
    _beat(1)
    _job("queued", utcnow() - timedelta(seconds=200))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["problems"] == ["queue_lagging"]
    app.config["HEALTH_MAX_LAG_SECONDS"] = 300
    assert client.get("/healthz").status_code == 200


def test_healthz_503_when_the_database_is_down(app_config, tmp_path):
    # A database file in a directory that does not exist: SQLite cannot open it, like a server that is down.
    down = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}"})
    for url in ("/healthz", "/healthz?check=db"):
        response = down.test_client().get(url)
        assert response.status_code == 503
        body = response.get_json()
        assert body["database"] == "unavailable" and body["problems"] == ["database_unavailable"]

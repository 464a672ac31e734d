"""The worker rides out its database: every PostgreSQL backend of a running worker is terminated, twice, in the
middle of 1,000 calls (the pool's connections, the LISTEN connection and any open transaction), and every job
still completes exactly once."""
from __future__ import annotations

import json
import signal
import time

import pytest
from sqlalchemy import func, select, text

from core.models.calls import Call
from core.models.jobs import Job
from extensions import db
from tests.conftest import ARTIFACTS
from tests.lettering.test_worker_process import (
    assert_each_call_reached_the_carrier_once,
    count,
    pending_calls,
    post_dials,
    start_worker,
    wait_until,
)

TERMINATE = text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE application_name LIKE 'worker %' OR application_name = 'jobs-listen'")


@pytest.mark.postgres_only
def test_terminated_backends_mid_run_lose_nothing_and_repeat_nothing(app, sim, post_events, line, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (pg_terminate_backend)")
    sim.configure(latency_ms=5)
    ids = post_dials(post_events, 1000)
    worker = start_worker(app, sim, "--concurrency", "8", log_path=tmp_path / "worker.log")
    recoveries = []
    try:
        for threshold in (250, 600):
            wait_until(lambda t=threshold: len(sim.requests("carrier")) >= t, 60, f"{threshold} calls")
            with db.engine.connect() as conn:
                killed = conn.execute(TERMINATE).scalar()
                conn.commit()
            assert killed >= 2, "the worker's connections were not found"
            at, before = time.monotonic(), len(sim.requests("carrier"))
            done_before = count(select(func.count()).select_from(Call).where(Call.lettering_status != "pending"))
            wait_until(lambda d=done_before: count(select(func.count()).select_from(Call).where(
                Call.lettering_status != "pending")) > d + 20, 60, "the worker to record results again")
            recoveries.append(round(time.monotonic() - at, 2))
            assert len(sim.requests("carrier")) > before
        wait_until(lambda: pending_calls() == 0, 120, "every call to be lettered")
        wait_until(lambda: count(select(func.count()).select_from(Job).where(
            Job.kind == "lettering.dial", Job.status != "done")) == 0, 60, "every dial job to be done")
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0
    log = (tmp_path / "worker.log").read_text()
    assert "database unavailable" in log or "LISTEN connection lost" in log  # it really met the failure
    assert_each_call_reached_the_carrier_once(sim, ids)
    db.session.rollback()
    statuses = dict(db.session.execute(select(Call.lettering_status, func.count()).group_by(
        Call.lettering_status)).all())
    assert sum(statuses.values()) == 1000 and "failed" not in statuses and "pending" not in statuses
    assert count(select(func.count()).select_from(Job).where(Job.status.in_(("dead", "running")))) == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "worker-recovery.json").write_text(json.dumps({"recovery_seconds": recoveries}))

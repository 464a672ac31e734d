"""Periodic schedules: slots every N seconds and daily at HH:MM Asia/Seoul, each enqueued exactly once however
many workers see it; and the purges that each owner schedules."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from core.jobs import enqueue
from core.jobs.registry import Env, Registry, load_areas
from core.jobs.schedule import Scheduler, current_slot
from core.models.jobs import Job
from core.models.ratelimit import RateLimit
from core.timeutil import KST, utcnow
from extensions import db
from lettering_worker.worker import Worker


def _schedule(kind="test.tick", **how):
    registry = Registry()
    if "every" in how:
        registry.every(how["every"], kind)
    else:
        registry.daily(how["daily"], kind)
    return registry.schedules[0]


def test_an_every_slot_changes_once_per_period():
    every = _schedule(every=600)
    at = datetime(2026, 3, 2, 10, 0, 5, tzinfo=KST)
    key, start = current_slot(every, at)
    assert current_slot(every, at + timedelta(minutes=4))[0] == key
    assert current_slot(every, start + timedelta(minutes=10))[0] != key
    assert start <= at < start + timedelta(minutes=10)


def test_a_daily_slot_follows_the_korean_day_not_utc():
    daily = _schedule(daily="04:00")
    # 03:59 KST on 3 March is still the slot of 2 March's 04:00; 04:00 KST starts 3 March's.
    assert current_slot(daily, datetime(2026, 3, 3, 3, 59, tzinfo=KST))[0] == "test.tick@2026-03-02"
    key, start = current_slot(daily, datetime(2026, 3, 3, 4, 0, tzinfo=KST))
    assert key == "test.tick@2026-03-03" and start == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    # 23:59:30 KST and a minute later (15:00 UTC, the KST day boundary) are the same daily slot until 04:00.
    late = datetime(2026, 2, 28, 23, 59, 30, tzinfo=KST)
    assert current_slot(daily, late)[0] == current_slot(daily, late + timedelta(minutes=1))[0] == "test.tick@2026-02-28"


def test_two_workers_enqueue_a_slot_once(app):
    daily = _schedule(daily="03:30")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=KST)
    first, second = Scheduler([daily]), Scheduler([daily])
    assert first.enqueue_due(db.session, now) == 1
    db.session.commit()
    assert second.enqueue_due(db.session, now) == 0     # another worker already did
    db.session.commit()
    first.seen(now)
    assert first.due(now + timedelta(hours=1)) == []     # asked once per slot, not every loop
    assert first.enqueue_due(db.session, now + timedelta(days=1)) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.tick")) == 2


def test_the_worker_runs_every_areas_schedules(app, clock):
    """A worker started at 10:00 KST enqueues and runs each schedule's slot: the nightly purges too (their 03:30
    slot was missed while no worker ran)."""
    clock.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=KST))
    worker = Worker(app.config, concurrency=2)
    worker.run(once=True)
    worker.engine.dispose()
    ran = dict(db.session.execute(select(Job.kind, Job.status).where(Job.dedupe_key.is_not(None))).all())
    assert {"jobs.purge", "tasks.purge", "ratelimit.purge", "lettering.purge"} <= set(ran)
    assert set(ran) == {s.kind for s in load_areas().schedules}
    assert set(ran.values()) == {"done"}


def test_the_jobs_purge_keeps_a_week_of_done_jobs_and_a_month_of_dead_ones(app, clock):
    now = utcnow()
    for kind, status, age in [("old.done", "done", 8), ("new.done", "done", 6), ("old.dead", "dead", 31),
                              ("new.dead", "dead", 20), ("waiting", "queued", 40)]:
        job = enqueue(db.session, kind, {})
        job.status, job.finished_at = status, now - timedelta(days=age)
    db.session.commit()
    _run("jobs.purge", app)
    left = set(db.session.scalars(select(Job.kind)))
    assert left == {"new.done", "new.dead", "waiting"}


def test_the_rate_limiter_purges_its_own_rows(app):
    stale = int(utcnow().timestamp()) - 7200
    db.session.add(RateLimit(scope="verify", key_hash="a" * 64, window_start=stale, hits=3, prev_hits=0))
    db.session.commit()
    _run("ratelimit.purge", app)
    assert db.session.scalar(select(func.count()).select_from(RateLimit)) == 0


def _run(kind: str, app) -> None:
    env = Env(sessionmaker(bind=db.engine, expire_on_commit=False), dict(app.config))
    load_areas().get(kind).handler(env, {})
    db.session.expire_all()


SLOW_RUNS: list[int] = []


def _slow(env: Env, payload: dict) -> None:
    time.sleep(2.5)
    SLOW_RUNS.append(payload["n"])


def test_a_job_longer_than_its_lease_keeps_it_and_runs_once(app):
    """The worker renews its leases three times per lease, so a 2.5 s job under a 1 s lease is never taken
    again by the worker's next claim (which would run it twice)."""
    registry = Registry()
    registry.handler("test.slow")(_slow)
    SLOW_RUNS.clear()
    enqueue(db.session, "test.slow", {"n": 1})
    db.session.commit()
    worker = Worker(app.config, concurrency=2, lease_seconds=1, registry=registry)
    worker.run(once=True)
    worker.engine.dispose()
    assert SLOW_RUNS == [1]
    assert db.session.scalar(select(Job.attempts).where(Job.kind == "test.slow")) == 1


def test_a_worker_leaves_kinds_it_does_not_know_to_workers_that_do(app):
    """During a rolling upgrade an older worker meets a job kind of the new release: it must not fail it."""
    enqueue(db.session, "a.newer.kind", {})
    db.session.commit()
    worker = Worker(app.config, concurrency=1, registry=Registry())
    worker.run(once=True)
    worker.engine.dispose()
    job = db.session.scalar(select(Job).where(Job.kind == "a.newer.kind"))
    assert job.status == "queued" and job.attempts == 0

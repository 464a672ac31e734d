"""The durable queue on the real database: run-at, leases, backoff, dead jobs, retry, concurrent claims."""
import threading
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from core import jobs
from core.jobs.waker import Waker
from core.models.jobs import Job
from core.timeutil import as_utc, utcnow
from extensions import db


def fresh(job_id: int) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def add(kind="test.job", run_at=None, max_attempts=3) -> int:
    job = jobs.enqueue(db.session, kind, {"n": 1}, run_at=run_at, max_attempts=max_attempts)
    db.session.commit()
    return job.id


def test_only_due_jobs_are_claimed_in_order(app):
    later = add(run_at=utcnow() + timedelta(minutes=5))
    first, second = add(), add()
    claimed = jobs.claim(db.session, "w1", limit=10)
    assert [j.id for j in claimed] == [first, second]
    assert all(j.attempts == 1 for j in claimed)
    assert fresh(later).status == "queued"
    job = fresh(first)
    assert (job.status, job.locked_by) == ("running", "w1")
    assert as_utc(job.lease_until) > utcnow()
    assert jobs.claim(db.session, "w2", limit=10) == []


def test_complete_only_counts_for_the_lease_holder(app):
    job_id = add()
    jobs.claim(db.session, "w1")
    assert jobs.complete(db.session, [job_id], "w2") == 0
    assert jobs.complete(db.session, [job_id], "w1") == 1
    db.session.commit()
    job = fresh(job_id)
    assert (job.status, job.lease_until) == ("done", None)
    assert job.finished_at is not None


def test_an_expired_lease_is_taken_by_another_worker(app):
    job_id = add()
    jobs.claim(db.session, "killed-worker", lease_seconds=30)
    assert jobs.claim(db.session, "w2") == []
    db.session.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    claimed = jobs.claim(db.session, "w2")
    assert [(j.id, j.attempts) for j in claimed] == [(job_id, 2)]
    assert jobs.complete(db.session, [job_id], "killed-worker") == 0  # the old worker lost it


def test_failures_back_off_then_the_job_dies_and_can_be_retried(app):
    job_id = add(max_attempts=3)
    delays = []
    for attempt in (1, 2):
        [claimed] = jobs.claim(db.session, "w1")
        assert claimed.attempts == attempt
        assert jobs.fail(db.session, claimed, "w1", f"boom {attempt}") == "queued"
        db.session.commit()
        job = fresh(job_id)
        # Measured from the moment fail() recorded (updated_at), not from now: a loaded machine must not
        # eat into a short jittered delay.
        delays.append((as_utc(job.run_at) - as_utc(job.updated_at)).total_seconds())
        assert job.last_error == f"boom {attempt}"
        db.session.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow()))
        db.session.commit()
    assert 0 < delays[0] <= jobs.BACKOFF_BASE_SECONDS
    assert 0 < delays[1] <= jobs.BACKOFF_BASE_SECONDS * 2
    [claimed] = jobs.claim(db.session, "w1")
    assert jobs.fail(db.session, claimed, "w1", "boom 3") == "dead"
    db.session.commit()
    assert fresh(job_id).status == "dead"
    assert jobs.counts(db.session)["dead"] == 1
    assert jobs.claim(db.session, "w1") == []
    assert jobs.retry_dead(db.session, job_id) is True
    db.session.commit()
    job = fresh(job_id)
    assert (job.status, job.attempts) == ("queued", 0)
    assert jobs.retry_dead(db.session, job_id) is False  # only dead jobs
    assert [j.id for j in jobs.claim(db.session, "w1")] == [job_id]


def test_backoff_grows_exponentially_with_jitter():
    for attempts in range(1, 8):
        ceiling = jobs.BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)
        values = {jobs.backoff_seconds(attempts) for _ in range(50)}
        assert all(ceiling / 10 <= v <= ceiling for v in values)
        assert len(values) > 1
    assert jobs.backoff_seconds(40) <= jobs.BACKOFF_CAP_SECONDS


def test_a_permanent_failure_dies_at_once(app):
    job_id = add(max_attempts=5)
    [claimed] = jobs.claim(db.session, "w1")
    assert jobs.fail(db.session, claimed, "w1", "no handler", permanent=True) == "dead"
    db.session.commit()
    assert fresh(job_id).status == "dead"


def test_defer_and_release_do_not_count_attempts(app):
    deferred, released = add(), add()
    first, _ = jobs.claim(db.session, "w1", limit=2)
    jobs.defer(db.session, first, "w1", utcnow() + timedelta(seconds=30), "waiting")
    assert jobs.release(db.session, "w1") == 1
    db.session.commit()
    job = fresh(deferred)
    assert (job.status, job.attempts, job.last_error) == ("queued", 0, "waiting")
    assert as_utc(job.run_at) > utcnow()
    job = fresh(released)
    assert (job.status, job.attempts, job.locked_by) == ("queued", 0, "")
    assert [j.id for j in jobs.claim(db.session, "w2")] == [released]


def test_concurrent_claimers_never_share_a_job(app):
    """Eight threads with their own connections race for 400 jobs; every job is taken exactly once."""
    jobs.enqueue_many(db.session, [("test.job", {"n": i}) for i in range(400)])
    db.session.commit()
    factory = sessionmaker(bind=db.engine)
    taken: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while True:
            with factory() as session:
                claimed = jobs.claim(session, name, limit=7)
            if not claimed:
                return
            with lock:
                taken.extend(j.id for j in claimed)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 400
    assert len(set(taken)) == 400


def test_waker_polls_sqlite_quickly_and_hears_postgres_notify(app):
    waker = Waker(db.engine)
    try:
        if db.engine.dialect.name == "postgresql":
            assert waker.wait(0) is False
            add()  # NOTIFY is sent with the enqueuing transaction's commit
            assert waker.wait(5) is True
        else:
            assert waker.wait(10) is False  # returns after the 50 ms poll, not after 10 s
        waker.poke()
        assert waker.wait(5) is True
    finally:
        waker.close()

"""The worker loop: the project's one worker process, for every area's jobs (``core.jobs.registry``).

One loop thread claims due jobs for a thread pool (at most two per thread, so a job is leased only shortly
before a thread runs it), records the outcomes in batches, enqueues the periodic schedules' slots, and every
few seconds beats: it records its heartbeat (``/healthz``) and renews the leases it holds, so a long job keeps
its lease while a killed worker's jobs come back within one lease. A crash before an outcome is recorded only
makes a handler run again, and every handler is idempotent.

The database may go away under it (a restart, ``pg_terminate_backend``, a locked SQLite file): a failed claim
or write is retried with backoff, outcomes not yet written are kept until they are, and the LISTEN connection
reconnects (``core.jobs.waker``). ``stop()`` (SIGTERM) stops claiming, lets the jobs in flight finish, and
releases any lease still held.
"""
from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import sessionmaker

from core import health, jobs
from core.db import engine_options
from core.jobs import Defer, PermanentError, Record
from core.jobs.registry import Env, Registry, load_areas
from core.jobs.schedule import Scheduler
from core.jobs.waker import Waker
from core.timeutil import as_utc, utcnow

log = logging.getLogger("worker")
IDLE_WAIT_S = 1.0
BEAT_EVERY_S = 5.0
CHECKPOINT_EVERY_S = 1.0
DB_RETRY_MIN_S, DB_RETRY_MAX_S = 0.2, 10.0


def _database_down(exc: Exception) -> bool:
    """A lost connection or an unavailable database, as opposed to a fault of one job's result."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


class Worker:
    def __init__(self, settings: dict, concurrency: int | None = None, worker_id: str | None = None,
                 lease_seconds: int = jobs.LEASE_SECONDS, registry: Registry | None = None) -> None:
        self.settings = settings
        self.lease_seconds = lease_seconds
        self.concurrency = max(1, int(concurrency or settings.get("WORKER_CONCURRENCY", 4)))
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        url = settings["DATABASE_URL"]
        options = engine_options(url)
        if not url.startswith("sqlite"):  # name the connections, so an operator sees whose they are
            options["connect_args"] = {**options.get("connect_args", {}), "application_name": f"worker {self.id}"[:63]}
        # Every pool thread and the loop thread may hold a connection at once.
        self.engine = create_engine(url, **{**options, "pool_size": self.concurrency + 2, "max_overflow": 4})
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.registry = registry or load_areas()
        self.env = Env(factory=self.factory, settings=settings)
        self.scheduler = Scheduler(self.registry.schedules)
        self._kinds = tuple(sorted(self.registry.kinds))
        self._stop = threading.Event()
        self._results: queue.Queue = queue.Queue()
        self._unrecorded: list[tuple[jobs.ClaimedJob, object]] = []
        self._in_flight = 0
        self._beat_at = 0.0
        # Renew well inside the lease: three beats per lease, so one late beat never lets a lease lapse.
        self.beat_every = min(BEAT_EVERY_S, lease_seconds / 3)
        self._db_delay = 0.0
        self.processed = 0

    def stop(self) -> None:
        self._stop.set()
        if hasattr(self, "_waker"):
            self._waker.poke()

    # -- running one job on a pool thread ---------------------------------------------------------
    def _run(self, job: jobs.ClaimedJob) -> None:
        kind = self.registry.get(job.kind)
        try:
            if kind is None:
                raise PermanentError(f"no handler for {job.kind}")
            outcome = kind.handler(self.env, job.payload)
        except Exception as exc:
            if not isinstance(exc, (jobs.TransientError, PermanentError)):
                log.exception("job %d (%s) failed", job.id, job.kind)
            outcome = exc
        self._results.put((job, outcome))
        self._waker.poke()

    # -- recording outcomes in the loop thread -----------------------------------------------------
    def _record(self) -> None:
        """Write every outcome that has arrived (and any the database refused before)."""
        while True:
            try:
                self._unrecorded.append(self._results.get_nowait())
            except queue.Empty:
                break
        if not self._unrecorded:
            return
        batch, self._unrecorded = self._unrecorded, []
        pending = list(batch)  # what is not written yet goes back to _unrecorded, whatever happens
        try:
            done = [(j, o) for j, o in batch if o is None or isinstance(o, Record)]
            others = [(j, o) for j, o in batch if not (o is None or isinstance(o, Record))]
            try:
                self._write(done, others)
                pending = []
            except Exception as exc:
                if _database_down(exc):
                    raise
                log.exception("recording %d results together failed; recording them one by one", len(batch))
                while pending:
                    self._write_alone(pending[0])
                    pending.pop(0)
        finally:
            self._unrecorded = pending + self._unrecorded
            written = len(batch) - len(pending)
            self._in_flight -= written
            self.processed += written

    def _write_alone(self, item: tuple[jobs.ClaimedJob, object]) -> None:
        job, outcome = item
        is_done = outcome is None or isinstance(outcome, Record)
        try:
            self._write(*(([item], []) if is_done else ([], [item])))
        except Exception as exc:
            if _database_down(exc):
                raise
            log.exception("job %d (%s): recording its result failed", job.id, job.kind)
            with self.factory() as session:
                jobs.fail(session, job, self.id, f"recording failed: {type(exc).__name__}")
                session.commit()

    def _write(self, done: list, others: list) -> None:
        """Results, job completions, retries and deferrals of a batch in one transaction."""
        dead = []
        with self.factory() as session:
            rows: dict[object, list[dict]] = {}
            for job, outcome in done:
                if isinstance(outcome, Record):
                    written = outcome.apply(session)
                    kind = self.registry.get(job.kind)
                    if written and kind is not None and kind.batch_insert is not None:
                        rows.setdefault(kind.batch_insert, []).extend(written)
            for statement, values in rows.items():
                session.execute(statement, values)
            jobs.complete(session, [job.id for job, _ in done], self.id)
            for job, outcome in others:
                if isinstance(outcome, Defer):
                    jobs.defer(session, job, self.id, outcome.run_at, outcome.note)
                elif isinstance(outcome, PermanentError):
                    jobs.fail(session, job, self.id, str(outcome), permanent=True)
                    dead.append((job, str(outcome)))
                else:
                    retry_in = getattr(outcome, "retry_after", None)
                    message = f"{type(outcome).__name__}: {outcome}"
                    if jobs.fail(session, job, self.id, message, retry_in=retry_in) == "dead":
                        dead.append((job, message))
            session.commit()
        for job, message in dead:
            log.warning("job %d (%s) is dead: %s", job.id, job.kind, message)
            kind = self.registry.get(job.kind)
            if kind is not None and kind.on_dead is not None:
                kind.on_dead(self.env, job.kind, job.payload, message)

    def _claim(self) -> list[jobs.ClaimedJob]:
        """Keep up to two jobs per thread leased (one running, one waiting), refilling when half are used:
        fewer, larger claims leave the loop thread time to record results."""
        if self._in_flight > self.concurrency:
            return []
        free = 2 * self.concurrency - self._in_flight
        with self.factory() as session:
            # Only kinds this worker knows: during a rolling upgrade an older worker leaves a new kind to the
            # new workers instead of failing it.
            claimed = jobs.claim(session, self.id, limit=free, lease_seconds=self.lease_seconds,
                                 kinds=self._kinds)
        self._in_flight += len(claimed)
        return claimed

    # -- the periodic parts of the loop ------------------------------------------------------------
    def _schedule(self) -> None:
        now = utcnow()
        if not self.scheduler.due(now):
            return
        with self.factory() as session:
            added = self.scheduler.enqueue_due(session, now)
            session.commit()
        self.scheduler.seen(now)
        if added:
            log.debug("enqueued %d scheduled jobs", added)

    def _beat(self) -> None:
        """Every few seconds: the heartbeat, and the leases of every job this worker holds."""
        if time.monotonic() - self._beat_at < self.beat_every:
            return
        with self.factory() as session:
            health.record_heartbeat(session, self.id, self.processed)
            jobs.renew(session, self.id, self.lease_seconds)
            session.commit()
        self._beat_at = time.monotonic()

    def _checkpoint_loop(self) -> None:
        """SQLite only: copy the WAL back into the database every second from this side thread, so that
        no committing request (ingest, a batch of results) pays for a big automatic checkpoint."""
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:
                log.debug("WAL checkpoint postponed", exc_info=True)

    def _idle_timeout(self) -> float:
        """How long to sleep when nothing is due: until the next scheduled job, at most a second."""
        with self.factory() as session:
            upcoming = jobs.next_run_at(session)
        if upcoming is None:
            return IDLE_WAIT_S
        return max(0.0, min(IDLE_WAIT_S, (as_utc(upcoming) - utcnow()) / timedelta(seconds=1)))

    def _step(self, pool: ThreadPoolExecutor, once: bool) -> bool:
        """One turn of the loop; False when ``once`` is done."""
        self._record()
        self._beat()
        self._schedule()
        claimed = self._claim()
        for job in claimed:
            pool.submit(self._run, job)
        if claimed:
            return True
        if once and self._in_flight == 0:
            return False  # every result is recorded and nothing more is due
        self._waker.wait(0.05 if self._in_flight else self._idle_timeout())
        return True

    def _database_failed(self, exc: Exception) -> None:
        """Wait before the next turn, longer each time the database fails in a row (with jitter)."""
        self._db_delay = min(DB_RETRY_MAX_S, max(DB_RETRY_MIN_S, self._db_delay * 2))
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:200]
        log.warning("database unavailable (%s: %s); retrying in %.1f s", type(exc).__name__, reason, self._db_delay)
        self._stop.wait(random.uniform(self._db_delay / 2, self._db_delay))

    def run(self, once: bool = False) -> int:
        """Work until stopped (or, with ``once``, until no job is due). Returns the jobs processed."""
        self._waker = Waker(self.engine)
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="job")
        if self.engine.dialect.name == "sqlite":
            threading.Thread(target=self._checkpoint_loop, daemon=True, name="wal-checkpoint").start()
        log.info("worker %s started (concurrency %d; %d job kinds, %d schedules)", self.id, self.concurrency,
                 len(self.registry.kinds), len(self.registry.schedules))
        try:
            while not self._stop.is_set():
                try:
                    if not self._step(pool, once):
                        break
                    if self._db_delay:
                        log.info("database available again")
                        self._db_delay = 0.0
                except Exception as exc:
                    if not _database_down(exc):
                        raise
                    self._database_failed(exc)
        finally:
            # SIGTERM: the jobs in flight finish; leased jobs not started yet are released below.
            pool.shutdown(wait=True, cancel_futures=True)
            released = self._shut_down()
            self._waker.close()
            log.info("worker %s stopped (%d jobs processed, %d leases released)", self.id, self.processed,
                     released)
        return self.processed

    def _shut_down(self) -> int:
        """Record what finished and release the rest; a database that is down leaves the leases to expire."""
        try:
            self._record()
            with self.factory() as session:
                released = jobs.release(session, self.id)
                session.commit()
            return released
        except Exception as exc:
            if not _database_down(exc):
                raise
            log.warning("database unavailable at shutdown; leases expire in %d s", self.lease_seconds)
            return 0

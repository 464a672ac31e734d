"""The worker loop: claim due jobs with a lease, run their handlers on a thread pool, record outcomes.

One loop thread claims jobs for the thread pool (at most two per thread, so a job is leased only
shortly before a thread runs it). Finished jobs are marked done in batches (a crash before that only makes a
handler run again, and every handler is idempotent). ``stop()`` (SIGTERM) stops claiming, lets the
jobs in flight finish, and releases any lease still held.
"""
from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core import jobs
from core.db import engine_options
from core.lettering import dispatch, retention
from core.lettering.dispatch import Context, Defer, PermanentError, Record, TransientError
from core.timeutil import as_utc, utcnow
from lettering_worker.providers.carrier import CarrierClient
from lettering_worker.providers.kakao import KakaoClient

log = logging.getLogger("lettering.worker")
IDLE_WAIT_S = 1.0
PURGE_EVERY_S = 3600
CHECKPOINT_EVERY_S = 1.0


def build_context(settings: dict, clock=None) -> Context:
    carrier = CarrierClient(settings["CARRIER_BASE_URL"], settings["CARRIER_API_KEY"])
    kakao = KakaoClient(settings["KAKAO_BASE_URL"], settings["KAKAO_APP_KEY"], settings["KAKAO_SECRET_KEY"])
    return Context(settings=settings, carrier=carrier, kakao=kakao, **({"clock": clock} if clock else {}))


class Worker:
    def __init__(self, settings: dict, concurrency: int | None = None, context: Context | None = None,
                 worker_id: str | None = None, lease_seconds: int = jobs.LEASE_SECONDS) -> None:
        self.settings = settings
        self.lease_seconds = lease_seconds
        self.concurrency = max(1, int(concurrency or settings.get("WORKER_CONCURRENCY", 4)))
        url = settings["DATABASE_URL"]
        # Every pool thread and the loop thread may hold a connection at once.
        self.engine = create_engine(url, **{**engine_options(url), "pool_size": self.concurrency + 2,
                                            "max_overflow": 4})
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.ctx = context or build_context(settings)
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._results: queue.Queue = queue.Queue()
        self._in_flight = 0
        self.processed = 0
        self._purged_at = 0.0

    def stop(self) -> None:
        self._stop.set()
        if hasattr(self, "_waker"):
            self._waker.poke()

    # -- running one job on a pool thread ---------------------------------------------------------
    def _run(self, job: jobs.ClaimedJob) -> None:
        handler = dispatch.HANDLERS.get(job.kind)
        try:
            if handler is None:
                raise PermanentError(f"no handler for {job.kind}")
            outcome = handler(self.factory, self.ctx, job.payload)
        except TransientError as exc:
            outcome = exc
        except PermanentError as exc:
            outcome = exc
        except Exception as exc:  # any other failure is retried with backoff, then dead
            log.exception("job %d (%s) failed", job.id, job.kind)
            outcome = exc
        self._results.put((job, outcome))
        self._waker.poke()

    # -- recording outcomes in the loop thread -----------------------------------------------------
    def _record(self) -> None:
        done, others = [], []
        while True:
            try:
                job, outcome = self._results.get_nowait()
            except queue.Empty:
                break
            self._in_flight -= 1
            (done if outcome is None or isinstance(outcome, Record) else others).append((job, outcome))
        if not done and not others:
            return
        try:
            self._write(done, others)
        except Exception:  # one bad result must not lose the others: write them one by one
            log.exception("recording %d results together failed; recording them one by one", len(done) + len(others))
            for item in done + others:
                try:
                    self._write(*(([item], []) if item in done else ([], [item])))
                except Exception as exc:
                    log.exception("job %d (%s): recording its result failed", item[0].id, item[0].kind)
                    with self.factory() as session:
                        jobs.fail(session, item[0], self.id, f"recording failed: {type(exc).__name__}")
                        session.commit()
        self.processed += len(done) + len(others)

    def _write(self, done: list, others: list) -> None:
        """Results, job completions, retries and deferrals of a batch in one transaction."""
        dead = []
        with self.factory() as session:
            timeline = [row for _job, outcome in done if isinstance(outcome, Record) for row in outcome.apply(session)]
            if timeline:
                session.execute(dispatch.LOG_INSERT, timeline)
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
            dispatch.on_dead(self.factory, self.ctx, job.kind, job.payload, message)

    def _claim(self) -> list[jobs.ClaimedJob]:
        """Keep up to two jobs per thread leased (one running, one waiting), refilling when half are used:
        fewer, larger claims leave the loop thread time to record results."""
        if self._in_flight > self.concurrency:
            return []
        free = 2 * self.concurrency - self._in_flight
        with self.factory() as session:
            claimed = jobs.claim(session, self.id, limit=free, lease_seconds=self.lease_seconds)
        self._in_flight += len(claimed)
        return claimed

    def _purge_when_due(self) -> None:
        """The retention purge, once an hour, from the loop thread."""
        if time.monotonic() - self._purged_at < PURGE_EVERY_S and self._purged_at:
            return
        self._purged_at = time.monotonic()
        with self.factory() as session:
            counts = retention.purge(session, int(self.settings.get("RETENTION_DAYS", 30)))
            session.commit()
        if any(counts.values()):
            log.info("retention purge: %s", counts)

    def _checkpoint_loop(self) -> None:
        """SQLite only: copy the WAL back into the database every second from this side thread, so that
        no committing request (ingest, a batch of results) pays for a big automatic checkpoint."""
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # a busy database only postpones the checkpoint
                log.debug("WAL checkpoint postponed", exc_info=True)

    def _idle_timeout(self) -> float:
        """How long to sleep when nothing is due: until the next scheduled job, at most a second."""
        with self.factory() as session:
            upcoming = jobs.next_run_at(session)
        if upcoming is None:
            return IDLE_WAIT_S
        return max(0.0, min(IDLE_WAIT_S, (as_utc(upcoming) - utcnow()) / timedelta(seconds=1)))

    def run(self, once: bool = False) -> int:
        """Work until stopped (or, with ``once``, until no job is due). Returns the jobs processed."""
        self._waker = jobs.Waker(self.engine)
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="lettering")
        if self.engine.dialect.name == "sqlite":
            threading.Thread(target=self._checkpoint_loop, daemon=True, name="wal-checkpoint").start()
        log.info("worker %s started (concurrency %d)", self.id, self.concurrency)
        try:
            self._purge_when_due()
            while not self._stop.is_set():
                self._record()
                claimed = self._claim()
                for job in claimed:
                    pool.submit(self._run, job)
                if claimed:
                    continue
                if once and self._in_flight == 0:
                    break  # every result is recorded and nothing more is due
                if not self._in_flight:
                    self._purge_when_due()
                timeout = 0.05 if self._in_flight else self._idle_timeout()
                self._waker.wait(timeout)
        finally:
            # SIGTERM: the jobs in flight finish; leased jobs not started yet are released below.
            pool.shutdown(wait=True, cancel_futures=True)
            self._record()
            with self.factory() as session:
                released = jobs.release(session, self.id)
                session.commit()
            self._waker.close()
            log.info("worker %s stopped (%d jobs processed, %d leases released)", self.id, self.processed,
                     released)
        return self.processed

"""The one job runtime of the project: a durable queue in the database (``queue``), what handlers answer
(``outcomes``), the registry of kinds and schedules that every area fills in (``registry``), periodic slots
(``schedule``) and the worker's wait for work (``waker``). The worker process is ``python -m lettering_worker``.

``from core import jobs`` gives the queue's functions (``jobs.enqueue``, ``jobs.claim``, …) and the outcome
types, which is what areas and the console need."""
from core.jobs.outcomes import Defer, Outcome, PermanentError, Record, TransientError
from core.jobs.queue import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    LEASE_SECONDS,
    ClaimedJob,
    backlog,
    backoff_seconds,
    claim,
    complete,
    counts,
    defer,
    enqueue,
    enqueue_many,
    fail,
    next_run_at,
    notify,
    purge_finished,
    release,
    renew,
    retry_dead,
)

__all__ = [
    "BACKOFF_BASE_SECONDS", "BACKOFF_CAP_SECONDS", "DEFAULT_MAX_ATTEMPTS", "LEASE_SECONDS", "ClaimedJob", "Defer",
    "Outcome", "PermanentError", "Record", "TransientError", "backlog", "backoff_seconds", "claim", "complete",
    "counts", "defer", "enqueue", "enqueue_many", "fail", "next_run_at", "notify", "purge_finished", "release",
    "renew", "retry_dead",
]

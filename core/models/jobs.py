"""The durable job queue (``core.jobs`` works it; ``python -m lettering_worker`` runs it).

``Job`` (table ``jobs``):
  - ``kind``: the handler's name, e.g. ``lettering.dial``; ``payload``: its JSON arguments.
  - ``run_at``: not before this time (backoff and quiet-hour holds move it forward).
  - ``status``: queued | running | done | dead. A job is dead after ``max_attempts`` failed attempts;
    the console lists dead jobs and ``core.jobs.retry_dead(session, job_id)`` queues one again.
  - ``attempts``: attempts started so far; ``max_attempts``.
  - ``lease_until`` / ``locked_by``: while running, the claiming worker's lease. A lease that expires
    (the worker was killed) makes the job claimable again.
  - ``last_error``: the last failure, short, never a citizen's number.
  - ``dedupe_key``: set on a periodic schedule's job (``kind@slot``), unique, so each slot runs once.
  - ``created_at``, ``updated_at``, ``finished_at``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow

JOB_STATUSES = ("queued", "running", "done", "dead")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str | None] = mapped_column(String(96), unique=True)

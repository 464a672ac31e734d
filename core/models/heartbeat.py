"""Worker heartbeats (``core.health`` writes and reads them; ``/healthz`` and ``/metrics`` report them).

``WorkerHeartbeat`` (table ``worker_heartbeats``), one row per running worker process:
  - ``worker_id``: the worker's own id (e.g. ``host:pid:random``), the same as ``Job.locked_by``.
  - ``hostname``, ``pid``: where it runs, for the operator reading the table.
  - ``started_at``: its first beat; ``seen_at``: its latest beat.
  - ``jobs_processed``: jobs it has finished since it started, as it last reported.
Rows not seen for a day are deleted by the next beat of any worker.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    jobs_processed: Mapped[int] = mapped_column(Integer, default=0)

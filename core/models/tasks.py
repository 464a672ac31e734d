"""Console tasks (imports, conversions): what was asked, its progress and its result (``core.tasks``).

``params`` and ``upload`` are the task's input (the uploaded file travels in the database, so that a worker on
another host can read it; it is dropped when the task ends); ``result`` is its report."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base
from core.timeutil import utcnow


class TaskRun(Base):
    __tablename__ = "task_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    label: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    params: Mapped[dict | None] = mapped_column(JSON, default=dict)
    upload: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def percent(self) -> int:
        return 100 if self.status == "done" else (int(self.done * 100 / self.total) if self.total else 0)

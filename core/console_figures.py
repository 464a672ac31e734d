"""Today's figures for the console's home page; "today" is the Asia/Seoul calendar day.

- calls, lettering and AlimTalk: as the statistics page counts them (``core.lettering.stats``), so a figure
  and the page it links to agree; the lettering rate is the share of today's calls the carrier displayed
  (``accepted``), None when there were no calls;
- jobs: the durable queue now (queued, running, dead), whatever the day;
- imports: console imports (``TaskRun`` kinds ending in ``_import``) started today, and how many failed;
- accounts and today's audit entries.
Calls belong to departments, so a department admin's figures cover their own department only; the queue,
imports, accounts and audit are city-wide and shown to admins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.jobs import counts as job_counts
from core.lettering.stats import daily_stats, kst_bounds
from core.models.accounts import AuditLog, User
from core.models.tasks import TaskRun
from core.timeutil import to_kst, utcnow


@dataclass(frozen=True)
class TodayFigures:
    day: date
    calls: int
    accepted: int
    alimtalk_sent: int
    alimtalk_delivered: int
    alimtalk_failed: int
    jobs: dict[str, int]
    imports: dict[str, int] = field(default_factory=dict)   # kind -> started today
    imports_failed: int = 0
    accounts: int = 0
    audit_entries: int = 0

    @property
    def lettering_rate(self) -> float | None:
        return self.accepted / self.calls if self.calls else None

    @property
    def imports_total(self) -> int:
        return sum(self.imports.values())


def kst_today(now: datetime | None = None) -> date:
    return to_kst(now or utcnow()).date()


def today_figures(session: Session, *, now: datetime | None = None,
                  department_id: int | None = None) -> TodayFigures:
    """The figures of the KST day containing ``now``; calls only of ``department_id`` when given."""
    day = kst_today(now)
    start, end = kst_bounds(day, day)
    stats = daily_stats(session, day, day, department_id)
    imports: dict[str, int] = {}
    failed = 0
    rows = session.execute(select(TaskRun.kind, TaskRun.status, func.count())
                           .where(TaskRun.kind.endswith("_import"), TaskRun.created_at >= start,
                                  TaskRun.created_at < end)
                           .group_by(TaskRun.kind, TaskRun.status))
    for kind, status, count in rows:
        imports[kind] = imports.get(kind, 0) + count
        failed += count if status == "failed" else 0
    return TodayFigures(
        day=day, calls=stats.total("calls"), accepted=stats.total("accepted"),
        alimtalk_sent=stats.total("alimtalk_sent"), alimtalk_delivered=stats.total("alimtalk_delivered"),
        alimtalk_failed=stats.total("alimtalk_failed"), jobs=job_counts(session), imports=imports,
        imports_failed=failed, accounts=int(session.scalar(select(func.count(User.id))) or 0),
        audit_entries=int(session.scalar(select(func.count(AuditLog.id))
                                         .where(AuditLog.at >= start, AuditLog.at < end)) or 0))

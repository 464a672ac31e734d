"""Provider health for the console and ``/metrics``: the carrier's and Kakao's error rates and answer times
over the last hour and day, dead jobs by cause, and how late delivery reports come.

Windows are by the call's creation time, through the indexed ``calls.created_at``, so a page view or a scrape
reads a day of calls at most (about 6,000 outgoing on a city's weekday), never the whole table.
- carrier: every call that reached the carrier (lettering_status accepted, unsupported_device,
  not_subscriber or failed); an error is ``failed`` (timeouts, 5xx after the retries, 4xx);
- Kakao: every AlimTalk that reached the provider; an error is a failed report, a template error or an
  error (the provider's -9000 or 5xx until the job gave up). A citizen without KakaoTalk is not the
  provider's error;
- latency: ``calls.carrier_latency_ms`` / ``alimtalk_latency_ms``, retries included (nearest-rank
  percentiles);
- report lag: from our send (Kakao) or the call (carrier) to the time the provider's report names, and the
  AlimTalks still waiting for a report.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.lettering.reports import KAKAO_LABELS, RECEIPT_LABELS
from core.models.calls import Call, CallLog
from core.models.jobs import Job
from core.timeutil import as_utc, utcnow

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
QUANTILES = (50, 95, 99)
CARRIER_REQUESTS = ("accepted", "unsupported_device", "not_subscriber", "failed")
CARRIER_ERRORS = ("failed",)
KAKAO_REQUESTS = ("sent", "delivered", "failed", "not_kakao_user", "template_error", "error")
KAKAO_ERRORS = ("failed", "template_error", "error")
DEAD_CAUSES_SHOWN = 20


def percentile(values: list[int], q: float) -> int | None:
    """Nearest-rank percentile of ``values`` (None for no values): p50 of 1..10 is 5, p95 is 10."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Window:
    requests: int
    errors: int
    latency_ms: dict[int, int | None]      # quantile -> ms

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class DeadCause:
    kind: str
    cause: str
    count: int


@dataclass
class Health:
    carrier: dict[str, Window] = field(default_factory=dict)
    kakao: dict[str, Window] = field(default_factory=dict)
    dead: list[DeadCause] = field(default_factory=list)
    report_lag_s: dict[str, dict[int, int | None]] = field(default_factory=dict)   # provider -> quantile -> s
    awaiting_reports: int = 0
    oldest_awaiting_s: int | None = None


def _window(session: Session, status, statuses: tuple[str, ...], errors: tuple[str, ...], latency,
            since: datetime, now: datetime) -> Window:
    recent = (Call.created_at >= since, Call.created_at <= now, status.in_(statuses))
    counts = dict(session.execute(select(status, func.count()).where(*recent).group_by(status)).all())
    times = list(session.scalars(select(latency).where(*recent, latency.is_not(None))))
    return Window(sum(counts.values()), sum(counts.get(s, 0) for s in errors),
                  {q: percentile(times, q) for q in QUANTILES})


def dead_cause(error: str) -> str:
    """A dead job's error, grouped: its first line without ids and numbers (``unknown call c-1`` and
    ``unknown call c-2`` are one cause)."""
    first = (error or "").strip().splitlines()[0] if (error or "").strip() else "—"
    return re.sub(r"[\w.-]*\d[\w.-]*", "#", first)[:80]


def _lags(session: Session, since: datetime, now: datetime, labels: list[str], sent) -> list[int]:
    rows = session.execute(select(sent, func.min(CallLog.at)).join(CallLog, CallLog.call_pk == Call.id)
                           .where(Call.created_at >= since, Call.created_at <= now, sent.is_not(None),
                                  CallLog.kind == "receipt", CallLog.summary.in_(labels))
                           .group_by(Call.id, sent)).all()
    return [max(int((as_utc(at) - as_utc(start)).total_seconds()), 0) for start, at in rows if at and start]


def provider_health(session: Session, now: datetime | None = None) -> Health:
    now = as_utc(now) if now else utcnow()
    health = Health()
    for name, span in WINDOWS.items():
        since = now - span
        health.carrier[name] = _window(session, Call.lettering_status, CARRIER_REQUESTS, CARRIER_ERRORS,
                                       Call.carrier_latency_ms, since, now)
        health.kakao[name] = _window(session, Call.alimtalk_status, KAKAO_REQUESTS, KAKAO_ERRORS,
                                     Call.alimtalk_latency_ms, since, now)
    causes: Counter[tuple[str, str]] = Counter()
    for kind, error in session.execute(select(Job.kind, Job.last_error).where(Job.status == "dead").limit(10_000)):
        causes[(kind, dead_cause(error))] += 1
    health.dead = [DeadCause(k, c, n) for (k, c), n in causes.most_common(DEAD_CAUSES_SHOWN)]
    day = now - WINDOWS["day"]
    kakao = _lags(session, day, now, list(KAKAO_LABELS.values()), Call.alimtalk_sent_at)
    carrier = _lags(session, day, now, list(RECEIPT_LABELS.values()), Call.created_at)
    health.report_lag_s = {"kakao": {q: percentile(kakao, q) for q in QUANTILES},
                           "carrier": {q: percentile(carrier, q) for q in QUANTILES}}
    waiting = (Call.alimtalk_status == "sent", Call.created_at >= now - timedelta(hours=72))
    count, oldest = session.execute(select(func.count(), func.min(Call.alimtalk_sent_at)).where(*waiting)).one()
    health.awaiting_reports = int(count or 0)
    health.oldest_awaiting_s = max(int((now - as_utc(oldest)).total_seconds()), 0) if oldest else None
    return health

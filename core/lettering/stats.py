"""Smart Lettering counts per KST day, for the console's charts.

Definitions (docs/lettering-console.md):
- calls: calls received from the PBX (by the time ingest first saw them); outgoing and incoming split them
  (an incoming call is a citizen calling a city line);
- lettering: the carrier's answer (accepted, unsupported_device, not_subscriber); holdout: calls left
  unlettered on purpose (core.lettering.holdout);
- lettered_* / holdout_*: finished calls of each arm of core.lettering.lift and those answered, for the
  answer rate by period;
- AlimTalk sent: the provider accepted the message (sent, delivered or later failed);
  delivered: the provider's report said DELIVERED; failed: a failed report, a non-KakaoTalk user,
  a template error or a send error (messages dropped by policy are not failures);
- opt-outs: opt-outs entered that day; visits and clicks: landing-page events.
Opt-outs and landing-page events belong to no department, so they are always city-wide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.models.calls import Call
from core.models.lettering import CampaignEvent, OptOut
from core.timeutil import KST

SERIES = ("calls", "outgoing", "incoming", "accepted", "unsupported_device", "not_subscriber", "holdout",
          "alimtalk_sent", "alimtalk_delivered", "alimtalk_failed", "optouts", "visits", "clicks",
          "lettered_finished", "lettered_answered", "holdout_finished", "holdout_answered")
ARM_STATUSES = ("accepted", "unsupported_device", "not_subscriber", "failed")  # core.lettering.lift's lettered arm
ALIMTALK_SENT = ("sent", "delivered", "failed")
ALIMTALK_FAILED = ("failed", "not_kakao_user", "template_error", "error")


@dataclass
class DailyStats:
    days: list[date]
    series: dict[str, list[int]]
    answered: dict[str, tuple[int, int]] = field(default_factory=dict)  # lettered|unlettered: (answered, total)

    def total(self, name: str) -> int:
        return sum(self.series[name])

    def answer_rate(self, group: str) -> float | None:
        answered, total = self.answered.get(group, (0, 0))
        return answered / total if total else None


def _kst_day(session: Session, column):
    """The KST calendar day of a UTC timestamp column, as 'YYYY-MM-DD' (Korea has no DST)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Seoul", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+9 hours")


def kst_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants from the start of ``first`` to the end of ``last`` (KST days)."""
    start = datetime(first.year, first.month, first.day, tzinfo=KST).astimezone(UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=KST).astimezone(UTC) + timedelta(days=1)
    return start, end


def daily_stats(session: Session, first: date, last: date, department_id: int | None = None) -> DailyStats:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d.isoformat(): i for i, d in enumerate(days)}
    series = {name: [0] * len(days) for name in SERIES}
    start, end = kst_bounds(first, last)
    answered = {"lettered": [0, 0], "unlettered": [0, 0]}

    day = _kst_day(session, Call.created_at)
    query = (select(day, Call.lettering_status, Call.alimtalk_status, Call.outcome, func.count())
             .where(Call.created_at >= start, Call.created_at < end)
             .group_by(day, Call.lettering_status, Call.alimtalk_status, Call.outcome))
    if department_id is not None:
        query = query.where(Call.department_id == department_id)
    for key, lettering, alimtalk, outcome, count in session.execute(query):
        i = index.get(key)
        if i is None:
            continue
        series["calls"][i] += count
        series["incoming" if lettering == "incoming" else "outgoing"][i] += count
        if lettering in ("accepted", "unsupported_device", "not_subscriber", "holdout"):
            series[lettering][i] += count
        arm = "holdout" if lettering == "holdout" else "lettered" if lettering in ARM_STATUSES else None
        if arm and outcome:
            series[f"{arm}_finished"][i] += count
            series[f"{arm}_answered"][i] += count if outcome == "answered" else 0
        if alimtalk in ALIMTALK_SENT:
            series["alimtalk_sent"][i] += count
        if alimtalk == "delivered":
            series["alimtalk_delivered"][i] += count
        if alimtalk in ALIMTALK_FAILED:
            series["alimtalk_failed"][i] += count
        if outcome and lettering != "incoming":
            group = answered["lettered" if lettering == "accepted" else "unlettered"]
            group[1] += count
            group[0] += count if outcome == "answered" else 0

    opt_day = _kst_day(session, OptOut.created_at)
    for key, count in session.execute(select(opt_day, func.count()).where(OptOut.created_at >= start,
                                                                          OptOut.created_at < end)
                                      .group_by(opt_day)):
        if key in index:
            series["optouts"][index[key]] += count

    ev_day = _kst_day(session, CampaignEvent.at)
    for key, kind, count in session.execute(select(ev_day, CampaignEvent.kind, func.count())
                                            .where(CampaignEvent.at >= start, CampaignEvent.at < end)
                                            .group_by(ev_day, CampaignEvent.kind)):
        name = {"visit": "visits", "click": "clicks"}.get(kind)
        if key in index and name:
            series[name][index[key]] += count
    return DailyStats(days, series, {k: (v[0], v[1]) for k, v in answered.items()})


# ---- periods ----------------------------------------------------------------------------------------

PERIODS = ("day", "week", "month")


def period_start(day: date, period: str) -> date:
    """The first day of the KST day's week (Monday, as Korean calendars and ISO 8601 count) or month."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


@dataclass
class PeriodStats:
    period: str
    starts: list[date]                 # the first day of each period (the range's first day for the first)
    series: dict[str, list[int]]


def by_period(data: DailyStats, period: str) -> PeriodStats:
    """Daily counts added up by week or month; a range that starts mid-week keeps its partial first week."""
    period = period if period in PERIODS else "day"
    starts: list[date] = []
    series: dict[str, list[int]] = {name: [] for name in data.series}
    for i, day in enumerate(data.days):
        key = period_start(day, period)
        if not starts or key != period_start(starts[-1], period):
            starts.append(max(key, data.days[0]))
            for name in series:
                series[name].append(0)
        for name, values in data.series.items():
            series[name][-1] += values[i]
    return PeriodStats(period, starts, series)


def rate(answered: list[int], finished: list[int]) -> list[int | None]:
    """Whole percentages, None for a period without finished calls (no point rather than a false 0)."""
    return [round(100 * a / n) if n else None for a, n in zip(answered, finished, strict=True)]


# ---- traffic per department and line ------------------------------------------------------------------

@dataclass(frozen=True)
class Traffic:
    key: int | None
    name: str
    outgoing: int
    incoming: int


def traffic(session: Session, start: datetime, end: datetime, department_id: int | None = None,
            by: str = "department", limit: int = 20) -> list[Traffic]:
    """Outgoing and incoming calls per department (or per line), busiest first."""
    from core.models.lettering import Line
    from core.models.organization import Department

    incoming = func.sum(case((Call.lettering_status == "incoming", 1), else_=0))
    key = Call.department_id if by == "department" else Call.line_id
    query = (select(key, func.count(), incoming).where(Call.created_at >= start, Call.created_at < end)
             .group_by(key).order_by(func.count().desc(), key).limit(limit))
    if department_id is not None:
        query = query.where(Call.department_id == department_id)
    rows = session.execute(query).all()
    ids = [k for k, _, _ in rows if k is not None]
    if by == "department":
        names = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())
    else:
        names = {i: number for i, number in session.execute(select(Line.id, Line.number).where(Line.id.in_(ids)))}
    return [Traffic(k, names.get(k, ""), int(total) - int(inc or 0), int(inc or 0)) for k, total, inc in rows]

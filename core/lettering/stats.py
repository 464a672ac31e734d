"""Smart Lettering counts per KST day, for the console's charts.

Definitions (docs/lettering-console.md):
- calls: calls received from the PBX (by the time ingest first saw them);
- lettering: the carrier's answer (accepted, unsupported_device, not_subscriber);
- AlimTalk sent: the provider accepted the message (sent, delivered or later failed);
  delivered: the provider's report said DELIVERED; failed: a failed report, a non-KakaoTalk user,
  a template error or a send error (messages dropped by policy are not failures);
- opt-outs: opt-outs entered that day; visits and clicks: landing-page events.
Opt-outs and landing-page events belong to no department, so they are always city-wide.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models.calls import Call
from core.models.lettering import CampaignEvent, OptOut
from core.timeutil import KST

SERIES = ("calls", "accepted", "unsupported_device", "not_subscriber", "alimtalk_sent", "alimtalk_delivered",
          "alimtalk_failed", "optouts", "visits", "clicks")
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
        if lettering in ("accepted", "unsupported_device", "not_subscriber"):
            series[lettering][i] += count
        if alimtalk in ALIMTALK_SENT:
            series["alimtalk_sent"][i] += count
        if alimtalk == "delivered":
            series["alimtalk_delivered"][i] += count
        if alimtalk in ALIMTALK_FAILED:
            series["alimtalk_failed"][i] += count
        if outcome:
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

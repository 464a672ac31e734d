"""Console: Smart Lettering statistics by day, week or month, drawn as SVG charts with data tables; the lift
of lettering against the holdout; traffic per department and line; provider health; and the same figures
as CSV (``/admin/lettering/stats.csv``, the same filters)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.lettering import bp
from blueprints.lettering.charts import Chart, Series, build
from blueprints.lettering.scope import department_scope
from core.csv_safe import to_csv_bytes
from core.lettering.health import provider_health
from core.lettering.lift import MEASURES, MIN_PER_ARM, lift
from core.lettering.stats import PERIODS, by_period, daily_stats, kst_bounds, rate, traffic
from core.models.organization import Department
from core.timeutil import to_kst, utcnow
from extensions import db
from web.converters import int_arg

RANGES = (7, 14, 30, 90)
MAX_DAYS = 400                      # a year and a bit by day is still one page of SVG


@dataclass(frozen=True)
class Filters:
    first: date
    last: date
    period: str
    dept_id: int | None
    days: int | None                # the preset chosen, when the range is one

    def as_args(self) -> dict[str, str]:
        args = {"from": self.first.isoformat(), "to": self.last.isoformat(), "period": self.period}
        if self.dept_id is not None:
            args["dept"] = str(self.dept_id)
        return args


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def parse_filters() -> Filters:
    """The page's and the CSV's filters; anything unreadable falls back to the last 14 days (never a 400:
    these are links people bookmark)."""
    today = to_kst(utcnow()).date()
    scope = department_scope()
    dept_id = scope if scope is not None else int_arg("dept")
    period = request.args.get("period", "day")
    period = period if period in PERIODS else "day"
    first, last = _date_arg("from"), _date_arg("to")
    days = request.args.get("days", type=int)
    if first and last and first <= last and (last - first).days < MAX_DAYS:
        return Filters(first, last, period, dept_id, None)
    days = days if days in RANGES else 14
    return Filters(today - timedelta(days=days - 1), today, period, dept_id, days)


def _label(day: date, period: str) -> str:
    if period == "month":
        return day.strftime("%Y-%m")
    return day.strftime("%m-%d") + ("~" if period == "week" else "")


def build_charts(f: Filters) -> tuple[list[Chart], object]:
    data = daily_stats(db.session, f.first, f.last, f.dept_id)
    grouped = by_period(data, f.period)
    labels = [_label(d, f.period) for d in grouped.starts]
    s = grouped.series
    charts = [
        build("chart-calls", "bar", _("통화 수 (발신·수신)"), labels,
              [Series("outgoing", _("발신"), s["outgoing"]), Series("incoming", _("수신"), s["incoming"])]),
        build("chart-lettering", "bar", _("레터링 결과"), labels, [
            Series("accepted", _("표시됨"), s["accepted"]),
            Series("unsupported_device", _("미지원 단말"), s["unsupported_device"]),
            Series("not_subscriber", _("미가입"), s["not_subscriber"]),
            Series("holdout", _("홀드아웃(비교군)"), s["holdout"])]),
        build("chart-answer-rate", "line", _("응답률: 레터링 대 홀드아웃"), labels, [
            Series("lettered", _("레터링"), rate(s["lettered_answered"], s["lettered_finished"])),
            Series("holdout", _("홀드아웃(비교군)"), rate(s["holdout_answered"], s["holdout_finished"]))],
              unit="%"),
        build("chart-alimtalk", "group", _("알림톡"), labels, [
            Series("alimtalk_sent", _("발송"), s["alimtalk_sent"]),
            Series("alimtalk_delivered", _("전달됨"), s["alimtalk_delivered"]),
            Series("alimtalk_failed", _("실패"), s["alimtalk_failed"])]),
        build("chart-optouts", "bar", _("수신 거부 (시 전체)"), labels,
              [Series("optouts", _("수신 거부"), s["optouts"])]),
        build("chart-landing", "line", _("안내 페이지 (시 전체)"), labels, [
            Series("visits", _("방문"), s["visits"]), Series("clicks", _("링크 클릭"), s["clicks"])]),
    ]
    return charts, data


def _lift(f: Filters):
    start, end = kst_bounds(f.first, f.last)
    return lift(db.session, start, end, utcnow(), f.dept_id)


@bp.get("/stats")
def stats():
    f = parse_filters()
    charts, data = build_charts(f)
    city, departments_lift = _lift(f)
    start, end = kst_bounds(f.first, f.last)
    scope = department_scope()
    departments = list(db.session.scalars(select(Department).order_by(Department.name))) if scope is None else []
    return render_template(
        "lettering/stats.html", charts=charts, data=data, f=f, ranges=RANGES, periods=PERIODS,
        dept_id=f.dept_id, departments=departments, first=f.first, last=f.last, days=f.days,
        city=city, departments_lift=departments_lift, measures=MEASURES, min_per_arm=MIN_PER_ARM,
        by_department=traffic(db.session, start, end, f.dept_id),
        by_line=traffic(db.session, start, end, f.dept_id, by="line"),
        health=provider_health(db.session) if scope is None else None)


def _points(value: float) -> str:
    return f"{value * 100:.1f}"


@bp.get("/stats.csv")
def stats_csv():
    """Every chart's table and the lift, in one sheet: chart, period, item, value (formula-safe)."""
    f = parse_filters()
    charts, _data = build_charts(f)
    city, departments_lift = _lift(f)
    rows: list[list[object]] = [[_("차트"), _("기간"), _("항목"), _("값")]]
    for chart in charts:
        for label, values in chart.rows:
            for series, value in zip(chart.series, values, strict=True):
                rows.append([chart.title, label, series.label + (f" ({chart.unit})" if chart.unit else ""),
                             "" if value is None else value])
    span = f"{f.first.isoformat()}~{f.last.isoformat()}"
    for item in (city, *departments_lift):
        name = _(item.name) if item.department_id is None else item.name
        for m in item.measures:
            title = f"{_('레터링 효과')}: {name}"
            label = _(MEASURES[m.key])
            rows += [[title, span, f"{label} · {_('레터링')}", f"{m.lettered[0]}/{m.lettered[1]}"],
                     [title, span, f"{label} · {_('홀드아웃(비교군)')}", f"{m.holdout[0]}/{m.holdout[1]}"]]
            if m.difference is None:
                rows.append([title, span, f"{label} · {_('차이(%p)')}", _("아직 통화가 부족합니다")])
            else:
                d = m.difference
                rows += [[title, span, f"{label} · {_('차이(%p)')}", _points(d.estimate)],
                         [title, span, f"{label} · {_('95% 신뢰구간 하한(%p)')}", _points(d.lower)],
                         [title, span, f"{label} · {_('95% 신뢰구간 상한(%p)')}", _points(d.upper)]]
    response = Response(to_csv_bytes(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="lettering-stats-{span}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response

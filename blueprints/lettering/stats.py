"""Console: Smart Lettering counts per day, drawn as SVG charts with data tables."""
from datetime import timedelta

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.lettering import bp
from blueprints.lettering.charts import Series, build
from blueprints.lettering.scope import department_scope
from core.lettering.stats import daily_stats
from core.models.organization import Department
from core.timeutil import to_kst, utcnow
from extensions import db
from web.converters import int_arg

RANGES = (7, 14, 30, 90)


@bp.get("/stats")
def stats():
    days = request.args.get("days", 14, type=int)
    days = days if days in RANGES else 14
    scope = department_scope()
    dept_id = scope if scope is not None else int_arg("dept")
    last = to_kst(utcnow()).date()
    first = last - timedelta(days=days - 1)
    data = daily_stats(db.session, first, last, dept_id)
    labels = [d.strftime("%m-%d") for d in data.days]
    s = data.series
    charts = [
        build("chart-calls", "bar", _("통화 수"), labels, [Series("calls", _("통화"), s["calls"])]),
        build("chart-lettering", "bar", _("레터링 결과"), labels, [
            Series("accepted", _("표시됨"), s["accepted"]),
            Series("unsupported_device", _("미지원 단말"), s["unsupported_device"]),
            Series("not_subscriber", _("미가입"), s["not_subscriber"])]),
        build("chart-alimtalk", "group", _("알림톡"), labels, [
            Series("alimtalk_sent", _("발송"), s["alimtalk_sent"]),
            Series("alimtalk_delivered", _("전달됨"), s["alimtalk_delivered"]),
            Series("alimtalk_failed", _("실패"), s["alimtalk_failed"])]),
        build("chart-optouts", "bar", _("수신 거부 (시 전체)"), labels,
              [Series("optouts", _("수신 거부"), s["optouts"])]),
        build("chart-landing", "line", _("안내 페이지 (시 전체)"), labels, [
            Series("visits", _("방문"), s["visits"]), Series("clicks", _("링크 클릭"), s["clicks"])]),
    ]
    departments = list(db.session.scalars(select(Department).order_by(Department.name))) if scope is None else []
    return render_template("lettering/stats.html", charts=charts, data=data, days=days, ranges=RANGES,
                           dept_id=dept_id, departments=departments, first=first, last=last)

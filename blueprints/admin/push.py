"""Console: push notifications (admins). Each push's delivery figures (table and chart), the share of each
department's staff that push reaches, the staff it does not reach, and a form that sends an announcement to
all staff, departments or groups through ``core.push.send`` (the worker delivers it, never this request)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from blueprints.admin import bp
from blueprints.lettering.charts import Series, build
from core import push
from core.audience import Audience, AudienceError
from core.audit import record
from core.models.groups import StaffGroup
from core.models.organization import Department
from core.pagination import paginate
from core.push import figures
from extensions import db
from web.client import client_info
from web.console import register_console_link
from web.converters import page_arg
from web.sessions import roles_required

PAGE_SIZE = 50
CHART_MESSAGES = 10
URGENCY_LABELS = {"low": _l("낮음 (모아 보기)"), "normal": _l("보통 (중요 공지)"), "high": _l("높음 (긴급)")}

register_console_link("admin.push_page", _l("푸시 알림"), role="admin", order=46)


def _choices() -> tuple[list[Department], list[StaffGroup]]:
    return (list(db.session.scalars(select(Department).order_by(Department.name, Department.id))),
            list(db.session.scalars(select(StaffGroup).order_by(StaffGroup.name, StaffGroup.id))))


def _chart(messages: list) -> object | None:
    shown = list(reversed(messages[:CHART_MESSAGES]))
    if not shown:
        return None
    labels = [f"#{m.id}" for m in shown]
    return build("push-chart", "group", _("최근 푸시 전달 현황"), labels,
                 [Series("sent", _("전송"), [m.sent for m in shown]),
                  Series("shown", _("표시"), [m.shown for m in shown]),
                  Series("clicked", _("클릭"), [m.clicked for m in shown])])


def _page(status: int = 200, form: dict | None = None, error: str = ""):
    messages = figures.recent_messages(db.session)
    departments, groups = _choices()
    staff_page = paginate(db.session, figures.staff_without_push(), page_arg(), PAGE_SIZE)
    return render_template("admin/push.html", messages=messages, chart=_chart(messages),
                           coverage=figures.department_coverage(db.session), totals=figures.totals(db.session),
                           staff_page=staff_page, departments=departments, groups=groups,
                           departments_by_id={d.id: d.name for d in departments},
                           urgencies=URGENCY_LABELS, error=error,
                           form=form or {"scope": "all", "urgency": "normal", "url": "/inbox"}), status


@bp.get("/push")
@roles_required("admin")
def push_page():
    return _page()


def _ids(name: str) -> list[int]:
    values = request.form.getlist(name)
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9]


def _audience(scope: str) -> Audience | str:
    """The form's audience, or the Korean reason it is not one."""
    if scope == "all":
        return Audience.everyone()
    known_departments, known_groups = (set(db.session.scalars(select(Department.id))),
                                       set(db.session.scalars(select(StaffGroup.id))))
    try:
        if scope == "departments":
            chosen = [i for i in _ids("departments") if i in known_departments]
            return Audience.of(departments=chosen) if chosen else _("보낼 부서를 하나 이상 고르세요.")
        if scope == "groups":
            chosen = [i for i in _ids("groups") if i in known_groups]
            return Audience.of(groups=chosen) if chosen else _("보낼 그룹을 하나 이상 고르세요.")
    except AudienceError:
        return _("한 번에 고를 수 있는 부서와 그룹은 500개까지입니다.")
    return _("받는 사람을 고르세요.")


@bp.post("/push/send")
@roles_required("admin")
def push_send():
    form = {"title": request.form.get("title", "").strip(), "body": request.form.get("body", "").strip(),
            "url": request.form.get("url", "").strip() or "/inbox", "urgency": request.form.get("urgency", "normal"),
            "scope": request.form.get("scope", "all"), "departments": _ids("departments"), "groups": _ids("groups")}
    if not form["title"]:
        return _page(400, form, _("제목을 입력하세요."))
    if len(form["title"]) > push.TITLE_MAX or len(form["body"]) > push.BODY_MAX:
        return _page(400, form, _("제목은 %(title)d자, 내용은 %(body)d자까지 쓸 수 있습니다.",
                                  title=push.TITLE_MAX, body=push.BODY_MAX))
    if not form["url"].startswith("/") or form["url"].startswith("//") or len(form["url"]) > 500 \
            or not form["url"].isprintable():
        return _page(400, form, _("열 주소는 /board/12 처럼 이 포털 안의 경로여야 합니다."))
    if form["urgency"] not in URGENCY_LABELS:
        return _page(400, form, _("긴급도를 고르세요."))
    audience = _audience(form["scope"])
    if isinstance(audience, str):
        return _page(400, form, audience)
    message = push.send(db.session, audience=audience, title=form["title"], body=form["body"], url=form["url"],
                        urgency=form["urgency"], source="console", created_by=current_user.id)
    record(db.session, "push.send", user=current_user, target=f"push:{message.id}", title=message.title,
           audience=audience.to_json(), **client_info())
    db.session.commit()
    flash(_("알림을 보냈습니다. 전달 현황은 잠시 뒤 아래 표에 나옵니다."), "success")
    return redirect(url_for("admin.push_page"), 303)

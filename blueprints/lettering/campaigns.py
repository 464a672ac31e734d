"""Console: campaigns. The list and a campaign's page for every console user; create, edit, schedule, pause,
resume and archive for the admins (every campaign) and a department's admins (their department's own).
Card-news images are uploaded from the campaign's page (blueprints.lettering.campaign_media) and the
previews show what a citizen will see (blueprints.lettering.campaign_preview). Every change is audited.

The rules live in core.lettering.campaign_edit and core.lettering.campaigns; this module parses and renders."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from blueprints.lettering import bp
from blueprints.lettering.scope import department_scope
from core.audit import record
from core.i18n import N_
from core.lettering import campaign_edit as edit
from core.lettering.landing import is_live
from core.models.lettering import AlimTalkTemplate, Campaign, CampaignEvent
from core.models.organization import Department
from extensions import db
from web.client import client_info

STATUS_LABELS = {"active": N_("진행 중"), "paused": N_("중지"), "archived": N_("보관")}


class CsrfForm(FlaskForm):
    """Only the CSRF token: the campaign form's fields are lists read from ``request.form``."""


@bp.app_template_global("campaign_period")
def _period(campaign: Campaign) -> str:
    """``2026-12-01 ~ 2027-02-28``: the days as the editor entered them (the end is inclusive)."""
    first, last = edit.period_days(campaign)
    return f"{first} ~ {last}" if first or last else ""


@bp.app_template_global("campaign_status_label")
def _status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def _managed(campaign_id: int) -> Campaign:
    """The campaign if the user may manage it; a 404 otherwise (another department's is not disclosed)."""
    item = db.session.get(Campaign, campaign_id)
    if item is None or not edit.may_manage(item, department_scope()):
        abort(404)
    return item


def _departments() -> list[Department]:
    scope = department_scope()
    query = select(Department).order_by(Department.name)
    if scope is not None:
        query = query.where(Department.id == scope)
    return list(db.session.scalars(query))


def _input() -> edit.CampaignInput:
    form = request.form
    return edit.CampaignInput(
        title=form.get("title", "")[:1000], summary=form.get("summary", "")[:10_000],
        youtube=form.get("youtube", "")[:1000],
        link_labels=[v[:1000] for v in form.getlist("link_label")[:50]],
        link_urls=[v[:2000] for v in form.getlist("link_url")[:50]],
        starts_on=form.get("starts_on", "")[:20], ends_on=form.get("ends_on", "")[:20],
        weekdays=form.getlist("weekday")[:7], hour_from=form.get("hour_from", "")[:6],
        hour_until=form.get("hour_until", "")[:6], target_all=form.get("target") == "all",
        department_ids=form.getlist("department")[:500], priority=form.get("priority", "0")[:10])


def _problem_texts(problems: list[edit.Problem]) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for problem in problems:
        texts.setdefault(problem.field, []).append(_(problem.msgid, **problem.params))
    return texts


def _form_page(data: edit.CampaignInput, campaign: Campaign | None, problems: dict, status: int = 200):
    rows = max(len(data.link_urls), len(data.link_labels)) + 1
    links = [(data.link_labels[i] if i < len(data.link_labels) else "",
              data.link_urls[i] if i < len(data.link_urls) else "") for i in range(min(rows, edit.LINKS_MAX))]
    return render_template("lettering/campaign_form.html", data=data, campaign=campaign, problems=problems,
                           form=CsrfForm(), departments=_departments(), link_rows=links,
                           weekday_names=edit.WEEKDAY_NAMES, is_admin=department_scope() is None,
                           public_base=current_app.config["PUBLIC_BASE_URL"]), status


def _save(campaign: Campaign | None):
    form = CsrfForm()
    data = _input()
    if not form.validate_on_submit():
        flash(_("보안 토큰이 만료되었습니다. 다시 시도해 주세요."), "error")
        return _form_page(data, campaign, {}, 400)
    scope = department_scope()
    values, problems = edit.check(db.session, data, public_base=current_app.config["PUBLIC_BASE_URL"],
                                  allowed_departments=None if scope is None else {scope})
    if problems:
        return _form_page(data, campaign, _problem_texts(problems), 422)
    created = campaign is None
    if created:
        campaign = edit.new_campaign(scope)
        db.session.add(campaign)
    changed = edit.apply(campaign, values)
    db.session.flush()
    record(db.session, "lettering.campaign.create" if created else "lettering.campaign.update",
           user=current_user, target=f"campaign:{campaign.id}", title=campaign.title, changed=changed,
           **client_info())
    db.session.commit()
    flash(_("캠페인을 저장했습니다.") if not created else
          _("캠페인을 만들었습니다. 카드뉴스를 올리고 미리 본 뒤 ‘시작’을 눌러 주세요."), "success")
    return redirect(url_for("lettering.campaign_detail", campaign_id=campaign.id), 303)


@bp.get("/campaigns")
def campaigns():
    show_archived = request.args.get("archived") == "1"
    query = select(Campaign).order_by(Campaign.id.desc())
    if not show_archived:
        query = query.where(Campaign.status != "archived")
    rows = list(db.session.scalars(query))
    counts = dict(db.session.execute(select(CampaignEvent.campaign_id, func.count())
                                     .where(CampaignEvent.kind == "visit").group_by(CampaignEvent.campaign_id)).all())
    scope = department_scope()
    templates = list(db.session.scalars(select(AlimTalkTemplate).order_by(AlimTalkTemplate.code)))
    return render_template("lettering/campaigns.html", campaigns=rows, visits=counts, show_archived=show_archived,
                           templates=templates,
                           live={c.id: is_live(c) for c in rows},
                           manageable={c.id for c in rows if edit.may_manage(c, scope)})


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    if request.method == "POST":
        return _save(None)
    return _form_page(edit.CampaignInput(target_all=department_scope() is None,
                                         department_ids=[] if department_scope() is None
                                         else [str(department_scope())]), None, {})


@bp.route("/campaigns/<id:campaign_id>/edit", methods=["GET", "POST"])
def campaign_edit(campaign_id: int):
    item = _managed(campaign_id)
    if item.status == "archived":
        flash(_("보관된 캠페인은 고칠 수 없습니다."), "error")
        return redirect(url_for("lettering.campaign_detail", campaign_id=item.id), 303)
    if request.method == "POST":
        return _save(item)
    return _form_page(edit.input_from(item), item, {})


@bp.post("/campaigns/<id:campaign_id>/status")
def campaign_status(campaign_id: int):
    item = _managed(campaign_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    action = request.form.get("action", "")
    if not edit.transition(item, action):
        flash(_("지금 상태에서는 할 수 없는 작업입니다."), "error")
    else:
        record(db.session, "lettering.campaign.pause" if action == "pause" else
               "lettering.campaign.resume" if action == "resume" else "lettering.campaign.archive",
               user=current_user, target=f"campaign:{item.id}", title=item.title, **client_info())
        db.session.commit()
        flash({"pause": _("캠페인을 중지했습니다."), "resume": _("캠페인을 시작했습니다."),
               "archive": _("캠페인을 보관했습니다.")}[action], "success")
    return redirect(url_for("lettering.campaign_detail", campaign_id=item.id), 303)


@bp.get("/campaigns/<id:campaign_id>")
def campaign_detail(campaign_id: int):
    item = db.session.get(Campaign, campaign_id) or abort(404)
    counts = dict(db.session.execute(select(CampaignEvent.kind, func.count())
                                     .where(CampaignEvent.campaign_id == item.id).group_by(CampaignEvent.kind)).all())
    clicks = dict(db.session.execute(select(CampaignEvent.link_index, func.count())
                                     .where(CampaignEvent.campaign_id == item.id, CampaignEvent.kind == "click")
                                     .group_by(CampaignEvent.link_index)).all())
    public_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/p/{item.token}"
    return render_template("lettering/campaign_detail.html", campaign=item, counts=counts, clicks=clicks,
                           public_url=public_url, live=is_live(item), form=CsrfForm(),
                           can_manage=edit.may_manage(item, department_scope()),
                           weekday_names=edit.WEEKDAY_NAMES)


# The image and preview views share this module's helpers; imported last so that they find them defined.
from blueprints.lettering import campaign_media, campaign_preview  # noqa: E402, F401

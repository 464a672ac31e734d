"""Console: AlimTalk templates (admins only). List, create and edit templates, see the checker's problems and a
KakaoTalk-like preview as the form changes, and record Kakao's inspection status (등록, 검수요청, 승인, 반려).
Every change is audited. Also the red banner of every lettering page when a configured template is not approved.

The rules live in core (core.lettering.alimtalk_templates, core.lettering.alimtalk_check); this module parses,
calls and renders."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from blueprints.lettering import bp
from core.audit import record
from core.lettering import alimtalk_templates as templates
from core.lettering import kakao_sim_file
from core.lettering.alimtalk_check import BODY_MAX, BUTTONS_MAX, EXTRA_MAX, MESSAGES, Problem
from core.models.lettering import AlimTalkTemplate
from extensions import db
from web.client import client_info
from web.sessions import roles_required

BUTTON_ROWS_MAX = 10  # rows read from a post; more than BUTTONS_MAX is the checker's problem to report
TEXT_MAX = 20_000     # a body this long is refused by the form before the checker counts it


class TemplateForm(FlaskForm):
    code = StringField(_l("템플릿 코드"), validators=[Optional(), Length(max=64)])
    name = StringField(_l("이름"), validators=[Optional(), Length(max=128)])
    kind = SelectField(_l("유형"), choices=[(k, _l(v)) for k, v in templates.TYPES.items()], validate_choice=True)
    body = TextAreaField(_l("본문"), validators=[Length(max=TEXT_MAX)])
    extra = TextAreaField(_l("부가 정보"), validators=[Optional(), Length(max=TEXT_MAX)])


class StatusForm(FlaskForm):
    status = SelectField(_l("기록할 검수 상태"), choices=[(k, _l(v)) for k, v in templates.STATUSES.items()],
                         validate_choice=True)
    comment = TextAreaField(_l("검수 의견"), validators=[Optional(), Length(max=1000)])


def _settings() -> dict:
    return current_app.config


def problem_text(problem: Problem) -> str:
    return _(MESSAGES[problem.code], **problem.args)


@bp.app_template_filter("alimtalk_problem")
def _problem_filter(problem: Problem) -> str:
    return problem_text(problem)


@bp.context_processor
def _banner() -> dict:
    """A callable, so that only pages that render the banner (every lettering page) ask the database."""
    return {"alimtalk_unapproved": lambda: templates.unapproved_configured(db.session, _settings()),
            "alimtalk_statuses": templates.STATUSES}


def _buttons_from_request() -> list[dict]:
    names = request.form.getlist("button_name")[:BUTTON_ROWS_MAX]
    kinds = request.form.getlist("button_kind")[:BUTTON_ROWS_MAX]
    urls = request.form.getlist("button_url")[:BUTTON_ROWS_MAX]
    rows = []
    for i, name in enumerate(names):
        kind = kinds[i] if i < len(kinds) else ""
        url = urls[i] if i < len(urls) else ""
        if not name.strip() and not url.strip():
            continue  # an empty row of the form
        rows.append({"name": name[:100], "kind": kind[:16], "url": url[:2000]})
    return rows


def _input(form: TemplateForm, template: AlimTalkTemplate | None) -> templates.TemplateInput:
    return templates.TemplateInput(code=template.code if template else (form.code.data or ""),
                                   name=form.name.data or "", kind=form.kind.data or "basic",
                                   body=form.body.data or "", extra=form.extra.data or "",
                                   buttons=_buttons_from_request())


def _probe(data: templates.TemplateInput, template: AlimTalkTemplate | None) -> AlimTalkTemplate:
    """An unsaved template from the form, for the checker and the preview."""
    data = templates.normalise(data)
    return AlimTalkTemplate(code=template.code if template else data.code, kind=data.kind, body=data.body,
                            extra=data.extra if data.kind == "extra" else "",
                            buttons=[{k: v for k, v in b.items() if v or k != "url"} for b in data.buttons])


def _page_context(template: AlimTalkTemplate | None, shown: AlimTalkTemplate) -> dict:
    settings = _settings()
    rows = list(shown.buttons or [])
    known = templates.variables_for(shown.code or "", settings)
    return {"template": template, "problems": templates.check(shown, settings),
            "preview": templates.preview(shown, settings), "button_rows": rows + [{}] * (BUTTONS_MAX - len(rows)),
            "button_kinds": templates.BUTTON_KINDS, "variable_list": ", ".join(f"#{{{name}}}" for name in known),
            "limits": {"body": BODY_MAX, "extra": EXTRA_MAX, "buttons": BUTTONS_MAX},
            "statuses": templates.STATUSES, "types": templates.TYPES,
            "public_base": str(settings.get("PUBLIC_BASE_URL", "")).rstrip("/"),
            "roles": _roles()}


def _roles() -> dict[str, str]:
    settings = _settings()
    return {templates.fallback_code(settings): _("부재중 대체 발송"),
            templates.optout_code(settings): _("수신 거부 인증번호")}


@bp.get("/templates")
@roles_required("admin")
def alimtalk_templates():
    rows = list(db.session.scalars(select(AlimTalkTemplate).order_by(AlimTalkTemplate.code)))
    settings = _settings()
    return render_template("lettering/alimtalk_list.html", rows=rows, statuses=templates.STATUSES,
                           types=templates.TYPES, roles=_roles(),
                           problems={t.id: len(templates.check(t, settings)) for t in rows})


def _save(template: AlimTalkTemplate | None):
    form = TemplateForm()
    if template is not None and request.method == "GET":
        form.name.data, form.kind.data = template.name, template.kind or "basic"
        form.body.data, form.extra.data = template.body, template.extra
    status_code = 200
    shown = template or AlimTalkTemplate(code="", kind="basic", body="", extra="", buttons=[])
    if request.method == "POST":
        data = _input(form, template)
        shown = _probe(data, template)
        status_code = 422
        if form.validate_on_submit():
            wants_review = request.form.get("action") == "review"
            result = templates.save_template(db.session, template, data, _settings(), request_review=wants_review)
            if result.refused:
                db.session.rollback()
                target = form.code if result.refused in ("bad_code", "duplicate_code") else None
                message = _(templates.REFUSED[result.refused])
                if target is not None:
                    target.errors = [*target.errors, message]
                else:
                    flash(message, "error")
            else:
                saved = result.template
                record(db.session, "lettering.template.save", user=current_user, target=saved.code,
                       status=saved.status, problems=[p.code for p in result.problems], created=template is None,
                       **client_info())
                db.session.commit()
                kakao_sim_file.write(db.session, current_app.config)
                if result.reset:
                    flash(_("내용이 바뀌어 검수를 다시 받아야 하므로 등록 상태로 되돌렸습니다."), "error")
                if result.problems:
                    flash(_("등록 상태로 저장했습니다. 검수요청 전에 검사 결과의 문제를 고쳐 주세요."), "error")
                elif saved.status == "pending":
                    flash(_("저장하고 검수요청 상태로 바꿨습니다. 카카오 검수 결과가 나오면 상태를 기록해 주세요."),
                          "success")
                else:
                    flash(_("템플릿 %(code)s을(를) 저장했습니다.", code=saved.code), "success")
                return redirect(url_for("lettering.alimtalk_edit", template_id=saved.id))
    return (render_template("lettering/alimtalk_form.html", form=form, status_form=_status_form(template),
                            **_page_context(template, shown)), status_code)


def _status_form(template: AlimTalkTemplate | None) -> StatusForm | None:
    if template is None:
        return None
    form = StatusForm(formdata=None)
    allowed = templates.TRANSITIONS.get(template.status, ())
    form.status.choices = [(k, _(templates.STATUSES[k])) for k in allowed]  # the likeliest next step first
    return form


@bp.route("/templates/new", methods=["GET", "POST"])
@roles_required("admin")
def alimtalk_new():
    return _save(None)


@bp.route("/templates/<id:template_id>", methods=["GET", "POST"])
@roles_required("admin")
def alimtalk_edit(template_id: int):
    return _save(db.session.get(AlimTalkTemplate, template_id) or abort(404))


@bp.post("/templates/check")
@roles_required("admin")
def alimtalk_check():
    """The checker's problems and the preview of the form as it is now (htmx, while the admin types)."""
    form = TemplateForm()
    template = None
    raw_id = request.form.get("template_id", "")
    if raw_id.isdigit() and len(raw_id) < 10:
        template = db.session.get(AlimTalkTemplate, int(raw_id))
    if not form.validate_on_submit():
        return render_template("lettering/_alimtalk_check.html", invalid=True, problems=[], preview=None), 422
    shown = _probe(_input(form, template), template)
    return render_template("lettering/_alimtalk_check.html", invalid=False, **_page_context(template, shown))


@bp.post("/templates/<id:template_id>/status")
@roles_required("admin")
def alimtalk_status(template_id: int):
    template = db.session.get(AlimTalkTemplate, template_id) or abort(404)
    form = StatusForm()
    form.status.choices = [(k, v) for k, v in templates.STATUSES.items()]
    if not form.validate_on_submit():
        flash(_("검수 상태를 기록하지 못했습니다. 다시 시도해 주세요."), "error")
        return redirect(url_for("lettering.alimtalk_edit", template_id=template.id))
    before = template.status
    refused = templates.change_status(db.session, template, form.status.data, form.comment.data or "", _settings())
    if refused:
        db.session.rollback()
        flash(_(templates.REFUSED[refused]), "error")
    else:
        record(db.session, "lettering.template.status", user=current_user, target=template.code,
               before=before, after=template.status, comment=template.review_comment, **client_info())
        db.session.commit()
        kakao_sim_file.write(db.session, current_app.config)
        flash(_("%(code)s의 검수 상태를 %(status)s(으)로 기록했습니다.", code=template.code,
                status=_(templates.STATUSES[template.status])), "success")
    return redirect(url_for("lettering.alimtalk_edit", template_id=template.id))


@bp.get("/templates/<id:template_id>/preview")
@roles_required("admin")
def alimtalk_preview(template_id: int):
    template = db.session.get(AlimTalkTemplate, template_id) or abort(404)
    return render_template("lettering/alimtalk_preview.html", template=template,
                           preview=templates.preview(template, _settings()))

"""Console: dead jobs of the durable queue, with a retry button (core.jobs.retry_dead)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from blueprints.lettering import bp
from core import jobs as queue
from core.audit import record
from core.models.jobs import Job
from extensions import db
from web.client import client_info
from web.sessions import roles_required

PAGE_SIZE = 100
KINDS = {"lettering.dial": _l("통신사 레터링 요청"), "lettering.state": _l("통화 상태 전달"),
         "lettering.fallback": _l("대체 발송 판단"), "lettering.alimtalk": _l("알림톡 발송")}


@bp.get("/jobs")
@roles_required("admin")
def dead_jobs():
    rows = list(db.session.scalars(select(Job).where(Job.status == "dead")
                                   .order_by(Job.finished_at.desc(), Job.id.desc()).limit(PAGE_SIZE)))
    return render_template("lettering/jobs.html", rows=rows, counts=queue.counts(db.session), kinds=KINDS)


@bp.post("/jobs/<id:job_id>/retry")
@roles_required("admin")
def retry_job(job_id: int):
    if queue.retry_dead(db.session, job_id):
        record(db.session, "lettering.job.retry", user=current_user, target=str(job_id), **client_info())
        db.session.commit()
        flash(_("작업 %(id)s을(를) 다시 대기열에 넣었습니다.", id=job_id), "success")
    else:
        db.session.rollback()
        flash(_("작업 %(id)s은(는) 실패 상태가 아니어서 다시 실행하지 않았습니다.", id=job_id), "error")
    return redirect(url_for("lettering.dead_jobs"))

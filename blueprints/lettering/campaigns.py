"""Console: campaigns and AlimTalk templates, read-only until the campaign editor's issue."""
from flask import abort, current_app, render_template
from sqlalchemy import func, select

from blueprints.lettering import bp
from core.lettering.landing import is_live
from core.models.lettering import AlimTalkTemplate, Campaign, CampaignEvent
from extensions import db


@bp.get("/campaigns")
def campaigns():
    rows = list(db.session.scalars(select(Campaign).order_by(Campaign.id.desc())))
    counts = dict(db.session.execute(select(CampaignEvent.campaign_id, func.count())
                                     .where(CampaignEvent.kind == "visit").group_by(CampaignEvent.campaign_id)).all())
    templates = list(db.session.scalars(select(AlimTalkTemplate).order_by(AlimTalkTemplate.code)))
    return render_template("lettering/campaigns.html", campaigns=rows, visits=counts, templates=templates,
                           live={c.id: is_live(c) for c in rows})


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
                           public_url=public_url, live=is_live(item))

"""Console: previews of a campaign before it goes live. The citizen's landing page in a phone-sized frame
(rendered as the public page would be, without counting a visit, whatever the campaign's status), and the
after-call screen as the carrier shows it: institution, department and message from a line, then the card
that the carrier's request would carry (core.lettering.dispatch.lettering_request). The preview also says
whether the one selection rule (core.lettering.campaigns) gives this campaign to that line's calls now."""
from __future__ import annotations

from flask import abort, current_app, g, render_template, request
from sqlalchemy import select

from blueprints.lettering import bp
from blueprints.lettering.scope import department_scope
from core.lettering import landing
from core.lettering.campaigns import active_campaign_for, matches
from core.lettering.dispatch import lettering_request
from core.models.calls import Call
from core.models.lettering import Campaign, Line
from core.timeutil import utcnow
from extensions import db
from web.security import CSP

PREVIEW_CALLEE = "+821000000000"


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def _preview_lines(campaign: Campaign) -> list[Line]:
    """Lines to preview with: the targeted departments' (the user's own for a dept_admin), a few each."""
    query = select(Line).where(Line.active).order_by(Line.department_id, Line.number).limit(50)
    scope = department_scope()
    if scope is not None:
        query = query.where(Line.department_id == scope)
    elif not campaign.target_all and campaign.departments:
        query = query.where(Line.department_id.in_([d.id for d in campaign.departments]))
    return list(db.session.scalars(query))


@bp.get("/campaigns/<id:campaign_id>/preview")
def campaign_preview(campaign_id: int):
    item = _campaign(campaign_id)
    choices = _preview_lines(item)
    wanted = request.args.get("line", "")
    line = next((ln for ln in choices if str(ln.id) == wanted), choices[0] if choices else None)
    now = utcnow()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    after_call = winner = None
    if line is not None:
        body = lettering_request(Call(call_id="preview"), line, item, PREVIEW_CALLEE, base)
        card = dict(body.get("afterCall", {}))
        if card.get("imageUrl", "").startswith(base + "/"):
            card["imageUrl"] = card["imageUrl"][len(base):]  # our own image, from whichever host serves this
        after_call = {"display": body["display"], "card": card}
        winner = active_campaign_for(db.session, line, now)
    return render_template("lettering/campaign_preview.html", campaign=item, line=line, choices=choices,
                           after_call=after_call, winner=winner,
                           would_match=line is not None and matches(item, line.department_id, now))


@bp.get("/campaigns/<id:campaign_id>/preview/landing")
def campaign_preview_landing(campaign_id: int):
    """The public page's template as a citizen would see it once live; framed by the console only."""
    item = _campaign(campaign_id)
    shown = landing.cards(item, current_app.config["PUBLIC_BASE_URL"])
    video = item.youtube_id if landing.valid_youtube_id(item.youtube_id) else ""
    policy = CSP.replace("img-src 'self' data: blob:",
                         " ".join(["img-src 'self' data:", *landing.external_origins([c["src"] for c in shown])]))
    g.csp = policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'") + \
        (f"; frame-src {landing.YOUTUBE_EMBED_ORIGIN}" if video else "")
    links = [(i, link.get("title") or link.get("url")) for i, link in enumerate(item.links or [])
             if isinstance(link, dict) and landing.policy_link(item, i)]
    html = render_template("public/campaign.html", campaign=item, live=True, images=shown, video=video,
                           links=links, embed_origin=landing.YOUTUBE_EMBED_ORIGIN, preview=True)
    return html, 200, {"X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"}

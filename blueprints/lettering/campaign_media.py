"""Console: a campaign's card-news images. Upload (several files at once), remove, move up or down (a plain
form post, or with htmx only the images' section is swapped). The decoding happens in the sandbox child
(core.lettering.card_images); a refused file is named with its reason and the others are still stored. Files
are deleted by the daily purge job (core.lettering.campaign_media), not here. Audited."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.lettering import bp
from blueprints.lettering.campaigns import CsrfForm, _managed
from core.audit import record
from core.lettering import campaign_media, card_images
from extensions import db
from web.client import client_info


def media_store() -> Path:
    return campaign_media.media_dir(current_app.config)


def _sync_urls(campaign) -> None:
    campaign.image_urls = campaign_media.image_urls(campaign.images or [])


@bp.post("/campaigns/<id:campaign_id>/images")
def campaign_images_add(campaign_id: int):
    item = _managed(campaign_id)
    back = redirect(url_for("lettering.campaign_detail", campaign_id=item.id, _anchor="images"), 303)
    if not CsrfForm().validate_on_submit():
        flash(_("보안 토큰이 만료되었습니다. 다시 시도해 주세요."), "error")
        return back
    files = [f for f in request.files.getlist("images") if f and f.filename]
    if not files:
        flash(_("올릴 이미지를 골라 주세요."), "error")
        return back
    images = list(item.images or [])
    max_bytes = int(current_app.config.get("CAMPAIGN_IMAGE_MAX_BYTES", card_images.MAX_BYTES))
    added = []
    for upload in files:
        name = (upload.filename or "")[:100]
        if len(images) >= card_images.MAX_IMAGES:
            flash(_("%(name)s: 카드뉴스는 %(max)d장까지 넣을 수 있습니다.", name=name, max=card_images.MAX_IMAGES),
                  "error")
            continue
        data = upload.stream.read(max_bytes + 1)
        try:
            stored = card_images.process(data, media_store(), max_bytes=max_bytes)
        except card_images.ImageRefused as refused:
            flash(_("%(name)s: ", name=name) + _(refused.msgid, **refused.params), "error")
            continue
        if any(i["key"] == stored.key for i in images):
            flash(_("%(name)s: 이미 들어 있는 이미지입니다.", name=name), "error")
            continue
        images.append(stored.as_json())
        added.append(stored.key)
    if added:
        item.images = images
        _sync_urls(item)
        record(db.session, "lettering.campaign.image_add", user=current_user, target=f"campaign:{item.id}",
               keys=added, **client_info())
        db.session.commit()
        flash(_("카드뉴스 %(n)d장을 올렸습니다.", n=len(added)), "success")
    return back


@bp.post("/campaigns/<id:campaign_id>/images/<key>/remove")
def campaign_images_remove(campaign_id: int, key: str):
    item = _managed(campaign_id)
    if CsrfForm().validate_on_submit() and card_images.KEY.fullmatch(key):
        kept = [i for i in item.images or [] if i.get("key") != key]
        if len(kept) != len(item.images or []):
            item.images = kept
            _sync_urls(item)
            record(db.session, "lettering.campaign.image_remove", user=current_user,
                   target=f"campaign:{item.id}", key=key, **client_info())
            db.session.commit()
            flash(_("카드뉴스를 뺐습니다."), "success")
    return redirect(url_for("lettering.campaign_detail", campaign_id=item.id, _anchor="images"), 303)


@bp.post("/campaigns/<id:campaign_id>/images/<key>/move")
def campaign_images_move(campaign_id: int, key: str):
    """Move one image up or down. htmx (the section as target) gets the section back, with a status line for
    screen readers; the buttons keep their ids, so htmx puts the keyboard focus back on the one pressed."""
    item = _managed(campaign_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    message, category = "", "success"
    if not CsrfForm().validate_on_submit():
        message, category = _("보안 토큰이 만료되었습니다. 다시 시도해 주세요."), "error"
    elif item.status != "archived" and step is not None and card_images.KEY.fullmatch(key):
        order = campaign_media.moved(list(item.images or []), key, step)
        if order is not None:
            item.images = order
            _sync_urls(item)
            position = [i["key"] for i in order].index(key) + 1
            record(db.session, "lettering.campaign.image_move", user=current_user, target=f"campaign:{item.id}",
                   key=key, position=position, **client_info())
            db.session.commit()
            message = _("카드뉴스를 %(n)d번째로 옮겼습니다.", n=position)
    if request.headers.get("HX-Target") == "card-images-section":
        return render_template("lettering/_campaign_images.html", campaign=item, form=CsrfForm(), can_manage=True,
                               moved_message=message)
    if message:
        flash(message, category)
    return redirect(url_for("lettering.campaign_detail", campaign_id=item.id, _anchor="images"), 303)

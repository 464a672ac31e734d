"""Card-news files on disk: where they live, their order in a campaign, and the purge of files that no
campaign needs any more.

A file is needed while a campaign's ``images`` names its key, unless that campaign was archived more than
``CAMPAIGN_MEDIA_RETENTION_DAYS`` ago (``updated_at`` is the archive time: an archived campaign is final and
can no longer be edited). The purge is a job of the runtime (``lettering.campaign_media_purge``, daily), never
a web request: removing an image in the console only drops it from ``images``. Files are shared by content
hash, so one that another campaign still uses stays. A file younger than ``GRACE`` is left alone too: an
upload writes its files before its campaign is committed."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.lettering.card_images import FILE_NAME, nearest_width, url_for_width
from core.models.lettering import Campaign
from core.timeutil import utcnow

GRACE = timedelta(hours=1)
DEFAULT_RETENTION_DAYS = 90


def media_dir(settings: Mapping[str, Any]) -> Path:
    """``CAMPAIGN_MEDIA_DIR``, or ``campaign_media`` in the instance folder."""
    configured = settings.get("CAMPAIGN_MEDIA_DIR")
    return Path(configured) if configured else Path(settings["INSTANCE_PATH"]) / "campaign_media"


def image_urls(images: list[dict]) -> list[str]:
    """``image_urls`` (what the dispatcher and the landing page read) follows ``images``, in order."""
    return [url_for_width(i["key"], nearest_width(i)) for i in images]


def moved(images: list[dict], key: str, step: int) -> list[dict] | None:
    """``images`` with ``key`` moved ``step`` places (-1 up, +1 down), or None when it cannot move (not there,
    or already first or last)."""
    keys = [i.get("key") for i in images]
    if key not in keys:
        return None
    at = keys.index(key)
    to = at + step
    if not 0 <= to < len(images):
        return None
    order = list(images)
    order.insert(to, order.pop(at))
    return order


def purge(session: Session, store: Path, retention_days: int, now: datetime | None = None) -> dict[str, int]:
    """Drop the images of campaigns archived more than ``retention_days`` ago, then delete every file under
    ``store`` that no campaign names (and stale upload leftovers), when older than ``GRACE``. The caller commits;
    should that fail, the files it deleted belonged only to campaigns nobody sees any more."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    expired = session.scalars(select(Campaign).where(Campaign.status == "archived",
                                                     Campaign.updated_at < cutoff)).all()
    emptied = 0
    for campaign in expired:
        if campaign.images:
            campaign.images = []
            campaign.image_urls = [u for u in campaign.image_urls or [] if not u.startswith("/media/campaigns/")]
            emptied += 1
    session.flush()
    needed = {str(i.get("key")) for images in session.scalars(select(Campaign.images)) for i in images or []}
    files = 0
    if store.is_dir():
        old_enough = (now - GRACE).timestamp()
        for path in store.iterdir():
            match = FILE_NAME.fullmatch(path.name)
            leftover = path.name.startswith(".upload-")
            if not (match or leftover) or (match and match.group(1) in needed):
                continue
            try:
                if path.stat().st_mtime < old_enough:
                    path.unlink()
                    files += 1
            except FileNotFoundError:   # another worker's purge got there first
                continue
    return {"campaigns_emptied": emptied, "files_deleted": files}

"""The campaign landing page ``/p/<token>``: looking a campaign up, counting visits and clicks,
and the policy-link redirect that may only ever go to the campaign's own stored URLs."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.lettering import Campaign, CampaignEvent
from core.timeutil import as_utc, utcnow

YOUTUBE_EMBED_ORIGIN = "https://www.youtube-nocookie.com"


def campaign_by_token(session: Session, token: str) -> Campaign | None:
    if not token or len(token) > 32 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token):
        return None  # tokens are URL-safe; anything else (a NUL byte, say) never reaches the database
    return session.scalar(select(Campaign).where(Campaign.token == token))


def is_live(campaign: Campaign, now: datetime | None = None) -> bool:
    """Active and inside its schedule: an ended campaign's page says so instead of promoting."""
    now = now or utcnow()
    if not campaign.active:
        return False
    if campaign.starts_at is not None and as_utc(campaign.starts_at) > now:
        return False
    return campaign.ends_at is None or as_utc(campaign.ends_at) > now


def is_web_url(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def policy_link(campaign: Campaign, index: int) -> str | None:
    """The stored URL of link ``index``, or None. Never a URL from the request: no open redirect."""
    links = campaign.links or []
    if not 0 <= index < len(links) or not isinstance(links[index], dict):
        return None
    url = str(links[index].get("url") or "")
    return url if is_web_url(url) else None


def record_event(session: Session, campaign: Campaign, kind: str, link_index: int | None = None) -> None:
    """Count a visit or a click; the caller commits."""
    session.add(CampaignEvent(campaign_id=campaign.id, kind=kind, link_index=link_index))


def image_sources(campaign: Campaign, own_base_url: str) -> list[str]:
    """Card-news image URLs as the page should load them: the site's own images by path (so they
    come from whichever host serves the page), other web images as they are."""
    own = own_base_url.rstrip("/")
    sources = []
    for url in campaign.image_urls or []:
        url = str(url)
        if own and url.startswith(own + "/"):
            sources.append(url[len(own):])
        elif (url.startswith("/") and not url.startswith("//")) or is_web_url(url):
            sources.append(url)
    return sources


def external_origins(urls: list[str]) -> list[str]:
    """The https origins among ``urls``, for the page's img-src."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc:
            origin = f"https://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def valid_youtube_id(value: str) -> bool:
    return 6 <= len(value or "") <= 32 and all(c.isalnum() or c in "-_" for c in value)


def cards(campaign: Campaign, own_base_url: str) -> list[dict]:
    """The card-news images as the landing page shows them: uploaded ones with every stored width in a
    ``srcset`` (a phone loads the 360 or 720 one) and their true aspect ratio, older URL-only ones as they are."""
    from core.lettering.card_images import DEFAULT_WIDTH, nearest_width, url_for_width

    if campaign.images:
        shown = []
        for image in campaign.images:
            widths = sorted(int(w) for w in image.get("widths") or [])
            width = nearest_width(image, DEFAULT_WIDTH)
            height = round(int(image.get("h") or width) * width / max(1, int(image.get("w") or width)))
            shown.append({"src": url_for_width(image["key"], width), "width": width, "height": height,
                          "srcset": ", ".join(f"{url_for_width(image['key'], w)} {w}w" for w in widths)})
        return shown
    return [{"src": src, "width": 720, "height": 720, "srcset": ""}
            for src in image_sources(campaign, own_base_url)]

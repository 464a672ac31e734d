"""The public card: no login, only what a paper card shows. Visits are counted per card and day; nothing
about the visitor (address, agent) is stored or logged here."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, render_template, request

from blueprints.cards import bp
from core import cards
from core.cards import pdf, qr, vcard
from core.cards.data import CardData, card_data
from core.models.cards import BusinessCard
from extensions import db

# Cards are public but personal: kept out of search engines, and never sent on as a Referer.
PUBLIC_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
LOGO = Path(__file__).resolve().parents[2] / "static" / "icons" / "city-logo.svg"


def _card(token: str) -> tuple[BusinessCard, CardData] | Response:
    card = cards.by_token(db.session, token)
    if card is None:
        return Response(render_template("cards/not_found.html"), 404,
                        {**PUBLIC_HEADERS, "Cache-Control": "no-store"})
    return card, card_data(card, current_app.config)


@bp.get("/c/<token>")
def public_card(token: str):
    found = _card(token)
    if isinstance(found, Response):
        return found
    card, data = found
    if request.method == "GET":         # Flask answers HEAD too; a link checker's HEAD is no visit
        scanned = request.query_string.decode("ascii", "replace") == qr.SCAN_QUERY
        cards.count(db.session, card, "views", *(("qr_scans",) if scanned else ()))
        db.session.commit()
    html = render_template("cards/public.html", card=card, data=data,
                           policy=cards.shown_policy_link(db.session))
    # no-store: every visit reaches the server (and the counter), and a shared phone keeps no copy.
    return Response(html, 200, {**PUBLIC_HEADERS, "Cache-Control": "no-store"})


@bp.get("/c/<token>.vcf")
def vcard_download(token: str):
    found = _card(token)
    if isinstance(found, Response):
        return found
    card, data = found
    if request.method == "GET":
        cards.count(db.session, card, "downloads")
        db.session.commit()
    name = quote(f"{data.name}.vcf")
    return Response(vcard.build(data), 200, {
        **PUBLIC_HEADERS, "Content-Type": "text/vcard; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f"attachment; filename=\"card.vcf\"; filename*=UTF-8''{name}"})


@bp.get("/c/<token>/qr.svg")
def qr_svg(token: str):
    found = _card(token)
    if isinstance(found, Response):
        return found
    _card_row, data = found
    body = qr.svg(qr.qr_url(data.url), title=data.name)
    # The QR depends only on the token, so it may be cached; the page around it may not.
    return Response(body, 200, {**PUBLIC_HEADERS, "Content-Type": "image/svg+xml",
                                "Cache-Control": "public, max-age=86400"})


@bp.get("/c/<token>/qr.png")
def qr_png(token: str):
    found = _card(token)
    if isinstance(found, Response):
        return found
    _card_row, data = found
    return Response(qr.png(qr.qr_url(data.url)), 200, {**PUBLIC_HEADERS, "Content-Type": "image/png",
                                                       "Cache-Control": "public, max-age=86400"})


@bp.get("/c/<token>/card.pdf")
def card_pdf(token: str):
    found = _card(token)
    if isinstance(found, Response):
        return found
    _card_row, data = found
    body = pdf.render(data, qr.svg(qr.qr_url(data.url)), LOGO)
    return Response(body, 200, {**PUBLIC_HEADERS, "Content-Type": "application/pdf", "Cache-Control": "no-store",
                                "Content-Disposition": "inline; filename=\"card.pdf\""})

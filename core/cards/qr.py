"""The card's QR code (segno). It holds the short URL, not the vCard: a printed card stays current after
a transfer, and the scans can be counted."""
from __future__ import annotations

import io

import segno

# A query the QR's URL carries so that a visit through it counts as a scan; still a short URL.
SCAN_QUERY = "s=qr"


def qr_url(card_url: str) -> str:
    return f"{card_url}?{SCAN_QUERY}"


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def svg(url: str, *, scale: int = 8, title: str = "") -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True,
                    title=title or None, unit=None)
    return out.getvalue()


def png(url: str, *, scale: int = 10) -> bytes:
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()

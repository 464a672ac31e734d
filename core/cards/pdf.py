"""The printable card: Korean standard size 90 × 50 mm, front and back (two pages), crop marks in a 3 mm
bleed, NanumGothic embedded, the QR on the back. The PDF's TrimBox is the card; the MediaBox adds the bleed."""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from core.cards.data import CardData

CSS = """
@page { size: 90mm 50mm; margin: 0; bleed: 3mm; marks: crop; }
html, body { margin: 0; font-family: NanumGothic, sans-serif; color: #1a1a1a; }
.page { width: 90mm; height: 50mm; box-sizing: border-box; padding: 5mm 6mm; position: relative;
        page-break-after: always; overflow: hidden; }
.page:last-child { page-break-after: auto; }
.logo { height: 7mm; display: block; }
.name { font-size: 13pt; font-weight: 700; margin: 3mm 0 0; }
.title { font-size: 8pt; font-weight: 400; margin-left: 2mm; color: #444; }
.org { font-size: 7.5pt; margin: 1mm 0 0; color: #0b3d73; }
.facts { font-size: 6.5pt; line-height: 1.45; margin: 2.5mm 0 0; padding: 0; list-style: none; }
.back { display: flex; align-items: center; gap: 5mm; }
.qr { width: 30mm; height: 30mm; flex: none; }
.back p { font-size: 7pt; margin: 0 0 1.5mm; }
.url { font-size: 6pt; word-break: break-all; color: #444; }
"""


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def card_html(card: CardData, qr_svg: bytes, logo_svg: bytes | None) -> str:
    e = escape
    facts = [("T", card.phone_display), ("M", card.mobile_display), ("E", card.email), ("A", card.address)]
    rows = "".join(f"<li>{k} {e(v)}</li>" for k, v in facts if v)
    logo = f'<img class="logo" src="{_data_uri("image/svg+xml", logo_svg)}" alt="">' if logo_svg else ""
    org = " ".join(e(part) for part in (card.institution, card.department) if part)
    title = f'<span class="title">{e(card.title)}</span>' if card.title else ""
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8"><style>{CSS}</style></head><body>
<section class="page front">{logo}<p class="name">{e(card.name)}{title}</p><p class="org">{org}</p>
<ul class="facts">{rows}</ul></section>
<section class="page back"><img class="qr" src="{_data_uri("image/svg+xml", qr_svg)}" alt="">
<div><p>{e(card.institution)}</p><p>{e(card.name)} 모바일 명함</p><p class="url">{e(card.url)}</p></div></section>
</body></html>"""


def render(card: CardData, qr_svg: bytes, logo_path: Path | None = None) -> bytes:
    """The PDF bytes. WeasyPrint is imported here: it takes 0.4 s, and only this needs it."""
    from weasyprint import HTML

    logo = logo_path.read_bytes() if logo_path and logo_path.is_file() else None
    return HTML(string=card_html(card, qr_svg, logo)).write_pdf()
